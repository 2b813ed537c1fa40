// Lighthouse audit of representative pages (mobile, Lighthouse's default config):
//   node tests/browser/lighthouse.mjs --binary build/indivillage --out build/test-output/lighthouse
// Asserts accessibility, best practices and SEO at 100 and names every failing
// audit in those categories. The performance score is recorded, not asserted:
// it moves with the machine's load (bench/http/lighthouse-perf tracks it).
// Writes OUT/<name>.report.json per page and OUT/summary.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromiumArgs, firstDetailPath, parseArgs, startServer } from './lib/server.mjs';
import { completedUpload } from './lib/uploads.mjs';

// The pages to audit. A page is a fixed `path`, or `firstIn`: the first
// detail page linked from that section's list page, or `completedUpload`: the
// results page of a CSV uploaded through the API first. Later issues add theirs here.
const pagesToAudit = [
  { name: 'home', path: '/' },
  { name: 'service', firstIn: '/services' },
  { name: 'case-study', firstIn: '/case-studies' },
  { name: 'about', path: '/about' },
  { name: 'contact', path: '/contact' },
  { name: 'demo', path: '/demo' },
  { name: 'quote', path: '/quote' },
  // Thank-you pages are noindex on purpose (reached only by sending a form), so SEO's
  // is-crawlable audit fails on them: main() has to skip that audit where `noindex` is set.
  { name: 'contact-thanks', path: '/contact/thanks', noindex: true },
  { name: 'demo-thanks', path: '/demo/thanks', noindex: true },
  { name: 'quote-thanks', path: '/quote/thanks', noindex: true },
  { name: 'upload', path: '/upload' },
  // The results page lives behind a secret link: noindex like the thank-you pages.
  { name: 'upload-results', completedUpload: true, noindex: true },
];

const assertedCategories = ['accessibility', 'best-practices', 'seo'];
const ungradedModes = new Set(['notApplicable', 'manual', 'informative']);
const chromeFlags = ['--headless=new', ...chromiumArgs.filter((flag) => flag !== '--disable-dev-shm-usage')];

// Audits in `categoryId` that count against its score: graded, and below 1
// (or errored, which Lighthouse reports with a null score).
export function failingAudits(lhr, categoryId) {
  return lhr.categories[categoryId].auditRefs
    .map((ref) => lhr.audits[ref.id])
    .filter((audit) => !ungradedModes.has(audit.scoreDisplayMode))
    .filter((audit) => audit.scoreDisplayMode === 'error' || (audit.score !== null && audit.score < 1))
    .map((audit) => ({
      id: audit.id,
      title: audit.title,
      score: audit.score,
      ...(audit.errorMessage ? { error: audit.errorMessage } : {}),
      ...(audit.displayValue ? { displayValue: audit.displayValue } : {}),
      items: (audit.details?.items ?? []).slice(0, 5).map(describeItem),
    }));
}

// One line per offending element or resource, so a failure says where to look.
function describeItem(item) {
  if (item.node?.selector) {
    const explanation = (item.node.explanation ?? '').split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
    return `${item.node.selector}${explanation ? ': ' + explanation : ''}`;
  }
  if (item.source?.url) return `${item.source.url}:${item.source.line ?? ''} ${item.description ?? ''}`.trim();
  if (item.url) return `${item.url}${item.description ? ' ' + item.description : ''}`;
  if (item.description) return String(item.description);
  return JSON.stringify(item).slice(0, 200);
}

const percent = (score) => (score === null || score === undefined ? 'n/a' : String(Math.round(score * 100)));

async function main() {
  const args = parseArgs(process.argv.slice(2), 'usage: node tests/browser/lighthouse.mjs --binary PATH --out DIR');
  await mkdir(args.out, { recursive: true });
  const server = await startServer(args.binary);
  let chrome = null;
  const summary = [];
  try {
    const pages = [];
    for (const page of pagesToAudit) {
      pages.push({
        name: page.name,
        noindex: page.noindex === true,
        path: page.completedUpload
          ? `/uploads/${await completedUpload(server.url)}`
          : (page.path ?? (await firstDetailPath(server.url, page.firstIn))),
      });
    }
    chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags });
    for (const page of pages) {
      const url = server.url + page.path;
      const started = Date.now();
      let result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error' });
      // Lighthouse's trace sometimes misses the navigation start on a busy machine
      // (NO_NAVSTART); that is the tool's failure, not the page's: run it once more.
      if (result?.lhr.runtimeError) {
        result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error' });
      }
      if (!result) throw new Error(`lighthouse returned nothing for ${url}`);
      const lhr = result.lhr;
      const failing = Object.fromEntries(assertedCategories.map((id) => [id, failingAudits(lhr, id)]));
      if (page.noindex) {
        // A noindex page must say so (is-crawlable fails) and pass every other SEO audit.
        const crawlable = lhr.audits['is-crawlable'];
        failing.seo = failing.seo.filter((audit) => audit.id !== 'is-crawlable');
        if (!crawlable || crawlable.score !== 0) {
          failing.seo.push({ id: 'is-crawlable', title: 'expected noindex on this page', score: crawlable?.score, items: [] });
        }
      }
      await writeFile(path.join(args.out, `${page.name}.report.json`), result.report);
      const entry = {
        name: page.name,
        path: page.path,
        seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
        runtimeError: lhr.runtimeError?.message,
        scores: Object.fromEntries(Object.entries(lhr.categories).map(([id, category]) => [id, category.score])),
        noindex: page.noindex,
        failing,
      };
      summary.push(entry);
      const scores = ['performance', ...assertedCategories].map((id) => `${id} ${percent(entry.scores[id])}`).join(', ');
      console.log(`${page.name} ${page.path}: ${scores} (${entry.seconds} s)`);
    }
  } finally {
    if (chrome) await chrome.kill();
    await server.stop();
  }
  await writeFile(path.join(args.out, 'summary.json'), JSON.stringify(summary, null, 2));

  const problems = [];
  for (const entry of summary) {
    if (entry.runtimeError) problems.push(`${entry.name} ${entry.path}: Lighthouse runtime error: ${entry.runtimeError}`);
    for (const id of assertedCategories) {
      const failing = entry.failing[id];
      const scoreOk = entry.scores[id] === 1 || (entry.noindex && id === 'seo');
      if (scoreOk && failing.length === 0) continue;
      problems.push(`${entry.name} ${entry.path}: ${id} score ${percent(entry.scores[id])}`);
      for (const audit of failing) {
        problems.push(`    ${audit.id} (${audit.title}) score ${audit.score}${audit.displayValue ? ' ' + audit.displayValue : ''}${audit.error ? ' error: ' + audit.error : ''}`);
        for (const item of audit.items) problems.push(`        ${item}`);
      }
    }
  }
  if (problems.length > 0) {
    console.log(`\nFailures:\n${problems.join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`\n${summary.length} pages: accessibility, best practices and SEO at 100; reports in ${args.out}`);
  }
}

// Run as a script; importing the module (to test failingAudits) does nothing.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  });
}
