#!/usr/bin/env node
// Streams a synthetic 12-column dataset of about --bytes bytes to --out, as CSV or NDJSON,
// without holding it in memory. Deterministic (seeded), so runs compare.
//
//   node bench/analysis/generate.mjs --format csv|ndjson --bytes 2000000000 --out /tmp/x.csv
import fs from 'node:fs';

const args = { format: 'csv', bytes: 1e9, out: null };
for (let i = 2; i < process.argv.length; i += 2) {
  const [name, value] = [process.argv[i], process.argv[i + 1]];
  if (name === '--format') args.format = value;
  else if (name === '--bytes') args.bytes = Number(value);
  else if (name === '--out') args.out = value;
  else {
    console.error(`generate.mjs: unexpected argument ${name}`);
    process.exit(2);
  }
}
if (!args.out || !['csv', 'ndjson'].includes(args.format)) {
  console.error('usage: generate.mjs --format csv|ndjson --bytes N --out FILE');
  process.exit(2);
}

let state = 0x2545f491;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
};
const CITIES = ['Pune', 'Delhi', 'Mumbai', 'Chennai', 'Kolkata', 'Jaipur', 'Kochi', 'Indore', 'Bhopal', 'Surat'];
const STATUS = ['new', 'open', 'closed', 'pending'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'data', 'label', 'village', 'quality', 'sample', 'review'];
const HEADER = ['id', 'customer_id', 'city', 'status', 'amount', 'quantity', 'discount', 'created', 'rating',
  'email', 'comment', 'active'];

function row(id) {
  const day = 1 + Math.floor(random() * 28);
  const month = 1 + Math.floor(random() * 12);
  return [
    id,
    Math.floor(random() * 100000),
    CITIES[Math.floor(random() * CITIES.length)],
    STATUS[Math.floor(random() * STATUS.length)],
    (random() * 5000).toFixed(2),
    random() < 0.05 ? null : Math.floor(random() * 100),
    random().toFixed(3),
    `202${Math.floor(random() * 5)}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`,
    1 + Math.floor(random() * 5),
    `user${Math.floor(random() * 1e6)}@example.com`,
    `${WORDS[Math.floor(random() * 10)]} ${WORDS[Math.floor(random() * 10)]} ${WORDS[Math.floor(random() * 10)]}`,
    random() < 0.5 ? 'true' : 'false',
  ];
}

const NUMERIC = new Set([0, 1, 4, 5, 6, 8]);
function csvLine(values) {
  return values.map((v) => (v === null ? '' : String(v))).join(',') + '\n';
}
function ndjsonLine(values) {
  const parts = values.map((v, i) => {
    const value = v === null ? 'null' : NUMERIC.has(i) || i === 11 ? String(v) : JSON.stringify(String(v));
    return `${JSON.stringify(HEADER[i])}:${value}`;
  });
  return `{${parts.join(',')}}\n`;
}

const fd = fs.openSync(args.out, 'w');
let written = 0;
let chunk = [];
let chunkBytes = 0;
const flush = () => {
  const buffer = Buffer.from(chunk.join(''), 'utf8');
  fs.writeSync(fd, buffer);
  written += buffer.length;
  chunk = [];
  chunkBytes = 0;
};
if (args.format === 'csv') chunk.push(HEADER.join(',') + '\n');
for (let id = 1; written + chunkBytes < args.bytes; ++id) {
  const line = args.format === 'csv' ? csvLine(row(id)) : ndjsonLine(row(id));
  chunk.push(line);
  chunkBytes += line.length;
  if (chunkBytes > 8 << 20) flush();
}
flush();
fs.closeSync(fd);
