// Browser test of every page template, with JavaScript on and off:
//   node tests/browser/pages.mjs --binary build/indivillage --out build/test-output/browser
// Starts the real binary, discovers one URL per template from the running site,
// and for each checks: no console error or warning, page error, failed request,
// unexpected HTTP error or CSP violation; no serious or critical axe violation;
// exactly one h1; a skip link that moves focus to <main>; no horizontal overflow
// at 360 px. Writes full-page screenshots at 390 and 1280 px to OUT/screenshots/
// and checks that the mobile navigation opens at 390 px. Exits 1 on any failure.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, parseArgs, startServer } from './lib/server.mjs';
import { openPage } from './lib/page.mjs';

const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const blockingImpacts = new Set(['serious', 'critical']);
const desktopViewport = { width: 1280, height: 800 };
const phoneViewport = { width: 390, height: 844 };
const narrowestWidth = 360;
const withJs = { name: 'js', javaScriptEnabled: true };
const withoutJs = { name: 'nojs', javaScriptEnabled: false };
const modes = [withJs, withoutJs];

// ---------------------------------------------------------------------------
// Discovering one URL per page template from the site itself, so the test
// follows the content instead of hard-coding slugs.

// Same-origin link targets on `pagePath`, as URL objects.
async function linksOn(context, baseUrl, pagePath) {
  const { page } = await openPage(context, withoutJs);
  try {
    const response = await page.goto(baseUrl + pagePath);
    if (!response || response.status() !== 200) {
      throw new Error(`discovery: GET ${pagePath} answered ${response ? response.status() : 'nothing'}`);
    }
    const hrefs = await page.$$eval('a[href]', (anchors) => anchors.map((a) => a.href));
    // Links may be absolute with the configured public origin; only the path matters.
    return hrefs.map((href) => new URL(href, baseUrl));
  } finally {
    await page.close();
  }
}

// Values offered by <select name=NAME> or <input type=radio|checkbox name=NAME> on `pagePath`.
async function filterValuesOn(context, baseUrl, pagePath, name) {
  const { page } = await openPage(context, withoutJs);
  try {
    await page.goto(baseUrl + pagePath);
    return await page.$$eval(
      `select[name="${name}"] option, input[name="${name}"]`,
      (fields) => fields.map((field) => field.value).filter((value) => value !== ''),
    );
  } finally {
    await page.close();
  }
}

function firstDetailPath(links, section) {
  const detail = new RegExp(`^/${section}/[^/]+$`);
  const match = links.find((url) => detail.test(url.pathname));
  if (!match) throw new Error(`discovery: no link to a /${section}/{slug} page on /${section}`);
  return match.pathname;
}

