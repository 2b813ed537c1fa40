// Browser test of the lead forms (/contact, /demo, /quote), with JavaScript on and off:
//   node tests/browser/forms.mjs --binary build/indivillage --out build/test-output/forms
// For each form and mode, in Debian's Chromium:
//   1. Hostile, invalid submission: every text field gets an XSS payload (so the
//      e-mail address is invalid) and the consent box stays empty. The browser's
//      own constraint checks are switched off (form.noValidate) so the server,
//      which is the authority, answers: 422, the form again with the values kept,
//      each error tied to its field (aria-invalid + aria-describedby) and listed in
//      a summary that links to the fields; with JavaScript the form is replaced in
//      place and focus moves to the summary. No payload may run or become markup:
//      window.__xss stays undefined, no injected element exists, the payload is
//      the field's text, and no console error, CSP violation or failed request.
//   2. Corrected, valid submission in the re-rendered form: lands on
//      /<kind>/thanks?id=<id> showing the reference; without JavaScript through
//      POST, 303, GET; with JavaScript after the page solved the proof-of-work
//      challenge (CHALLENGE_MAX_NUMBER=1000) and sent it as `altcha`. The id is
//      stored (GET /api/v1/leads/{id}).
//   axe (serious or critical violations fail) on the error state and on the
//   thank-you page; screenshots at 390 and 1280 px of both into OUT/screenshots/.
// Exits 1 on any failure; details in OUT/results.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, parseArgs, startServer } from './lib/server.mjs';
import { openPage } from './lib/page.mjs';

const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const blockingImpacts = new Set(['serious', 'critical']);
const widths = [390, 1280];
const desktopViewport = { width: 1280, height: 800 };
const modes = [{ name: 'js', javaScriptEnabled: true }, { name: 'nojs', javaScriptEnabled: false }];
const kinds = ['contact', 'demo', 'quote'];
const leadIdPattern = /^[a-z2-7]{26}$/;

// The server as the test needs it: a cheap challenge, no minimum fill time
// (the test types faster than a person), and rate limits that a dozen
// submissions from one address do not reach.
const serverEnv = {
  CHALLENGE_MAX_NUMBER: '1000',
  FORM_MIN_FILL_MS: '0',
  RATE_LIMIT_ADDRESS_BURST: '1000',
  RATE_LIMIT_ADDRESS_PER_HOUR: '1000',
  RATE_LIMIT_NO_CHALLENGE_BURST: '1000',
  RATE_LIMIT_NO_CHALLENGE_PER_HOUR: '1000',
  RATE_LIMIT_EMAIL_BURST: '100',
  RATE_LIMIT_EMAIL_PER_HOUR: '100',
};

// Each sets window.__xss when it runs; the last two try to end the attribute or
// element they are placed in, and the template syntax must stay text too.
const payloads = [
  '<script>window.__xss=1</script>',
  '"><img src=x onerror=window.__xss=2>',
  "'><svg onload=window.__xss=3>",
  '</textarea><script>window.__xss=4</script>',
  '{{csrf_token}} <iframe srcdoc="<script>parent.__xss=5</script>">',
];

const recordCspViolations = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
  });
};

