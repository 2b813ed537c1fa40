// Lighthouse performance score of the home page and a service page, the median
// of several runs (the score moves with machine load). Run via bench/http/lighthouse-perf.
//   node bench/http/lighthouse-perf.mjs --binary PATH --out DIR [--runs N]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromiumArgs, firstDetailPath, parseArgs, startServer } from '../../tests/browser/lib/server.mjs';

const metrics = {
  'first-contentful-paint': 'FCP',
  'largest-contentful-paint': 'LCP',
  'total-blocking-time': 'TBT',
  'cumulative-layout-shift': 'CLS',
  'speed-index': 'SI',
  'server-response-time': 'TTFB',
};
const chromeFlags = ['--headless=new', ...chromiumArgs.filter((flag) => flag !== '--disable-dev-shm-usage')];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  const args = parseArgs(
    process.argv.slice(2),
    'usage: node bench/http/lighthouse-perf.mjs --binary PATH --out DIR [--runs N]',
    { runs: '3' },
  );
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  await mkdir(args.out, { recursive: true });

  const server = await startServer(args.binary);
  const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags });
  const summary = [];
  try {
    const pages = [
      { name: 'home', path: '/' },
      { name: 'service', path: await firstDetailPath(server.url, '/services') },
    ];
    for (const page of pages) {
      const samples = [];
      for (let run = 1; run <= runs; run++) {
        const result = await lighthouse(server.url + page.path, {
          port: chrome.port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: ['performance'],
        });
        await writeFile(path.join(args.out, `${page.name}-${run}.report.json`), result.report);
        const lhr = result.lhr;
        samples.push({
          score: lhr.categories.performance.score,
          ...Object.fromEntries(Object.entries(metrics).map(([id, label]) => [label, lhr.audits[id]?.numericValue])),
        });
      }
      const entry = { name: page.name, path: page.path, runs: samples.length, median: {} };
      for (const key of Object.keys(samples[0])) entry.median[key] = median(samples.map((sample) => sample[key] ?? NaN));
      entry.samples = samples;
      summary.push(entry);
    }
  } finally {
    await chrome.kill();
    await server.stop();
  }

  await writeFile(path.join(args.out, 'summary.json'), JSON.stringify(summary, null, 2));
  console.log(`Lighthouse performance (mobile, simulated throttling), median of ${runs} run(s); recorded, not asserted:`);
  for (const entry of summary) {
    const m = entry.median;
    console.log(
      `  ${entry.path.padEnd(36)} score ${Math.round(m.score * 100)}  FCP ${Math.round(m.FCP)} ms  LCP ${Math.round(m.LCP)} ms  ` +
        `TBT ${Math.round(m.TBT)} ms  CLS ${m.CLS.toFixed(3)}  SI ${Math.round(m.SI)} ms  TTFB ${m.TTFB.toFixed(1)} ms`,
    );
  }
  console.log(`reports in ${args.out}`);
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
