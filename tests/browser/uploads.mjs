// Browser test of the sample-dataset pages (/upload, /uploads/{id}), with JavaScript on and off:
//   node tests/browser/uploads.mjs --binary build/indivillage --out build/test-output/uploads
// In Debian's Chromium against the real binary:
//   JavaScript on: a generated CSV of about 24 MB goes through the page's tus
//     upload (tus-js-client, 8 MiB chunks) with the upload bandwidth throttled;
//     the test pauses and resumes it, then takes the network away for a moment
//     (tus-js-client retries and carries on), the progress bar reaches 100 %, the
//     page lands on /uploads/{id}, and the report shows the row count and the
//     mean of the "amount" column. Requests to the tus endpoint must be seen
//     (a silent fallback to the multipart form would pass otherwise).
//   JavaScript off: a small CSV through the multipart form (POST /upload, 303),
//     the status page, reloaded until the report is there; same figures.
//   axe (serious or critical violations fail) on the upload page, a status page
//   (an upload created through the API that never receives bytes stays pending;
//   without JavaScript it must reload itself, and is checked with ?refresh=off,
//   its "Stop reloading" link, so that it holds still) and a results page, in
//   both modes; no horizontal overflow at 360 px;
//   screenshots at 390 and 1280 px into OUT/screenshots/.
// Exits 1 on any failure; details in OUT/results.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, parseArgs, startServer } from './lib/server.mjs';
import { openPage } from './lib/page.mjs';
import { createUpload, sampleCsv, sampleFigures } from './lib/uploads.mjs';

const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const blockingImpacts = new Set(['serious', 'critical']);
const widths = [390, 1280];
const desktopViewport = { width: 1280, height: 800 };
const modes = [{ name: 'js', javaScriptEnabled: true }, { name: 'nojs', javaScriptEnabled: false }];
const bigRows = 600_000;   // about 24 MB: three 8 MiB tus chunks
const smallRows = 2_000;
const reportTimeoutMs = 90_000;

const serverEnv = { UPLOAD_RATE_BURST: '1000', UPLOAD_RATE_PER_HOUR: '1000' };

// Records every value a <progress> element is given, before navigation can lose it.
const recordProgress = () => {
  const property = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value');
  Object.defineProperty(HTMLProgressElement.prototype, 'value', {
    configurable: true,
    get() {
      return property.get.call(this);
    },
    set(value) {
      property.set.call(this, value);
      if (this.hasAttribute('data-progress-bar') && window.__progress) window.__progress(Number(value));
    },
  });
};