// Everything that goes wrong on the page. The one expected failure status is
// the 422 of the invalid POST (Chromium also logs it to the console).
function watchPage(page, formUrl) {
  const problems = [];
  const isExpected422 = (url, status) => url === formUrl && status === 422;
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    if (message.location()?.url === formUrl && message.text().includes('status of 422')) return;
    const where = message.location()?.url ? ` (${message.location().url})` : '';
    problems.push(`console ${message.type()}: ${message.text()}${where}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The ALTCHA widget starts one worker per core and terminates the rest as
    // soon as one finds the answer: a terminated worker's script load is aborted.
    const terminatedWorker = request.url().includes('/static/vendor/altcha/sha.') &&
      request.failure()?.errorText === 'net::ERR_ABORTED';
    if (terminatedWorker) return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.resourceType()}): ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() < 400 || isExpected422(response.url(), response.status())) return;
    problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
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

async function screenshots(page, outDir, name) {
  for (const width of widths) {
    await page.setViewportSize(width === desktopViewport.width ? desktopViewport : { width, height: 844 });
    await page.screenshot({ path: path.join(outDir, 'screenshots', `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(desktopViewport);
}

// ---------------------------------------------------------------------------
// Filling in the forms.

const textFields = 'form.lead-form input[type=text]:not([name=website]), form.lead-form input[type=email], ' +
  'form.lead-form input[type=tel], form.lead-form textarea';

async function fieldNames(page) {
  return page.$$eval(textFields, (fields) => fields.map((field) => field.name));
}

// Puts a payload in every text field and returns the values the fields hold
// afterwards (a field's maxlength may have shortened one).
async function fillHostile(page) {
  const values = {};
  const names = await fieldNames(page);
  for (const [i, name] of names.entries()) {
    const field = page.locator(`form.lead-form [name="${name}"]`);
    await field.fill(`${payloads[i % payloads.length]} ${name}`);
    values[name] = await field.inputValue();
  }
  return values;
}

// Valid values for every field the form has; returns the e-mail address used.
async function fillValid(page, kind, mode) {
  const email = `forms-${kind}-${mode}-${Date.now()}@example.com`;
  const valid = {
    name: `Ada ${kind} ${mode}`,
    email,
    company: 'Analytical Engines Ltd',
    phone: '+44 20 7946 0000',
    message: 'We would like ten thousand product images labelled, please.',
    preferred_dates: 'Tuesday mornings',
    data_volume: '200,000 images',
  };
  for (const name of await fieldNames(page)) {
    await page.locator(`form.lead-form [name="${name}"]`).fill(valid[name] ?? `A value for ${name}`);
  }
  for (const select of await page.$$eval('form.lead-form select', (all) => all.map((s) => s.name))) {
    const first = await page.$eval(`form.lead-form select[name="${select}"]`,
      (s) => [...s.options].find((option) => option.value !== '')?.value);
    if (first) await page.selectOption(`form.lead-form select[name="${select}"]`, first);
  }
  const services = page.locator('form.lead-form input[name=services]');
  if ((await services.count()) > 0) await services.first().check();
  await page.locator('form.lead-form input[name=consent]').check();
  return email;
}

// ---------------------------------------------------------------------------
// The checks of the re-rendered form. Each returns failure messages.

// Nothing the visitor typed became markup or ran, and every field holds what was typed.
async function checkHostileInputInert(page, typed) {
  const found = await page.evaluate((names) => ({
    xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
    injected: document.querySelectorAll('img[src="x"], svg[onload], iframe, [onerror], [onload]').length,
    scripts: [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
    values: Object.fromEntries(names.map((name) => [name, document.querySelector(`form.lead-form [name="${name}"]`)?.value ?? null])),
    csrfPlaceholderGone: !document.body.innerHTML.includes('IV-CSRF-TOKEN-PLACEHOLDER'),
  }), Object.keys(typed));
  const failures = [];
  if (found.xss !== null) failures.push(`XSS: window.__xss is ${found.xss}`);
  if (found.injected > 0) failures.push(`XSS: ${found.injected} injected element(s) in the page`);
  if (found.scripts > 0) failures.push(`XSS: ${found.scripts} script element(s) carry the payload`);
  for (const [name, value] of Object.entries(typed)) {
    if (found.values[name] !== value) failures.push(`field ${name} holds ${JSON.stringify(found.values[name])}, typed ${JSON.stringify(value)}`);
  }
  if (!found.csrfPlaceholderGone) failures.push('the CSRF placeholder leaked into the page');
  return failures;
}

// Every invalid field names its message with aria-describedby; the summary links to each.
async function checkErrorsTiedToFields(page, mustBeInvalid) {
  const state = await page.evaluate(() => {
    const fields = [...document.querySelectorAll('form.lead-form [aria-invalid="true"]')].map((field) => {
      const ids = (field.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      const messages = ids.map((id) => document.getElementById(id))
        .filter((element) => element?.classList.contains('field__error'))
        .map((element) => element.textContent.trim());
      return { name: field.name, id: field.id, messages };
    });
    const summary = document.getElementById('form-errors');
    const links = summary ? [...summary.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href').slice(1)) : [];
    return { fields, hasSummary: summary !== null, links, missingTargets: links.filter((id) => !document.getElementById(id)) };
  });
  const failures = [];
  if (!state.hasSummary) failures.push('no error summary (#form-errors)');
  const invalid = new Set(state.fields.map((field) => field.name));
  for (const name of mustBeInvalid) if (!invalid.has(name)) failures.push(`field ${name} is not marked aria-invalid`);
  for (const field of state.fields) {
    if (field.messages.length === 0 || field.messages.some((message) => message === '')) {
      failures.push(`field ${field.name} is aria-invalid but aria-describedby names no error message`);
    }
    if (!state.links.includes(field.id)) failures.push(`the error summary does not link to #${field.id}`);
  }
  for (const id of state.missingTargets) failures.push(`the error summary links to #${id}, which does not exist`);
  return failures;
}

async function checkFocusOnSummary(page) {
  const focused = await page.evaluate(() => {
    const element = document.activeElement;
    const summary = document.getElementById('form-errors');
    return { ok: summary !== null && (element === summary || summary.contains(element)), what: element?.outerHTML.slice(0, 80) };
  });
  return focused.ok ? [] : [`focus is not on the error summary but on ${focused.what}`];
}

function decodeAltcha(postBody) {
  const value = new URLSearchParams(postBody ?? '').get('altcha') ?? '';
  if (value === '') return null;
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return { unreadable: value };
  }
}

// ---------------------------------------------------------------------------

async function checkForm(browser, server, outDir, kind, mode) {
  const context = await browser.newContext({ viewport: desktopViewport });
  if (mode.javaScriptEnabled) await context.addInitScript(recordCspViolations);
  const { page, withTimers } = await openPage(context, mode);
  const formUrl = `${server.url}/${kind}`;
  const problems = watchPage(page, formUrl);
  const failures = [];
  const challenges = [];
  const posts = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/v1/challenge') challenges.push(request.url());
    if (request.method() === 'POST' && request.url() === formUrl) posts.push(request.postData());
  });
  const name = `${kind}-${mode.name}`;
  let id = null;
  try {
    const opened = await page.goto(formUrl);
    if (opened?.status() !== 200) failures.push(`GET /${kind} answered ${opened?.status()}`);

    // 1. The hostile, invalid submission.
    const typed = await fillHostile(page);
    await page.$eval('form.lead-form', (form) => { form.noValidate = true; });
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === formUrl);
    if (mode.javaScriptEnabled) {
      await page.click('form.lead-form button[type=submit]');
      const response = await answered;
      if (response.status() !== 422) failures.push(`invalid submission answered ${response.status()}, expected 422`);
      await page.waitForFunction(() => document.getElementById('form-errors') !== null, null, { timeout: 15_000 });
      if (page.url() !== formUrl) failures.push(`with JavaScript the invalid submission left the page for ${page.url()}`);
      failures.push(...(await checkFocusOnSummary(page)));
    } else {
      const [navigation] = await Promise.all([page.waitForNavigation(), page.click('form.lead-form button[type=submit]')]);
      if (navigation?.status() !== 422) failures.push(`invalid submission answered ${navigation?.status()}, expected 422`);
    }
    failures.push(...(await checkHostileInputInert(page, typed)));
    failures.push(...(await checkErrorsTiedToFields(page, ['email', 'consent'])));
    failures.push(...(await checkAxe(page, withTimers, 'error state')));
    await screenshots(page, outDir, `${name}-errors`);
    if (mode.javaScriptEnabled) {
      const altcha = decodeAltcha(posts[0]);
      if (!altcha || typeof altcha.number !== 'number') failures.push('the invalid submission carried no solved challenge');
    }

    // 2. Corrected in the re-rendered form, and sent.
    await fillValid(page, kind, mode.name);
    const thanksPattern = new RegExp(`/${kind}/thanks\\?id=`);
    if (mode.javaScriptEnabled) {
      const thanksLoads = [];
      const countThanks = (request) => {
        if (request.method() === 'GET' && thanksPattern.test(request.url())) thanksLoads.push(request.resourceType());
      };
      page.on('request', countThanks);
      await page.click('form.lead-form button[type=submit]');
      await page.waitForURL(thanksPattern, { timeout: 30_000 });
      await page.waitForLoadState('load');
      page.off('request', countThanks);
      if (thanksLoads.length !== 1 || thanksLoads[0] !== 'document') {
        failures.push(`with JavaScript the thank-you page was requested as [${thanksLoads.join(', ')}], not once as a document`);
      }
    } else {
      const [navigation] = await Promise.all([page.waitForNavigation(), page.click('form.lead-form button[type=submit]')]);
      const post = navigation?.request().redirectedFrom();
      if (!post || post.method() !== 'POST' || (await post.response())?.status() !== 303) {
        failures.push('without JavaScript the valid submission did not go POST, 303, GET');
      }
      if (navigation?.status() !== 200) failures.push(`thank-you page answered ${navigation?.status()}`);
    }
    id = new URL(page.url()).searchParams.get('id');
    if (!thanksPattern.test(page.url()) || !leadIdPattern.test(id ?? '')) {
      failures.push(`the valid submission ended on ${page.url()}`);
    } else {
      const shown = (await page.locator('.reference').textContent())?.trim();
      if (shown !== id) failures.push(`the thank-you page shows reference ${shown}, the URL has ${id}`);
      const receipt = await fetch(`${server.url}/api/v1/leads/${id}`);
      const stored = receipt.status === 200 ? await receipt.json() : null;
      if (stored?.kind !== kind) failures.push(`GET /api/v1/leads/${id} answered ${receipt.status} ${JSON.stringify(stored)}`);
    }
    if ((await page.locator('h1').count()) !== 1) failures.push('the thank-you page does not have exactly one h1');

    const altcha = decodeAltcha(posts[1]);
    if (mode.javaScriptEnabled) {
      if (challenges.length < 2) failures.push(`expected a challenge per submission, the page fetched ${challenges.length}`);
      if (!altcha || typeof altcha.number !== 'number' || !altcha.signature) {
        failures.push(`the valid submission's altcha field is ${JSON.stringify(altcha)}`);
      }
    } else {
      if (challenges.length > 0) failures.push('without JavaScript a challenge was fetched');
      if (altcha !== null) failures.push('without JavaScript the altcha field was filled');
    }
    failures.push(...(await checkAxe(page, withTimers, 'thank-you page')));
    await screenshots(page, outDir, `${name}-thanks`);
    if (mode.javaScriptEnabled) {
      const csp = await page.evaluate(() => window.__cspViolations ?? []);
      failures.push(...csp.map((violation) => `CSP violation: ${violation}`));
    }
  } catch (error) {
    failures.push(`error while checking: ${error.message.split('\n')[0]}`);
  } finally {
    await context.close();
  }
  return { check: `${kind} [${mode.name}]`, id, failures: [...problems, ...failures] };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), 'usage: node tests/browser/forms.mjs --binary PATH --out DIR');
  await mkdir(path.join(args.out, 'screenshots'), { recursive: true });
  const started = Date.now();
  const server = await startServer(args.binary, { env: serverEnv });
  const browser = await chromium.launch(chromiumLaunchOptions());
  const results = [];
  try {
    for (const kind of kinds) {
      for (const mode of modes) {
        const result = await checkForm(browser, server, args.out, kind, mode);
        results.push(result);
        console.log(`${result.failures.length === 0 ? 'ok  ' : 'FAIL'} ${result.check}${result.id ? ' lead ' + result.id : ''}`);
      }
    }
  } finally {
    await browser.close();
    const status = await server.stop();
    if (status.code !== 0) results.push({ check: 'server exits 0 on SIGTERM', failures: [`exit ${JSON.stringify(status)}`] });
  }

  await writeFile(path.join(args.out, 'results.json'), JSON.stringify(results, null, 2));
  const failed = results.filter((result) => result.failures.length > 0);
  if (failed.length > 0) {
    console.log('\nFailures:');
    for (const result of failed) {
      console.log(`\n${result.check}`);
      for (const failure of result.failures) console.log(`  - ${failure}`);
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${results.length - failed.length}/${results.length} checks passed in ${seconds} s; screenshots in ${path.join(args.out, 'screenshots')}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  });
}
