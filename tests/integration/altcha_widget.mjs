#!/usr/bin/env node
// Solves one of our ALTCHA challenges with the solver the real `altcha` widget
// runs in the browser (its Web Worker file, dist/workers/sha.js, run here in a
// worker thread), so a change on either side that breaks compatibility shows
// up without a browser.
//
// The v3 widget turns a v1 challenge ({algorithm, challenge, salt, signature,
// maxnumber}) into its own parameters and hashes UTF-8(salt) + decimal counter
// ("string" counter mode); toWidgetParameters() and widgetPayload() below do
// what the widget's createChallengeFromV1() and createPayloadV1() do
// (altcha 3.2.x, dist/external/altcha.js).
//
// Usage:
//   node tests/integration/altcha_widget.mjs --challenge-json '{"algorithm":...}'
//       prints the base64 payload (the value of the form field "altcha")
//   node tests/integration/altcha_widget.mjs --challenge-url http://127.0.0.1:8080/api/v1/challenge \
//       [--submit-url http://127.0.0.1:8080/api/v1/contact --form-json '{"name":...}']
//       fetches a challenge, solves it; with --submit-url posts the form with the
//       payload (expects 201) and posts it again (expects a 4xx refusal: single use)
//   --altcha-dir DIR   where the npm package lives (default: resolved from here)
//
// Needs the npm package `altcha` (not a dependency of this repository yet:
// `npm i -D altcha`). Without it the check prints SKIP and exits 0.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { values: args } = parseArgs({
  options: {
    'challenge-json': { type: 'string' },
    'challenge-url': { type: 'string' },
    'submit-url': { type: 'string' },
    'form-json': { type: 'string' },
    'altcha-dir': { type: 'string' },
  },
});

function workerSourcePath() {
  if (args['altcha-dir']) return join(args['altcha-dir'], 'dist', 'workers', 'sha.js');
  try {
    return fileURLToPath(import.meta.resolve('altcha/workers/sha'));
  } catch {
    return null;
  }
}

// The widget's conversion of a v1 challenge into solver parameters.
function toWidgetParameters(challenge) {
  const query = challenge.salt.split('?')[1];
  const data = query ? Object.fromEntries(new URLSearchParams(query).entries()) : {};
  const keyLengths = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
  return {
    parameters: {
      algorithm: challenge.algorithm,
      cost: 1,
      data,
      expiresAt: data.expires ? parseInt(data.expires, 10) : undefined,
      keyLength: keyLengths[challenge.algorithm] ?? 32,
      nonce: Buffer.from(challenge.salt, 'utf8').toString('hex'),
      keyPrefix: challenge.challenge,
      salt: '',
    },
    signature: challenge.signature,
  };
}

// The widget's payload for a v1 challenge: btoa(JSON.stringify(...)).
function widgetPayload(challenge, solution) {
  const json = JSON.stringify({
    algorithm: challenge.algorithm,
    challenge: challenge.challenge,
    number: solution.counter,
    salt: challenge.salt,
    signature: challenge.signature,
    took: solution.time || 0,
  });
  return Buffer.from(json, 'latin1').toString('base64');
}

// Runs the widget's worker file as the browser would, with `self` mapped onto
// the worker thread's port, and sends it the message the widget sends.
function solveWithWidgetWorker(source, widgetChallenge) {
  const shim = `
    const { parentPort } = require('node:worker_threads');
    globalThis.self = globalThis;
    self.postMessage = (message) => parentPort.postMessage(message);
    parentPort.on('message', (data) => self.onmessage({ data }));
  `;
  const worker = new Worker(shim + source, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (solution) => {
      worker.terminate();
      if (!solution) reject(new Error('the widget solver gave up'));
      else if (solution.error) reject(new Error(String(solution.error)));
      else resolve(solution);
    });
    worker.postMessage({
      type: 'work',
      challenge: widgetChallenge,
      counterMode: 'string',
      counterStart: 0,
      counterStep: 1,
      timeout: 90_000,
    });
  });
}

async function loadChallenge() {
  if (args['challenge-json']) return JSON.parse(args['challenge-json']);
  if (args['challenge-url']) {
    const response = await fetch(args['challenge-url']);
    if (!response.ok) throw new Error(`GET ${args['challenge-url']} answered ${response.status}`);
    return response.json();
  }
  throw new Error('give --challenge-json or --challenge-url');
}

function checkShape(challenge) {
  for (const field of ['algorithm', 'challenge', 'salt', 'signature']) {
    if (typeof challenge[field] !== 'string') throw new Error(`challenge.${field} is not a string`);
  }
  if (!Number.isInteger(challenge.maxnumber)) throw new Error('challenge.maxnumber is not an integer');
}

async function submit(url, form, payload) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...form, altcha: payload }),
  });
  return { status: response.status, body: await response.text() };
}

async function main() {
  const sourcePath = workerSourcePath();
  if (!sourcePath) {
    console.log("SKIP: npm package 'altcha' is not installed (npm i -D altcha, or --altcha-dir)");
    return 0;
  }
  const challenge = await loadChallenge();
  checkShape(challenge);
  const solution = await solveWithWidgetWorker(readFileSync(sourcePath, 'utf8'), toWidgetParameters(challenge));
  if (solution.counter > challenge.maxnumber) {
    throw new Error(`solution ${solution.counter} is above maxnumber ${challenge.maxnumber}`);
  }
  const payload = widgetPayload(challenge, solution);
  if (!args['submit-url']) {
    console.log(payload);
    return 0;
  }

  const form = JSON.parse(args['form-json'] ?? '{}');
  const first = await submit(args['submit-url'], form, payload);
  if (first.status !== 201) throw new Error(`first submission answered ${first.status}: ${first.body}`);
  const replay = await submit(args['submit-url'], form, payload);
  if (replay.status < 400 || replay.status >= 500) {
    throw new Error(`a replayed solution answered ${replay.status}: ${replay.body}`);
  }
  console.log(`ok: solved with number ${solution.counter}, accepted once (201), replay refused (${replay.status})`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`FAIL: ${error.message}`);
    process.exit(1);
  },
);