function watchPage(page) {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs the requests that fail while the test has taken the network away.
    if (/ERR_INTERNET_DISCONNECTED|net::ERR_/.test(message.text())) return;
    problems.push(`console error: ${message.text()} (${message.location()?.url ?? ''})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

async function checkAxe(page, withTimers, label) {
  const results = await withTimers(() => new AxeBuilder({ page }).withTags(axeTags).analyze());
  return results.violations
    .filter((violation) => blockingImpacts.has(violation.impact))
    .map((violation) => {
      const targets = violation.nodes.map((node) => `      ${node.target.join(' ')}: ${node.failureSummary?.split('\n').slice(1).join('; ')}`);
      return `axe (${label}) ${violation.impact} ${violation.id}: ${violation.help}\n${targets.join('\n')}`;
    });
}

async function checkOverflow(page, label) {
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize(desktopViewport);
  return overflow > 0 ? [`${label}: the page is ${overflow} px wider than a 360 px screen`] : [];
}

async function screenshots(page, outDir, name) {
  for (const width of widths) {
    await page.setViewportSize(width === desktopViewport.width ? desktopViewport : { width, height: 844 });
    await page.screenshot({ path: path.join(outDir, 'screenshots', `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(desktopViewport);
}

// Every check a page gets: axe, overflow at 360 px, screenshots.
async function inspect(page, withTimers, outDir, name) {
  const problems = [...(await checkAxe(page, withTimers, name)), ...(await checkOverflow(page, name))];
  await screenshots(page, outDir, name);
  return problems;
}

// The summary's "Rows" and the "amount" column's "Mean", as the report shows them.
async function readReport(page) {
  return page.evaluate(() => {
    const factIn = (root, term) => {
      for (const item of root.querySelectorAll('.report-fact')) {
        if (item.querySelector('dt')?.textContent.trim() === term) {
          return item.querySelector('dd')?.firstChild?.textContent.trim();
        }
      }
      return null;
    };
    const summary = document.querySelector('.report-section .report-facts');
    const column = [...document.querySelectorAll('.report-column')].find(
      (card) => card.querySelector('.report-column__name')?.textContent.trim() === 'amount');
    return {
      heading: document.querySelector('h1')?.textContent.trim(),
      rows: summary ? factIn(summary.parentElement, 'Rows') : null,
      mean: column ? factIn(column, 'Mean') : null,
    };
  });
}

function checkFigures(report, rows, label) {
  const expected = sampleFigures(rows);
  const problems = [];
  if (report.heading !== 'Your data report') problems.push(`${label}: heading "${report.heading}", expected the report`);
  if (report.rows !== expected.rows) problems.push(`${label}: rows "${report.rows}", expected "${expected.rows}"`);
  if (report.mean !== expected.mean) problems.push(`${label}: mean of amount "${report.mean}", expected "${expected.mean}"`);
  return problems;
}

async function fillForm(page, file) {
  await page.setInputFiles('#field-file', file);
  await page.fill('#field-email', 'upload-test@example.com');
  await page.check('#field-consent');
}

// JavaScript on: tus through the page, with pause, resume and a dropped connection.
async function uploadWithJavaScript(browser, server, outDir, file) {
  const context = await browser.newContext({ viewport: desktopViewport });
  const { page, withTimers } = await openPage(context, { javaScriptEnabled: true });
  const problems = watchPage(page);
  const progress = [];
  const tusRequests = [];
  await page.exposeFunction('__progress', (value) => progress.push(value));
  await page.addInitScript(recordProgress);
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/uploads/tus')) tusRequests.push(request.method());
  });
  const network = await context.newCDPSession(page);
  await network.send('Network.enable');
  const throttle = (offline) => network.send('Network.emulateNetworkConditions', {
    offline, latency: 0, downloadThroughput: -1, uploadThroughput: 6 * 1024 * 1024,
  });
  await throttle(false);

  await page.goto(server.url + '/upload');
  problems.push(...(await inspect(page, withTimers, outDir, 'upload-js')));
  await fillForm(page, file);
  await page.click('[data-upload-submit]');

  // Pause once some bytes went, check the state, resume.
  await page.waitForFunction(() => Number(document.querySelector('[data-progress-bar]')?.value) > 5, null, { timeout: 30_000 });
  await page.click('[data-upload-pause]');
  await page.waitForSelector('[data-upload-resume]:not([hidden])');
  const pausedAt = await page.$eval('[data-progress-bar]', (bar) => bar.value);
  await page.waitForTimeout(700);
  const stillPaused = await page.$eval('[data-progress-bar]', (bar) => bar.value);
  if (stillPaused !== pausedAt) problems.push(`progress moved while paused (${pausedAt} -> ${stillPaused})`);
  await screenshots(page, outDir, 'upload-paused');
  await page.click('[data-upload-resume]');

  // Drop the connection for a moment; tus-js-client retries and continues.
  await page.waitForFunction((from) => Number(document.querySelector('[data-progress-bar]')?.value) > from + 10, pausedAt, { timeout: 30_000 });
  await throttle(true);
  await page.waitForTimeout(1500);
  await throttle(false);

  await page.waitForURL(/\/uploads\/[0-9a-f]{32}$/, { timeout: 60_000 });
  const id = page.url().split('/').pop();
  if (Math.max(0, ...progress) !== 100) problems.push(`progress bar ended at ${Math.max(0, ...progress)} %, expected 100 %`);
  if (!tusRequests.includes('PATCH') && !tusRequests.includes('POST')) problems.push('no request reached the tus endpoint');
  await page.waitForSelector('main[data-final]', { timeout: reportTimeoutMs });
  problems.push(...checkFigures(await readReport(page), bigRows, 'js'));
  problems.push(...(await inspect(page, withTimers, outDir, 'results-js')));
  await context.close();
  return { id, progressSamples: progress.length, tusRequests: tusRequests.length, problems };
}

