// Shared helpers for the Node test suites: start the real `indivillage` binary
// on a free port with a fresh data directory, the Chromium launch options that
// work on our Debian machines, and the `--binary PATH --out DIR` arguments.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository root holds templates/, static/, content/ and migrations/.
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const startTimeoutMs = 20_000;

// Flags that keep Debian's Chromium quiet and self-contained: no sandbox (we run
// as root), no GPU, no background traffic that could show up as failed requests.
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumLaunchOptions() {
  return { executablePath: '/usr/bin/chromium', headless: true, args: [...chromiumArgs] };
}

// Parses `--binary PATH --out DIR` (both required, resolved to absolute paths)
// plus any `--NAME VALUE` whose NAME is a key of `extra` (the value is the
// default, kept as text). Exits with the usage message on anything else, so a
// mistyped ctest line fails loudly.
export function parseArgs(argv = process.argv.slice(2), usage = 'usage: node SCRIPT --binary PATH --out DIR', extra = {}) {
  const args = { ...extra };
  const fail = () => {
    console.error(usage);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (!argv[i].startsWith('--') || value === undefined) fail();
    if (name === 'binary' || name === 'out') args[name] = path.resolve(value);
    else if (Object.hasOwn(extra, name)) args[name] = value;
    else fail();
  }
  if (!args.binary || !args.out) fail();
  return args;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Starts `binary serve --port 0 --port-file F` with its own DATA_DIR and waits
// until the port file appears. Resolves to {url, stop()}; stop() sends SIGTERM,
// waits for the exit and removes the data directory. Rejects with the child's
// stderr when it exits early or does not listen within 20 s.
// `env` adds or overrides environment variables for the child.
export async function startServer(binary, { env = {} } = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iv-browser-'));
  const portFile = path.join(dataDir, 'port');
  const child = spawn(binary, ['serve', '--port', '0', '--port-file', portFile], {
    env: { ...process.env, DATA_DIR: dataDir, SHARE_DIR: repoRoot, ACCESS_LOG: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'pipe'],
  });

  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);  // warnings and errors of the server belong in the test log
  });
  // 'error' without 'exit' happens when the binary cannot be started at all.
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      stderr += `\nspawn failed: ${error.message}`;
      resolve({ code: null, signal: null, error: error.message });
    });
  });
  let exitStatus = null;
  exited.then((status) => (exitStatus = status));

  const cleanUp = () => rm(dataDir, { recursive: true, force: true });
  const deadline = Date.now() + startTimeoutMs;
  let port = null;
  while (port === null) {
    if (exitStatus !== null) {
      await cleanUp();
      throw new Error(`${binary} serve exited before listening (${JSON.stringify(exitStatus)}):\n${stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      await cleanUp();
      throw new Error(`${binary} serve did not write ${portFile} within ${startTimeoutMs / 1000} s:\n${stderr}`);
    }
    // The server writes the file atomically (write + rename), so any content is complete.
    const text = await readFile(portFile, 'utf8').catch(() => '');
    if (/^\d+$/.test(text.trim())) port = Number(text.trim());
    else await sleep(50);
  }

  const stop = async () => {
    if (exitStatus === null) child.kill('SIGTERM');
    const status = await exited;
    await cleanUp();
    return status;
  };
  return { url: `http://127.0.0.1:${port}`, port, dataDir, stop, stderr: () => stderr };
}

// The first link on the list page `section` (e.g. "/services") to one of its
// detail pages, "/services/{slug}", so tests follow the content instead of
// hard-coding slugs.
export async function firstDetailPath(baseUrl, section) {
  const response = await fetch(baseUrl + section);
  if (response.status !== 200) throw new Error(`GET ${section} answered ${response.status}`);
  const html = await response.text();
  const detail = new RegExp(`^${section}/[^/?#]+$`);
  for (const match of html.matchAll(/<a\s[^>]*href="([^"]+)"/g)) {
    const target = new URL(match[1].replaceAll('&amp;', '&'), baseUrl);
    if (detail.test(target.pathname)) return target.pathname;
  }
  throw new Error(`no link to a ${section}/{slug} page on ${section}`);
}