async function discoverPages(browser, baseUrl) {
  const context = await browser.newContext();
  try {
    const serviceLinks = await linksOn(context, baseUrl, '/services');
    const caseLinks = await linksOn(context, baseUrl, '/case-studies');
    const impactLinks = await linksOn(context, baseUrl, '/impact');

    // The industry filter is either a link (…?industry=X) or a GET form field.
    let industry = caseLinks
      .filter((url) => url.pathname === '/case-studies' && url.searchParams.get('industry'))
      .map((url) => url.searchParams.get('industry'))[0];
    if (!industry) industry = (await filterValuesOn(context, baseUrl, '/case-studies', 'industry'))[0];
    if (!industry) throw new Error('discovery: /case-studies offers no industry filter (link or form field)');

    return [
      { name: 'home', path: '/' },
      { name: 'services', path: '/services' },
      { name: 'service', path: firstDetailPath(serviceLinks, 'services') },
      { name: 'case-studies', path: '/case-studies' },
      { name: 'case-studies-filtered', path: `/case-studies?industry=${encodeURIComponent(industry)}` },
      { name: 'case-study', path: firstDetailPath(caseLinks, 'case-studies') },
      { name: 'impact', path: '/impact' },
      { name: 'impact-story', path: firstDetailPath(impactLinks, 'impact') },
      { name: 'about', path: '/about' },
      { name: 'privacy', path: '/privacy' },
      { name: 'contact', path: '/contact' },
      { name: 'demo', path: '/demo' },
      { name: 'quote', path: '/quote' },
      { name: 'not-found', path: '/no-such-page-for-the-browser-test', status: 404 },
    ];
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------
// Watching a page for anything that went wrong while it loaded and rendered.

function watchPage(page, documentUrl, expectedStatus) {
  const problems = [];
  page.on('console', (message) => {
    // Chromium logs every 4xx response, including the 404 page we asked for.
    const isExpectedStatus = expectedStatus !== 200 && message.location()?.url === documentUrl &&
      message.text().includes(`status of ${expectedStatus}`);
    if ((message.type() === 'error' || message.type() === 'warning') && !isExpectedStatus) {
      const where = message.location()?.url ? ` (${message.location().url})` : '';
      problems.push(`console ${message.type()}: ${message.text()}${where}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
  );
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const isDocument = response.request().isNavigationRequest() && response.url() === documentUrl;
    if (isDocument && response.status() === expectedStatus) return;
    problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

// With JavaScript on, CSP violations are also collected from the DOM event,
// which names the directive; with it off, Chromium still logs them to the console.
const recordCspViolations = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
  });
};

// ---------------------------------------------------------------------------
// The checks. Each returns a list of failure messages (empty: passed).

async function checkAxe(page) {
  const results = await new AxeBuilder({ page }).withTags(axeTags).analyze();
  return results.violations
    .filter((violation) => blockingImpacts.has(violation.impact))
    .map((violation) => {
      const targets = violation.nodes.map((node) => `      ${node.target.join(' ')}: ${node.failureSummary?.split('\n').slice(1).join('; ')}`);
      return `axe ${violation.impact} ${violation.id}: ${violation.help}\n${targets.join('\n')}`;
    });
}

async function checkSingleH1(page) {
  const count = await page.locator('h1').count();
  return count === 1 ? [] : [`expected exactly one h1, found ${count}`];
}

async function checkNoOverflow(page) {
  await page.setViewportSize({ width: narrowestWidth, height: 800 });
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    // Name the element that sticks out, so the failure says what to fix.
    let widestElement = '';
    let widestRight = 0;
    for (const element of document.body.querySelectorAll('*')) {
      const right = element.getBoundingClientRect().right;
      if (right > widestRight) {
        widestRight = right;
        widestElement = element.tagName.toLowerCase() + (element.className ? `.${String(element.className).trim().replace(/\s+/g, '.')}` : '');
      }
    }
    return {
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth: window.innerWidth,
      widest: `${widestElement} (right edge ${Math.round(widestRight)} px)`,
    };
  });
  return scrollWidth <= innerWidth
    ? []
    : [`horizontal overflow at ${narrowestWidth} px: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}; widest: ${widest}`];
}

// The first Tab must reach a visible link to the main content, and following it
// must put keyboard focus in <main>: either on main itself (tabindex=-1) or, if
// main is not focusable, as the starting point so the next Tab lands inside it.
async function checkSkipLink(page) {
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const element = document.activeElement;
    const main = document.querySelector('main');
    const href = element?.getAttribute('href') ?? '';
    const target = href.startsWith('#') ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
    const box = element?.getBoundingClientRect();
    return {
      description: element ? `${element.tagName.toLowerCase()} "${element.textContent.trim()}" href="${href}"` : 'nothing',
      hasMain: main !== null,
      targetsMain: target !== null && main !== null && (target === main || main.contains(target)),
      visible: box !== undefined && box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0,
    };
  });
  if (!first.hasMain) return ['no <main> element'];
  if (!first.targetsMain) return [`skip link: the first Tab focuses ${first.description}, not a link to <main>`];
  if (!first.visible) return [`skip link: ${first.description} is not visible when focused`];

  await page.keyboard.press('Enter');
  const inMain = () => page.evaluate(() => {
    const main = document.querySelector('main');
    return main === document.activeElement || main.contains(document.activeElement);
  });
  if (await inMain()) return [];
  await page.keyboard.press('Tab');
  if (await inMain()) return [];
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120) ?? 'nothing');
  return [`skip link: after following it, focus is not in <main> (next Tab focuses ${focused})`];
}

async function screenshot(page, outDir, name, width, mode) {
  await page.setViewportSize(width === desktopViewport.width ? desktopViewport : phoneViewport);
  await page.screenshot({ path: path.join(outDir, 'screenshots', `${name}-${width}-${mode}.png`), fullPage: true });
}

export async function checkPage(browser, baseUrl, outDir, pageInfo, mode) {
  const context = await browser.newContext({ viewport: desktopViewport });
  if (mode.javaScriptEnabled) await context.addInitScript(recordCspViolations);
  const { page, withTimers } = await openPage(context, mode);
  const documentUrl = baseUrl + pageInfo.path;
  const expectedStatus = pageInfo.status ?? 200;
  const problems = watchPage(page, documentUrl, expectedStatus);
  const failures = [];
  try {
    const response = await page.goto(documentUrl, { waitUntil: 'load' });
    if (!response) failures.push('no response for the document');
    else if (response.status() !== expectedStatus) failures.push(`document status ${response.status()}, expected ${expectedStatus}`);

    failures.push(...(await withTimers(() => checkAxe(page))));
    failures.push(...(await checkSingleH1(page)));
    await screenshot(page, outDir, pageInfo.name, desktopViewport.width, mode.name);
    await screenshot(page, outDir, pageInfo.name, phoneViewport.width, mode.name);
    failures.push(...(await checkNoOverflow(page)));
    await page.setViewportSize(desktopViewport);
    failures.push(...(await checkSkipLink(page)));

    if (mode.javaScriptEnabled) {
      const csp = await page.evaluate(() => window.__cspViolations ?? []);
      failures.push(...csp.map((violation) => `CSP violation: ${violation}`));
    }
  } catch (error) {
    failures.push(`error while checking: ${error.message.split('\n')[0]}`);
  } finally {
    await context.close();
  }
  // Events that arrived during the checks (late console messages) count too.
  return [...problems, ...failures];
}

// ---------------------------------------------------------------------------
// Mobile navigation at 390 px: the primary navigation's links are visible, or a
// menu control reachable with the keyboard opens it and then they are.

export async function checkMobileNavigation(browser, baseUrl, mode) {
  const context = await browser.newContext({ viewport: phoneViewport });
  const { page } = await openPage(context, mode);
  const problems = watchPage(page, baseUrl + '/', 200);
  const failures = [];
  try {
    await page.goto(baseUrl + '/');
    failures.push(...(await openMobileMenu(page)));
  } catch (error) {
    failures.push(`mobile navigation: error: ${error.message.split('\n')[0]}`);
  } finally {
    await context.close();
  }
  return [...problems, ...failures];
}

// The links that must show once the menu is open are the ones a desktop
// visitor sees in the same <nav> (helpers such as a "Close menu" link that is
// hidden on desktop are not counted).
async function openMobileMenu(page) {
  const nav = page.locator('header nav').first();
  if ((await nav.count()) === 0) return ['mobile navigation: no <nav> inside <header>'];
  const links = nav.locator('a[href]');
  const visibleIndexes = async () => {
    const visible = [];
    for (let i = 0; i < (await links.count()); i++) if (await links.nth(i).isVisible()) visible.push(i);
    return visible;
  };
  await page.setViewportSize(desktopViewport);
  const expected = await visibleIndexes();
  await page.setViewportSize(phoneViewport);
  if (expected.length === 0) return ['mobile navigation: the header <nav> shows no links at 1280 px'];
  const missing = async () => {
    const visible = new Set(await visibleIndexes());
    return expected.filter((i) => !visible.has(i)).length;
  };
  const linkCount = expected.length;
  if ((await missing()) === 0) return [];  // nothing collapsed at this width

  // Tab to the menu control (a <summary>, a button, or a link to the nav) and press Enter.
  let control = null;
  for (let i = 0; i < 20 && control === null; i++) {
    await page.keyboard.press('Tab');
    control = await page.evaluate(() => {
      const element = document.activeElement;
      const header = document.querySelector('header');
      if (!element || !header?.contains(element)) return null;
      const headerNav = header.querySelector('nav');
      const href = element.getAttribute('href') ?? '';
      const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
      const opensMenu =
        element.tagName === 'SUMMARY' ||
        element.hasAttribute('aria-expanded') ||
        element.hasAttribute('aria-controls') ||
        (target !== null && headerNav !== null && (target === headerNav || headerNav.contains(target) || target.contains(headerNav)));
      return opensMenu ? `${element.tagName.toLowerCase()} "${element.textContent.trim()}"` : null;
    });
  }
  if (control === null) {
    return [`mobile navigation: ${await missing()} of ${linkCount} header links are hidden at ${phoneViewport.width} px and no menu control is reachable with Tab`];
  }
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);  // let a CSS transition finish
  const stillHidden = await missing();
  return stillHidden === 0
    ? []
    : [`mobile navigation: after opening ${control}, ${stillHidden} of the ${linkCount} header links visible on desktop are still hidden`];
}

// ---------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2), 'usage: node tests/browser/pages.mjs --binary PATH --out DIR');
  await mkdir(path.join(args.out, 'screenshots'), { recursive: true });
  const started = Date.now();
  const server = await startServer(args.binary);
  const browser = await chromium.launch(chromiumLaunchOptions());
  const results = [];
  try {
    const pages = await discoverPages(browser, server.url);
    for (const pageInfo of pages) {
      for (const mode of modes) {
        const failures = await checkPage(browser, server.url, args.out, pageInfo, mode);
        results.push({ check: `${pageInfo.name} ${pageInfo.path} [${mode.name}]`, failures });
        console.log(`${failures.length === 0 ? 'ok  ' : 'FAIL'} ${pageInfo.name} ${pageInfo.path} [${mode.name}]`);
      }
    }
    for (const mode of modes) {
      const failures = await checkMobileNavigation(browser, server.url, mode);
      results.push({ check: `mobile navigation at ${phoneViewport.width} px [${mode.name}]`, failures });
      console.log(`${failures.length === 0 ? 'ok  ' : 'FAIL'} mobile navigation [${mode.name}]`);
    }
  } finally {
    await browser.close();
    const status = await server.stop();
    if (status.code !== 0) results.push({ check: 'server exits 0 on SIGTERM', failures: [`exit ${JSON.stringify(status)}`] });
  }

  await writeFile(path.join(args.out, 'results.json'), JSON.stringify(results, null, 2));
  const failed = results.filter((result) => result.failures.length > 0);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failed.length > 0) {
    console.log('\nFailures:');
    for (const result of failed) {
      console.log(`\n${result.check}`);
      for (const failure of result.failures) console.log(`  - ${failure}`);
    }
  }
  console.log(`\n${results.length - failed.length}/${results.length} checks passed in ${seconds} s; screenshots in ${path.join(args.out, 'screenshots')}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

// Run as a script; importing the module (to test the checks themselves) does nothing.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  });
}
