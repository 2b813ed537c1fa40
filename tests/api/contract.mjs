#!/usr/bin/env node
// API contract test: the real server must answer exactly as openapi/openapi.json says.
//
//   node tests/api/contract.mjs --binary build/indivillage [--out DIR]
//   node tests/api/contract.mjs --url http://127.0.0.1:8080 [--out DIR]   (a server already running)
//
// Starts `indivillage serve --port 0 --port-file F` with a fresh DATA_DIR and SHARE_DIR=<repo root>,
// walks every operation of the document with real requests (lists with and without filters and
// paging, every detail found in the lists, the error cases, conditional GETs), checks each answer's
// status, Content-Type, headers and body against the document with ajv (JSON Schema 2020-12, as
// OpenAPI 3.1 uses), then lints the document with `npx redocly lint` (errors and warnings fail).
// Exits 1 with the list of mismatches, 0 when everything matches; writes contract-report.json and
// server.log under --out when given.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCUMENT_PATH = path.join(REPO_ROOT, 'openapi', 'openapi.json');
const DOCUMENT_ID = 'https://indivillage.com/openapi.json';
const REQUEST_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
const PAGING = new Set(['page', 'per_page']);

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const args = { binary: null, url: null, out: null };
  for (let i = 0; i < argv.length; ++i) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!['--binary', '--url', '--out'].includes(name) || value === undefined) usage(`unexpected argument ${name}`);
    args[name.slice(2)] = value;
    ++i;
  }
  if (!args.binary === !args.url) usage('give exactly one of --binary and --url');
  return args;
}

function usage(message) {
  console.error(`contract: ${message}\nusage: node tests/api/contract.mjs (--binary PATH | --url BASE) [--out DIR]`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The server under test

async function startServer(binary, outDir) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iv-contract-'));
  const portFile = path.join(dataDir, 'port');
  // The log outlives the data directory, so a failure can be read afterwards.
  const logPath = path.join(outDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'iv-contract-log-')), 'server.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(path.resolve(binary), ['serve', '--port', '0', '--port-file', portFile], {
    // A light proof of work and room for the lead checks' submissions from one address.
    env: { ...process.env, DATA_DIR: dataDir, SHARE_DIR: REPO_ROOT, HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      CHALLENGE_MAX_NUMBER: '2000', RATE_LIMIT_ADDRESS_BURST: '1000' },
    stdio: ['ignore', log, log],
  });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!fs.existsSync(portFile)) {
    if (exited) throw new Error(`server exited during start-up (${JSON.stringify(exited)}); log:\n${tail(logPath)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server wrote no port file within ${START_TIMEOUT_MS / 1000} s; log:\n${tail(logPath)}`);
    }
    await sleep(50);
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());

  return {
    base: `http://127.0.0.1:${port}`,
    logPath,
    // SIGTERM, then the exit status; SIGKILL after 10 s.
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const deadlineStop = Date.now() + 10_000;
        while (!exited && Date.now() < deadlineStop) await sleep(50);
        if (!exited) child.kill('SIGKILL');
        while (!exited) await sleep(50);
      }
      fs.closeSync(log);
      fs.rmSync(dataDir, { recursive: true, force: true });
      return exited;
    },
  };
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The document: operations, $ref resolution and validators built from its components

const escapePointer = (token) => String(token).replaceAll('~', '~0').replaceAll('/', '~1');

