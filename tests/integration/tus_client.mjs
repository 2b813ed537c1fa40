#!/usr/bin/env node
// The real tus-js-client (npm) against our tus server: a 20 MB CSV in 1 MB
// chunks, interrupted in the middle of a chunk (abort drops the connection),
// resumed from the stored upload URL, the stored bytes compared with the
// file's SHA-256, then the status polled until completed and the analysis read.
//
//   node tests/integration/tus_client.mjs --binary build/indivillage [--out DIR]
//
// Exits 0 when everything holds, 1 with the reason otherwise.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tus from 'tus-js-client';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILE_BYTES = 20 * 1024 * 1024;
const CHUNK = 1024 * 1024;

function parseArgs(argv) {
  const args = { binary: null, out: null };
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--binary', '--out'].includes(argv[i]) || argv[i + 1] === undefined) {
      console.error('usage: node tests/integration/tus_client.mjs --binary PATH [--out DIR]');
      process.exit(2);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.binary) process.exit(2);
  return args;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(binary, dir) {
  const portFile = path.join(dir, 'port');
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const env = { ...process.env, DATA_DIR: path.join(dir, 'data'), SHARE_DIR: REPO_ROOT, HOST: '127.0.0.1',
                MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) };
  for (const name of ['PORT', 'PUBLIC_BASE_URL', 'CLAMD_ADDRESS', 'DATABASE_URL']) delete env[name];
  const child = spawn(binary, ['serve', '--port', '0', '--port-file', portFile], { env, stdio: ['ignore', log, log] });
  for (let waited = 0; waited < 60_000; waited += 100) {
    if (fs.existsSync(portFile)) {
      const port = fs.readFileSync(portFile, 'utf8').trim();
      if (port) return { child, base: `http://127.0.0.1:${port}`, dataDir: env.DATA_DIR };
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error('the server did not start:\n' + fs.readFileSync(path.join(dir, 'server.log'), 'utf8'));
}

function makeCsv(file) {
  const out = fs.openSync(file, 'w');
  let written = 0;
  let row = 0;
  fs.writeSync(out, 'id,name,score,email\n');
  written += 20;
  const lines = [];
  while (written < FILE_BYTES) {
    const line = `${row},person ${row % 997},${(row * 7919) % 10007 / 10},p${row}@example.com\n`;
    if (written + line.length > FILE_BYTES) break;
    lines.push(line);
    written += line.length;
    ++row;
    if (lines.length === 10000) {
      fs.writeSync(out, lines.join(''));
      lines.length = 0;
    }
  }
  fs.writeSync(out, lines.join(''));
  fs.closeSync(out);
  return row;
}

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function upload(options) {
  return new Promise((resolve, reject) => {
    const instance = new tus.Upload(fs.createReadStream(options.file), {
      endpoint: options.endpoint,
      uploadUrl: options.uploadUrl,
      chunkSize: CHUNK,
      uploadSize: fs.statSync(options.file).size,
      retryDelays: null,
      headers: { Authorization: `Bearer ${options.token}` },
      metadata: { filename: path.basename(options.file) },
      removeFingerprintOnSuccess: true,
      onProgress: (sent) => {
        if (options.abortAfter && sent >= options.abortAfter && !instance.aborted) {
          instance.aborted = true;
          // Drops the connection in the middle of a PATCH.
          instance.abort(false).then(() => resolve({ aborted: true, url: instance.url, sent }));
        }
      },
      onError: reject,
      onSuccess: () => resolve({ aborted: false, url: instance.url }),
    });
    instance.start();
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = args.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'iv-tus-'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'people.csv');
  const rows = makeCsv(file);
  const server = await startServer(path.resolve(args.binary), dir);
  try {
    const created = await fetch(`${server.base}/api/v1/uploads`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'people.csv', size: fs.statSync(file).size }),
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
    const { id, token, tus_url: tusUrl } = await created.json();

    const started = Date.now();
    const first = await upload({ file, token, endpoint: server.base + tusUrl, abortAfter: 9.5 * CHUNK });
    if (!first.aborted || !first.url) throw new Error('the first attempt was not interrupted');
    const head = await fetch(first.url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` } });
    const kept = Number(head.headers.get('upload-offset'));
    console.log(`interrupted after ${first.sent} bytes sent; the server kept ${kept}`);
    if (!(kept > 0 && kept < FILE_BYTES)) throw new Error(`unexpected offset after the interruption: ${kept}`);

    const second = await upload({ file, token, endpoint: server.base + tusUrl, uploadUrl: first.url });
    if (second.aborted) throw new Error('the resumed upload did not finish');
    const seconds = (Date.now() - started) / 1000;
    console.log(`uploaded ${FILE_BYTES} bytes in ${seconds.toFixed(2)} s (${(FILE_BYTES / 1048576 / seconds).toFixed(1)} MB/s) with one interruption`);

    const stored = path.join(server.dataDir, 'blobs', 'uploads', id);
    if (sha256(stored) !== sha256(file)) throw new Error('the stored bytes differ from the file');
    console.log('stored bytes match the file (sha256)');

    let status;
    for (let i = 0; i < 600; ++i) {
      status = await (await fetch(`${server.base}/api/v1/uploads/${id}`)).json();
      if (['completed', 'failed', 'rejected'].includes(status.status)) break;
      await sleep(100);
    }
    if (status.status !== 'completed') throw new Error(`status ${status.status}: ${status.reason ?? ''}`);
    const analysis = await (await fetch(`${server.base}/api/v1/uploads/${id}/analysis`)).json();
    if (analysis.rows !== rows) throw new Error(`analysis rows ${analysis.rows}, expected ${rows}`);
    if (analysis.columns.length !== 4) throw new Error(`analysis columns ${analysis.columns.length}, expected 4`);
    console.log(`completed; analysis: ${analysis.rows} rows, ${analysis.columns.length} columns`);
  } finally {
    server.child.kill('SIGTERM');
  }
}

main().then(() => process.exit(0), (error) => {
  console.error('tus_client: FAILED:', error.message ?? error);
  process.exit(1);
});