// JavaScript off: the multipart form, then the status page until the report is there.
async function uploadWithoutJavaScript(browser, server, outDir, file) {
  const context = await browser.newContext({ viewport: desktopViewport });
  const { page, withTimers } = await openPage(context, { javaScriptEnabled: false });
  const problems = watchPage(page);
  await page.goto(server.url + '/upload');
  problems.push(...(await inspect(page, withTimers, outDir, 'upload-nojs')));
  await fillForm(page, file);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/upload'),
    page.click('[data-upload-submit]'),
  ]);
  if (response.status() !== 303) problems.push(`POST /upload answered ${response.status()}, expected 303`);
  await page.waitForURL(/\/uploads\/[0-9a-f]{32}$/);
  const id = page.url().split('/').pop();
  const statuses = [];
  const deadline = Date.now() + reportTimeoutMs;
  for (;;) {
    statuses.push(await page.$eval('main', (main) => main.getAttribute('data-status')));
    if (await page.$('main[data-final]')) break;
    if (Date.now() > deadline) {
      problems.push(`no report after ${reportTimeoutMs / 1000} s (statuses seen: ${statuses.join(', ')})`);
      break;
    }
    await page.waitForTimeout(1000);
    await page.reload();
  }
  problems.push(...checkFigures(await readReport(page), smallRows, 'nojs'));
  problems.push(...(await inspect(page, withTimers, outDir, 'results-nojs')));
  await context.close();
  return { id, statuses, problems };
}

// A status page: an upload that never receives a byte stays pending.
async function pendingStatusPage(browser, server, outDir, mode) {
  const created = await createUpload(server.url, { filename: 'never-sent.csv', size: 1000 });
  const context = await browser.newContext({ viewport: desktopViewport });
  const { page, withTimers } = await openPage(context, mode);
  const problems = watchPage(page);
  await page.goto(server.url + created.results_url);
  if (!mode.javaScriptEnabled) {
    // Without JavaScript the page reloads itself (a meta refresh inside <noscript>)...
    const reloaded = await page.waitForEvent('framenavigated', { timeout: 6000 }).then(() => true, () => false);
    if (!reloaded) problems.push('the status page did not reload itself without JavaScript');
    // ...unless the visitor turns that off, which the checks below need to hold the page still.
    await page.goto(server.url + created.results_url + '?refresh=off');
  } else {
    const refresh = await page.$('meta[http-equiv=refresh]');
    if (refresh) problems.push('a meta refresh is active with JavaScript on');
  }
  const status = await page.$eval('main', (main) => main.getAttribute('data-status'));
  if (status !== 'pending') problems.push(`status page of a new upload says "${status}", expected pending`);
  const robots = await page.$eval('meta[name=robots]', (meta) => meta.content).catch(() => null);
  if (robots !== 'noindex') problems.push(`status page robots meta is ${robots}, expected noindex`);
  problems.push(...(await inspect(page, withTimers, outDir, `status-${mode.name}`)));
  await context.close();
  return { id: created.id, problems };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), 'usage: node tests/browser/uploads.mjs --binary PATH --out DIR');
  await mkdir(path.join(args.out, 'screenshots'), { recursive: true });
  const bigFile = path.join(args.out, 'orders-big.csv');
  const smallFile = path.join(args.out, 'orders-small.csv');
  await writeFile(bigFile, sampleCsv(bigRows));
  await writeFile(smallFile, sampleCsv(smallRows));

  const server = await startServer(args.binary, { env: serverEnv });
  const browser = await chromium.launch(chromiumLaunchOptions());
  const results = {};
  try {
    for (const mode of modes) {
      results[`status-${mode.name}`] = await pendingStatusPage(browser, server, args.out, mode);
    }
    results.js = await uploadWithJavaScript(browser, server, args.out, bigFile);
    results.nojs = await uploadWithoutJavaScript(browser, server, args.out, smallFile);
  } finally {
    await browser.close();
    await server.stop();
  }
  await writeFile(path.join(args.out, 'results.json'), JSON.stringify(results, null, 2));
  const problems = Object.entries(results).flatMap(([name, result]) => result.problems.map((p) => `${name}: ${p}`));
  for (const [name, result] of Object.entries(results)) {
    console.log(`${name}: ${result.problems.length === 0 ? 'ok' : result.problems.length + ' problem(s)'} (upload ${result.id})`);
  }
  if (problems.length > 0) {
    console.log(`\nFailures:\n${problems.join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`\nupload pages: tus and multipart uploads, reports, axe and 360 px checks passed; screenshots in ${path.join(args.out, 'screenshots')}`);
  }
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