class Contract {
  constructor(doc) {
    this.doc = doc;
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(this.ajv);
    // Members of the OpenAPI document and of its schema dialect that are not JSON Schema keywords.
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components', 'webhooks',
      'jsonSchemaDialect', 'externalDocs', 'example', 'discriminator', 'xml']);
    this.ajv.addSchema({ ...structuredClone(doc), $id: DOCUMENT_ID });
    this.validators = new Map();

    this.operations = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
        if (!item[method]) continue;
        const operation = item[method];
        const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) => this.resolve(p).node);
        this.operations.push({ template, method, operation, parameters, pointer: `#/paths/${escapePointer(template)}/${method}` });
      }
    }
  }

  // Follows local $refs of non-schema objects; returns the node and its JSON pointer.
  resolve(node, pointer = null) {
    while (node && typeof node.$ref === 'string') {
      if (!node.$ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${node.$ref}`);
      pointer = node.$ref;
      node = node.$ref.slice(2).split('/').reduce((at, token) => at?.[token.replaceAll('~1', '/').replaceAll('~0', '~')], this.doc);
      if (node === undefined) throw new Error(`unresolved $ref ${pointer}`);
    }
    return { node, pointer };
  }

  validator(pointer) {
    if (!this.validators.has(pointer)) this.validators.set(pointer, this.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` }));
    return this.validators.get(pointer);
  }

  // Errors of `value` against the schema at `pointer`, as readable lines.
  schemaErrors(pointer, value) {
    const validate = this.validator(pointer);
    if (validate(value)) return [];
    return validate.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
  }

  // The operation whose path template matches `pathname` (literal templates first, as the router does).
  find(method, pathname) {
    const candidates = this.operations.filter((op) => op.method === method);
    const literal = (op) => !op.template.includes('{');
    for (const op of [...candidates.filter(literal), ...candidates.filter((op) => !literal(op))]) {
      const want = op.template.split('/');
      const have = pathname.split('/');
      if (want.length !== have.length) continue;
      if (want.every((segment, i) => segment.startsWith('{') ? have[i] !== '' : segment === have[i])) return op;
    }
    return null;
  }

  // The documented response for `status`: exact code, then range (4XX), then default.
  response(op, status) {
    const responses = op.operation.responses;
    const base = `${op.pointer}/responses`;
    for (const key of [String(status), `${String(status)[0]}XX`, 'default']) {
      if (responses[key]) {
        const { node, pointer } = this.resolve(responses[key], `${base}/${escapePointer(key)}`);
        return { key, node, pointer };
      }
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests and the checks applied to every answer

class Run {
  constructor(base, contract) {
    this.base = base;
    this.contract = contract;
    this.mismatches = [];
    this.requests = 0;
    this.exercised = new Map(); // operationId -> Set of documented response keys seen
  }

  fail(request, message) {
    this.mismatches.push({ request, message });
  }

  expect(request, condition, message) {
    if (!condition) this.fail(request, message);
    return condition;
  }

  // Sends a request, checks it against the document (and `expectStatus` when given) and returns
  // {status, headers, text, json, label}.
  async call(target, { method = 'GET', headers = {}, body, expectStatus, schemaPointer } = {}) {
    const label = `${method} ${target}`;
    ++this.requests;
    let response;
    try {
      response = await fetch(new URL(target, this.base), {
        method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      this.fail(label, `request failed: ${error.message}`);
      return { status: 0, headers: new Headers(), text: '', json: undefined, label };
    }
    const text = await response.text();
    const answer = { status: response.status, headers: response.headers, text, json: undefined, label };
    const type = mediaType(response.headers.get('content-type'));
    if (type && isJson(type) && text !== '') {
      try {
        answer.json = JSON.parse(text);
      } catch (error) {
        this.fail(label, `body is not JSON (${type}): ${error.message}`);
      }
    }
    if (expectStatus !== undefined) {
      this.expect(label, answer.status === expectStatus,
        `status ${answer.status}, expected ${expectStatus}${answer.json?.detail ? ` (${answer.json.detail})` : ''}`);
    }
    if (schemaPointer) {
      this.checkAgainstSchema(answer, type, schemaPointer);
    } else {
      this.checkAgainstDocument(answer, method.toLowerCase(), new URL(target, this.base).pathname, type);
    }
    return answer;
  }

  // A response with no operation in the document (unknown route, other method): a problem document.
  checkAgainstSchema(answer, type, pointer) {
    this.expect(answer.label, type === 'application/problem+json', `Content-Type ${type}, expected application/problem+json`);
    for (const error of this.contract.schemaErrors(pointer, answer.json)) this.fail(answer.label, `body: ${error}`);
  }

  checkAgainstDocument(answer, method, pathname, type) {
    const { label } = answer;
    const op = this.contract.find(method, pathname);
    if (!op) return this.fail(label, 'no operation in the document matches this request');
    const documented = this.contract.response(op, answer.status);
    if (!documented) return this.fail(label, `status ${answer.status} is not documented for ${op.operation.operationId}`);
    const seen = this.exercised.get(op.operation.operationId) ?? new Set();
    seen.add(documented.key);
    this.exercised.set(op.operation.operationId, seen);

    for (const [name, headerRef] of Object.entries(documented.node.headers ?? {})) {
      const { node: header, pointer } = this.contract.resolve(headerRef, `${documented.pointer}/headers/${escapePointer(name)}`);
      const value = answer.headers.get(name);
      if (value === null) {
        this.expect(label, !header.required, `required header ${name} is missing`);
        continue;
      }
      for (const error of this.contract.schemaErrors(`${pointer}/schema`, value)) this.fail(label, `header ${name}: ${error}`);
    }

    const content = documented.node.content;
    if (!content) {
      this.expect(label, answer.text === '', `status ${answer.status} documents no body, got ${answer.text.length} bytes`);
      return;
    }
    if (!this.expect(label, type !== null && content[type] !== undefined,
      `Content-Type ${answer.headers.get('content-type')} is not documented (${Object.keys(content).join(', ')})`)) return;
    if (!content[type].schema) return;
    const value = isJson(type) ? answer.json : answer.text;
    const pointer = `${documented.pointer}/content/${escapePointer(type)}/schema`;
    for (const error of this.contract.schemaErrors(pointer, value)) this.fail(label, `body: ${error}`);
  }
}

const mediaType = (header) => header ? header.split(';')[0].trim().toLowerCase() : null;
const isJson = (type) => type === 'application/json' || type.endsWith('+json');

// RFC 8288 Link header -> {rel: url}.
function parseLinkHeader(value) {
  const links = {};
  for (const part of (value ?? '').split(/,\s*(?=<)/)) {
    const match = /^<([^>]*)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match) links[match[2]] = match[1];
  }
  return links;
}

function withQuery(pathname, params) {
  const query = new URLSearchParams(params).toString().replaceAll('+', '%20');
  return query ? `${pathname}?${query}` : pathname;
}

// Values of filter `name` present on an item: item.industry, or item.industries / item.services.
function filterValues(item, name) {
  const plural = name.endsWith('y') ? `${name.slice(0, -1)}ies` : `${name}s`;
  if (typeof item[name] === 'string') return [item[name]];
  if (Array.isArray(item[plural])) return item[plural];
  return [];
}

// ---------------------------------------------------------------------------------------------
// The walk

async function checkList(run, op) {
  const { template } = op;
  const filters = op.parameters.filter((p) => p.in === 'query' && !PAGING.has(p.name)).map((p) => p.name);
  const perPage = op.parameters.find((p) => p.name === 'per_page');
  const maxPerPage = perPage?.schema?.maximum ?? 100;
  const defaultPerPage = perPage?.schema?.default ?? 20;

  const first = await run.call(template, { expectStatus: 200 });
  if (first.status !== 200 || !first.json) return [];
  run.expect(first.label, first.json.meta?.per_page === defaultPerPage, `default per_page is ${first.json.meta?.per_page}, documented ${defaultPerPage}`);
  const etag = first.headers.get('etag');
  if (run.expect(first.label, etag !== null, 'no ETag')) {
    await run.call(template, { headers: { 'If-None-Match': etag }, expectStatus: 304 });
  }

  // Walk every page two at a time, following links.next, and check the envelope on the way.
  const items = await walkPages(run, withQuery(template, { per_page: 2 }), 2);
  const total = first.json.meta?.total;
  run.expect(`GET ${template}`, items.length === total, `walking the pages gave ${items.length} items, meta.total is ${total}`);
  run.expect(`GET ${template}`, isDeepStrictEqual(first.json.data, items.slice(0, defaultPerPage)),
    'the first page differs from the first items of the paged walk');
  const slugs = items.map((item) => item.slug);
  run.expect(`GET ${template}`, new Set(slugs).size === slugs.length, `duplicate slugs: ${slugs.join(', ')}`);
  checkOrder(run, `GET ${template}`, items);

  // The largest allowed page holds everything; page 1 of anything exists; one page past the end does not.
  const all = await run.call(withQuery(template, { per_page: maxPerPage }), { expectStatus: 200 });
  if (all.json) run.expect(all.label, isDeepStrictEqual(all.json.data, items.slice(0, maxPerPage)), 'differs from the paged walk');
  const pastEnd = Math.max(1, Math.ceil(items.length / 2)) + 1;
  const beyond = await run.call(withQuery(template, { page: pastEnd, per_page: 2 }), { expectStatus: 404 });
  run.expect(beyond.label, beyond.json?.type === 'https://indivillage.com/problems/page-out-of-range', `problem type ${beyond.json?.type}`);

  // Invalid paging: 400 naming the parameter.
  for (const [name, value] of [['page', '0'], ['page', '-1'], ['page', 'abc'], ['page', '1.5'], ['per_page', '0'],
    ['per_page', String(maxPerPage + 1)], ['per_page', 'all']]) {
    const bad = await run.call(withQuery(template, { [name]: value }), { expectStatus: 400 });
    const fields = (bad.json?.errors ?? []).map((e) => e.field);
    run.expect(bad.label, fields.includes(name), `errors name ${JSON.stringify(fields)}, expected ${name}`);
  }

  // Filters: every value present in the data selects exactly the matching items.
  for (const name of filters) {
    const values = [...new Set(items.flatMap((item) => filterValues(item, name)))].sort();
    run.expect(`GET ${template}`, values.length > 0, `no item carries a value for the filter ${name}`);
    for (const value of values) {
      const expected = items.filter((item) => filterValues(item, name).includes(value)).map((item) => item.slug);
      const filtered = await walkPages(run, withQuery(template, { [name]: value, per_page: 2 }), 2, { [name]: value });
      run.expect(`GET ${withQuery(template, { [name]: value })}`, isDeepStrictEqual(filtered.map((i) => i.slug), expected),
        `gave ${JSON.stringify(filtered.map((i) => i.slug))}, expected ${JSON.stringify(expected)}`);
    }
    const unknown = await run.call(withQuery(template, { [name]: 'no such value' }), { expectStatus: 400 });
    const error = (unknown.json?.errors ?? []).find((e) => e.field === name);
    if (run.expect(unknown.label, error !== undefined, `errors do not name ${name}`)) {
      const missing = values.filter((value) => !error.message.includes(JSON.stringify(value)));
      run.expect(unknown.label, missing.length === 0, `message does not list the allowed values ${JSON.stringify(missing)}`);
    }
  }
  // Filters combine with AND.
  if (filters.length > 1 && items.length > 0) {
    const params = Object.fromEntries(filters.map((name) => [name, filterValues(items[0], name)[0]]));
    const expected = items.filter((item) => filters.every((name) => filterValues(item, name).includes(params[name])));
    const combined = await walkPages(run, withQuery(template, { ...params, per_page: 2 }), 2, params);
    run.expect(`GET ${withQuery(template, params)}`, isDeepStrictEqual(combined.map((i) => i.slug), expected.map((i) => i.slug)),
      `gave ${JSON.stringify(combined.map((i) => i.slug))}`);
  }

  // Only GET (and HEAD) are allowed.
  const post = await run.call(template, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    expectStatus: 405, schemaPointer: '#/components/schemas/Problem' });
  const allow = (post.headers.get('allow') ?? '').split(',').map((m) => m.trim());
  run.expect(post.label, allow.includes('GET'), `Allow is ${JSON.stringify(post.headers.get('allow'))}`);
  return items;
}

// Follows links.next from `start`; checks meta, links and the Link header of each page.
async function walkPages(run, start, perPage, filters = {}) {
  const items = [];
  let target = start;
  for (let page = 1; target; ++page) {
    const answer = await run.call(target, { expectStatus: 200 });
    const body = answer.json;
    if (answer.status !== 200 || !body?.meta || !body.links) break;
    const { meta, links } = body;
    run.expect(answer.label, meta.page === page && meta.per_page === perPage, `meta ${JSON.stringify(meta)}, expected page ${page}`);
    run.expect(answer.label, meta.total_pages === Math.max(1, Math.ceil(meta.total / perPage)), `total_pages ${meta.total_pages} for total ${meta.total}`);
    run.expect(answer.label, body.data.length === (page < meta.total_pages ? perPage : meta.total - perPage * (meta.total_pages - 1)),
      `${body.data.length} items on page ${page} of ${meta.total_pages}`);
    for (const [rel, href] of Object.entries(links)) {
      const query = new URL(href, run.base).searchParams;
      const wantPage = { self: page, first: 1, last: meta.total_pages, prev: page - 1, next: page + 1 }[rel];
      run.expect(answer.label, query.get('page') === String(wantPage) && query.get('per_page') === String(perPage),
        `links.${rel} is ${href}`);
      for (const [name, value] of Object.entries(filters)) {
        run.expect(answer.label, query.get(name) === value, `links.${rel} drops the filter ${name}: ${href}`);
      }
    }
    run.expect(answer.label, ('prev' in links) === (page > 1) && ('next' in links) === (page < meta.total_pages),
      `prev/next links wrong on page ${page} of ${meta.total_pages}`);
    const header = parseLinkHeader(answer.headers.get('link'));
    const { self, ...navigation } = links;
    run.expect(answer.label, isDeepStrictEqual(header, navigation), `Link header ${JSON.stringify(header)} differs from links ${JSON.stringify(navigation)}`);
    items.push(...body.data);
    target = links.next;
  }
  return items;
}

function checkOrder(run, label, items) {
  for (let i = 1; i < items.length; ++i) {
    const [a, b] = [items[i - 1], items[i]];
    if ('order' in a) run.expect(label, a.order <= b.order, `not ordered by order: ${a.slug} before ${b.slug}`);
    if ('published' in a) run.expect(label, a.published >= b.published, `not newest first: ${a.slug} before ${b.slug}`);
  }
}

async function checkDetail(run, op, listItems) {
  const collection = op.template.slice(0, op.template.lastIndexOf('/'));
  run.expect(`GET ${op.template}`, listItems.length > 0, `the list ${collection} is empty, so no detail could be checked`);
  for (const [index, item] of listItems.entries()) {
    const target = `${collection}/${encodeURIComponent(item.slug)}`;
    run.expect(`GET ${collection}`, item.links?.self === target, `links.self of ${item.slug} is ${item.links?.self}`);
    const answer = await run.call(target, { expectStatus: 200 });
    if (answer.json) run.expect(answer.label, isDeepStrictEqual(answer.json, item), 'differs from the list item');
    if (index === 0) {
      await run.call(target, { headers: { 'If-None-Match': answer.headers.get('etag') ?? '"none"' }, expectStatus: 304 });
      // links.html must name a real page of the site (the origin is the configured public one).
      const page = await fetch(new URL(new URL(item.links.html, run.base).pathname, run.base), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      run.expect(`GET ${item.links.html}`, page.status === 200 && mediaType(page.headers.get('content-type')) === 'text/html',
        `links.html answers ${page.status} ${page.headers.get('content-type')}`);
    }
  }
  const missing = await run.call(`${collection}/no-such-item-zz`, { expectStatus: 404 });
  run.expect(missing.label, missing.json?.type === 'https://indivillage.com/problems/not-found', `problem type ${missing.json?.type}`);
}

async function checkSingle(run, op, documentText) {
  const answer = await run.call(op.template, { expectStatus: 200 });
  if (op.template === '/api/v1/openapi.json' && answer.json) {
    run.expect(answer.label, isDeepStrictEqual(answer.json, JSON.parse(documentText)), 'the served document differs from openapi/openapi.json');
  }
  const etag = answer.headers.get('etag');
  if (etag && op.operation.responses['304']) await run.call(op.template, { headers: { 'If-None-Match': etag }, expectStatus: 304 });
}

async function checkUnknownRoutes(run) {
  for (const target of ['/api/v1/no-such-route', '/api/v1/services/data-annotation/extra', '/api/v2/services']) {
    const answer = await run.call(target, { expectStatus: 404, schemaPointer: '#/components/schemas/Problem' });
    run.expect(answer.label, answer.json?.status === 404, `problem status ${answer.json?.status}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Leads: submissions with a solved challenge, their receipts, and every refusal we can cause.

// Solves a challenge as the ALTCHA widget does: the number whose SHA-256(salt + number) is the challenge.
async function solvedChallenge(run) {
  const answer = await run.call('/api/v1/challenge', { expectStatus: 200 });
  const challenge = answer.json;
  if (!challenge) return '';
  for (let number = 0; number <= challenge.maxnumber; ++number) {
    if (createHash('sha256').update(challenge.salt + number).digest('hex') !== challenge.challenge) continue;
    const { algorithm, salt, signature } = challenge;
    return Buffer.from(JSON.stringify({ algorithm, challenge: challenge.challenge, number, salt, signature })).toString('base64');
  }
  run.fail(answer.label, `challenge not solvable within maxnumber ${challenge.maxnumber}`);
  return '';
}

function leadBodies(serviceSlug) {
  const person = { name: 'Ada Lovelace', email: 'ada@example.com', consent: true };
  return {
    '/api/v1/contact': { ...person, message: 'We need ten thousand product images labelled.' },
    '/api/v1/demo-request': { ...person, email: 'ada.demo@example.com', company: 'Analytical Engines Ltd',
      company_size: '50-249', services: [serviceSlug], preferred_dates: 'Tuesday mornings' },
    '/api/v1/quote-request': { ...person, email: 'ada.quote@example.com', company: 'Analytical Engines Ltd',
      services: [serviceSlug], data_type: 'images', data_volume: '200,000 images', timeline: '1-3-months',
      budget_range: '10k-50k' },
  };
}

async function checkLeads(run, serviceSlug) {
  const json = { 'Content-Type': 'application/json' };
  const challenge = await run.call('/api/v1/challenge', { expectStatus: 200 });
  run.expect(challenge.label, challenge.headers.get('cache-control') === 'no-store', 'a challenge must not be cached');

  for (const [target, body] of Object.entries(leadBodies(serviceSlug))) {
    const created = await run.call(target, { method: 'POST', headers: json, expectStatus: 201,
      body: JSON.stringify({ ...body, altcha: await solvedChallenge(run) }) });
    const location = created.headers.get('location');
    if (!created.json?.id || !location) continue;
    const receipt = await run.call(location, { expectStatus: 200 });
    run.expect(receipt.label, receipt.json?.id === created.json.id, `receipt for ${receipt.json?.id}, created ${created.json.id}`);
  }
  await run.call('/api/v1/leads/aaaaaaaaaaaaaaaaaaaaaaaaaa', { expectStatus: 404 });

  // Idempotency-Key: a retry gets the same id without a new challenge.
  const contact = { ...leadBodies(serviceSlug)['/api/v1/contact'], email: 'retry@example.com' };
  const keyed = { ...json, 'Idempotency-Key': 'contract-retry-1' };
  const payload = JSON.stringify({ ...contact, altcha: await solvedChallenge(run) });
  const first = await run.call('/api/v1/contact', { method: 'POST', headers: keyed, body: payload, expectStatus: 201 });
  const again = await run.call('/api/v1/contact', { method: 'POST', headers: keyed, body: payload, expectStatus: 201 });
  run.expect(again.label, first.json?.id !== undefined && again.json?.id === first.json?.id,
    `a retry with the same Idempotency-Key gave ${again.json?.id}, first ${first.json?.id}`);
  const reused = await run.call('/api/v1/contact', { method: 'POST', headers: keyed, expectStatus: 422,
    body: JSON.stringify({ ...contact, message: 'A different request entirely.', altcha: await solvedChallenge(run) }) });
  run.expect(reused.label, reused.json?.type === 'https://indivillage.com/problems/idempotency-key-reused', `problem type ${reused.json?.type}`);

  // Refusals: invalid fields, a spent challenge, wrong media type, malformed JSON, a bad key, oversize.
  const invalid = await run.call('/api/v1/quote-request', { method: 'POST', headers: json, expectStatus: 422,
    body: JSON.stringify({ name: 'A', email: 'nope', services: ['no-such-service'], consent: false, colour: 'blue' }) });
  const fields = (invalid.json?.errors ?? []).map((e) => e.field).sort();
  run.expect(invalid.label, isDeepStrictEqual(fields, ['colour', 'company', 'consent', 'email', 'name', 'services']),
    `errors name ${JSON.stringify(fields)}`);
  const spent = await run.call('/api/v1/contact', { method: 'POST', headers: json, expectStatus: 422,
    body: JSON.stringify({ ...contact, email: 'spent@example.com', altcha: JSON.parse(payload).altcha }) });
  run.expect(spent.label, spent.json?.errors?.[0]?.field === 'altcha', `errors ${JSON.stringify(spent.json?.errors)}`);
  await run.call('/api/v1/demo-request', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}', expectStatus: 415 });
  await run.call('/api/v1/demo-request', { method: 'POST', headers: json, body: '{"name":', expectStatus: 400 });
  await run.call('/api/v1/contact', { method: 'POST', headers: { ...json, 'Idempotency-Key': 'k'.repeat(256) },
    body: payload, expectStatus: 400 });
  await run.call('/api/v1/contact', { method: 'POST', headers: json, expectStatus: 413,
    body: JSON.stringify({ ...contact, message: 'm'.repeat(70 * 1024) }) });

  // Rate limit per e-mail address: the default burst is 5.
  let limited = null;
  for (let i = 0; i < 8 && !limited; ++i) {
    const answer = await run.call('/api/v1/contact', { method: 'POST', headers: json,
      body: JSON.stringify({ ...contact, email: 'often@example.com', altcha: await solvedChallenge(run) }) });
    if (answer.status === 429) limited = answer;
  }
  run.expect('POST /api/v1/contact', limited !== null, 'eight submissions for one e-mail address were never limited');
}

// ---------------------------------------------------------------------------------------------
// Uploads: create, send the bytes with tus (not an OpenAPI operation), follow the status to
// completed, read the analysis, delete; and the refusals of creation.

async function checkUploads(run) {
  const json = { 'Content-Type': 'application/json' };
  const csv = 'name,age\nalice,30\nbob,41\n';
  const created = await run.call('/api/v1/uploads', { method: 'POST', headers: json, expectStatus: 201,
    body: JSON.stringify({ filename: 'people.csv', size: csv.length, email: null }) });
  const upload = created.json;
  if (!upload?.id) return;
  run.expect(created.label, created.headers.get('location') === upload.status_url, `Location ${created.headers.get('location')}`);
  const pending = await run.call(upload.status_url, { expectStatus: 200 });
  run.expect(pending.label, pending.json?.status === 'pending', `status ${pending.json?.status}`);
  await run.call(`${upload.status_url}/analysis`, { expectStatus: 404 });

  const tus = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${upload.token}` };
  const sent = await fetch(new URL(upload.upload_url, run.base), { method: 'PATCH', body: csv,
    headers: { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } });
  run.expect(`PATCH ${upload.upload_url}`, sent.status === 204, `tus PATCH answered ${sent.status}`);
  let status = null;
  for (let i = 0; i < 100; ++i) {
    const answer = await run.call(upload.status_url, { expectStatus: 200 });
    status = answer.json?.status;
    if (['completed', 'failed', 'rejected'].includes(status)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  run.expect(upload.status_url, status === 'completed', `the upload ended ${status}`);
  const analysis = await run.call(`${upload.status_url}/analysis`, { expectStatus: 200 });
  run.expect(analysis.label, analysis.json?.rows === 2, `analysis rows ${analysis.json?.rows}`);
  await run.call(upload.status_url, { method: 'DELETE', expectStatus: 204 });
  await run.call(upload.status_url, { expectStatus: 404 });
  await run.call(upload.status_url, { method: 'DELETE', expectStatus: 404 });

  await run.call('/api/v1/uploads', { method: 'POST', headers: json, expectStatus: 415,
    body: JSON.stringify({ filename: 'setup.exe', size: 10 }) });
  await run.call('/api/v1/uploads', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}', expectStatus: 415 });
  await run.call('/api/v1/uploads', { method: 'POST', headers: json, expectStatus: 413,
    body: JSON.stringify({ filename: 'big.csv', size: 2 ** 41 }) });
  const invalid = await run.call('/api/v1/uploads', { method: 'POST', headers: json, expectStatus: 422,
    body: JSON.stringify({ filename: 'a.csv', size: 'ten', colour: 'blue' }) });
  const fields = (invalid.json?.errors ?? []).map((e) => e.field).sort();
  run.expect(invalid.label, isDeepStrictEqual(fields, ['colour', 'size']), `errors name ${JSON.stringify(fields)}`);
  await run.call('/api/v1/uploads', { method: 'POST', headers: json, body: '{"filename":', expectStatus: 400 });
}

async function walk(run, documentText) {
  const lists = new Map();
  const isLeadOperation = (op) => op.operation.tags?.includes('Leads') || op.operation.tags?.includes('Uploads');
  const ops = run.contract.operations.filter((op) => op.method === 'get' && !isLeadOperation(op));
  const isList = (op) => op.parameters.some((p) => p.name === 'page');
  const isDetail = (op) => op.template.includes('{');
  for (const op of ops.filter(isList)) lists.set(op.template, await checkList(run, op));
  for (const op of ops.filter(isDetail)) {
    const collection = op.template.slice(0, op.template.lastIndexOf('/'));
    await checkDetail(run, op, lists.get(collection) ?? []);
  }
  for (const op of ops.filter((op) => !isList(op) && !isDetail(op))) await checkSingle(run, op, documentText);
  await checkLeads(run, lists.get('/api/v1/services')?.[0]?.slug ?? 'data-annotation');
  await checkUploads(run);
  await checkUnknownRoutes(run);
  // The server's own refusals (here 431) are documented too, as each operation's 4XX.
  for (const op of run.contract.operations.filter((op) => op.method === 'get')) {
    const target = op.template.replace(/\{[^}]+\}/g, 'x');
    await run.call(target, { headers: { 'X-Padding': 'p'.repeat(20 * 1024) }, expectStatus: 431 });
  }

  for (const op of run.contract.operations) {
    const id = op.operation.operationId;
    run.expect(`${op.method.toUpperCase()} ${op.template}`, run.exercised.has(id), `operation ${id} was never exercised`);
  }
}

// ---------------------------------------------------------------------------------------------
// Lint

function lint() {
  const result = spawnSync('npx', ['--no-install', 'redocly', 'lint', 'openapi/openapi.json', '--format=json'], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    return [`redocly lint did not run (exit ${result.status}): ${(result.stderr || result.error?.message || '').trim().slice(-2000)}`];
  }
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);
  if (result.status !== 0 && problems.length === 0) problems.push(`redocly lint exited ${result.status}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.out) fs.mkdirSync(args.out, { recursive: true });
  const documentText = fs.readFileSync(DOCUMENT_PATH, 'utf8');
  const contract = new Contract(JSON.parse(documentText));

  const server = args.binary ? await startServer(args.binary, args.out) : { base: args.url.replace(/\/$/, ''), stop: async () => null };
  const run = new Run(server.base, contract);
  const started = Date.now();
  try {
    await walk(run, documentText);
  } finally {
    const exit = await server.stop();
    if (exit && exit.code !== 0) run.fail('SIGTERM', `server exited with ${JSON.stringify(exit)}`);
  }
  const lintProblems = lint();

  const operations = contract.operations.map((op) => {
    const documented = Object.keys(op.operation.responses);
    const seen = run.exercised.get(op.operation.operationId) ?? new Set();
    return { operationId: op.operation.operationId, exercised: documented.filter((k) => seen.has(k)),
      not_exercised: documented.filter((k) => !seen.has(k)) };
  });
  if (args.out) {
    fs.writeFileSync(path.join(args.out, 'contract-report.json'), JSON.stringify({
      requests: run.requests, mismatches: run.mismatches, lint: lintProblems, operations }, null, 2));
  }

  console.log(`API contract: ${run.requests} requests, ${contract.operations.length} operations, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const op of operations) {
    console.log(`  ${op.operationId.padEnd(20)} responses seen: ${op.exercised.join(' ') || '-'}` +
      (op.not_exercised.length ? `   (not exercised: ${op.not_exercised.join(' ')})` : ''));
  }
  for (const { request, message } of run.mismatches) console.log(`MISMATCH ${request}: ${message}`);
  for (const problem of lintProblems) console.log(`LINT ${problem}`);
  const failed = run.mismatches.length + lintProblems.length;
  console.log(failed === 0 ? 'API contract: OK (responses match the document; redocly lint clean)'
    : `API contract: FAILED (${run.mismatches.length} mismatches, ${lintProblems.length} lint problems)`);
  if (failed && server.logPath) console.log(`server log: ${server.logPath}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(`API contract: FAILED: ${error.stack ?? error}`);
  process.exitCode = 1;
});
