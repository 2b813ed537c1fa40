#!/usr/bin/env node
// Golden test of the profiling engine against DuckDB.
//
//   node tests/analysis/golden.mjs --binary build/indivillage [--out DIR] [--rows 50000]
//
// Generates the same known dataset (nulls, integers, decimals, dates, text with quotes, commas,
// embedded newlines and non-ASCII letters, a categorical column, booleans) as CSV, TSV, a JSON
// array, NDJSON, XML (attributes and child elements) and XLSX (a minimal workbook zipped here with
// node:zlib), runs `<binary> analyze FILE --json` on each, and computes the truth with DuckDB
// (@duckdb/node-api) on the same file — or, for XML and XLSX, which DuckDB cannot read here, on
// the CSV twin holding the same data. Per column it checks: the inferred type, count, nulls,
// distinct (equal when we say exact, else within 3 %), min and max, mean (relative 1e-9), and the
// quartiles by rank: the rank of our value in DuckDB's data must be within the stated
// quantile_rank_error (+1/n) of 25/50/75 %. Prints a table; exits 1 on any mismatch, 2 when the
// binary or DuckDB fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { DuckDBInstance } from '@duckdb/node-api';

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const args = { binary: 'build/indivillage', out: null, rows: 50000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage(`missing value for ${name}`);
    if (name === '--binary') args.binary = value;
    else if (name === '--out') args.out = value;
    else if (name === '--rows') args.rows = Number.parseInt(value, 10);
    else usage(`unexpected argument ${name}`);
  }
  if (!(args.rows > 0)) usage('--rows must be a positive number');
  return args;
}

function usage(message) {
  console.error(`golden.mjs: ${message}\nusage: node tests/analysis/golden.mjs --binary PATH [--out DIR] [--rows N]`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The dataset: deterministic, so a failure reproduces.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = ['Pune', 'Delhi', 'Mumbai', 'Chennai', 'Kolkata', 'Jaipur', 'Kochi', 'Indore', 'Bhopal',
  'Nagpur', 'Surat', 'Agra'];
const FIRST = ['Aarav', 'Priya', 'Zoë', 'Rahul', 'Ananya', 'नमस्ते', 'Vikram', 'Meera', 'Arjun', 'Sara',
  'Kabir', 'Isha', 'Dev', 'Nisha', 'Omar', 'Leela', 'Ravi', 'Tara', 'Yash', 'Fatima'];
const LAST = ['Sharma', 'O"Brien', 'Smith, Jr.', 'Iyer', 'Line\nBreak', 'Khan', 'Das', 'Patel', 'Nair',
  'Rao', 'Gupta', 'Bose', 'Mehta', 'Reddy', 'Singh', 'Joshi', 'Menon', 'Kapoor', 'Ghosh', 'Sen'];

// Column order, DuckDB type and the type the profiler must infer.
const COLUMNS = [
  { name: 'id', duck: 'BIGINT', type: 'identifier', numeric: true },
  { name: 'qty', duck: 'BIGINT', type: 'integer', numeric: true },
  { name: 'price', duck: 'DOUBLE', type: 'decimal', numeric: true },
  { name: 'ratio', duck: 'DOUBLE', type: 'decimal', numeric: true },
  { name: 'joined', duck: 'DATE', type: 'date', numeric: false },
  { name: 'city', duck: 'VARCHAR', type: 'categorical', numeric: false },
  { name: 'name', duck: 'VARCHAR', type: 'text', numeric: false },
  { name: 'active', duck: 'BOOLEAN', type: 'boolean', numeric: false },
  { name: 'score', duck: 'BIGINT', type: 'integer', numeric: true },
];

// Rows as { column: text or null }; the text is what every format writes.
function generateRows(count) {
  const random = mulberry32(20261122);
  const maybe = (share, make) => (random() < share ? null : make());
  const day0 = Date.UTC(2015, 0, 1);
  const rows = [];
  for (let i = 1; i <= count; ++i) {
    rows.push({
      id: String(i),
      qty: maybe(0.05, () => String(Math.floor(random() * 1001))),
      price: maybe(0.03, () => (random() * 10000).toFixed(2)),
      ratio: maybe(0.01, () => String((random() - 0.5) * 2e6)),
      joined: maybe(0.04, () => new Date(day0 + Math.floor(random() * 3650) * 86400000).toISOString().slice(0, 10)),
      city: maybe(0.02, () => CITIES[Math.floor(random() * CITIES.length)]),
      name: `${FIRST[Math.floor(random() * FIRST.length)]} ${LAST[Math.floor(random() * LAST.length)]}`,
      active: maybe(0.1, () => (random() < 0.7 ? 'true' : 'false')),
      score: String(Math.round((random() + random() + random()) * 100) - 150),
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Writers, one per format.

function csvField(text, delimiter) {
  if (text === null) return '';
  if (/[",\n\r\t]/.test(text) || text !== text.trim()) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

function writeCsv(file, rows, delimiter = ',') {
  const lines = [COLUMNS.map((c) => c.name).join(delimiter)];
  for (const row of rows) lines.push(COLUMNS.map((c) => csvField(row[c.name], delimiter)).join(delimiter));
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

// TSV has no quoting in practice: its text is kept free of tabs, quotes and newlines.
function tsvRows(rows) {
  return rows.map((row) => ({ ...row, name: row.name.replaceAll('\n', ' ').replaceAll('"', "'").replaceAll(',', '') }));
}

function jsonValue(column, text) {
  if (text === null) return null;
  if (column.numeric) return Number(text);
  if (column.duck === 'BOOLEAN') return text === 'true';
  return text;
}

// Half of the nulls are JSON null, half are missing keys: both are nulls.
function jsonObjects(rows) {
  return rows.map((row, index) => {
    const object = {};
    for (const column of COLUMNS) {
      const value = jsonValue(column, row[column.name]);
      if (value === null && index % 2 === 0) continue;
      object[column.name] = value;
    }
    return object;
  });
}

function writeJsonArray(file, rows) {
  fs.writeFileSync(file, '[\n' + jsonObjects(rows).map((o) => JSON.stringify(o)).join(',\n') + '\n]\n');
}

function writeNdjson(file, rows) {
  fs.writeFileSync(file, jsonObjects(rows).map((o) => JSON.stringify(o)).join('\n') + '\n');
}

function xmlEscape(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

// <record id="…"> with the other fields as child elements; nulls are left out.
function writeXml(file, rows) {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<dataset>\n'];
  for (const row of rows) {
    parts.push(`  <record id="${xmlEscape(row.id)}">`);
    for (const column of COLUMNS.slice(1)) {
      const text = row[column.name];
      if (text !== null) parts.push(`<${column.name}>${xmlEscape(text)}</${column.name}>`);
    }
    parts.push('</record>\n');
  }
  parts.push('</dataset>\n');
  fs.writeFileSync(file, parts.join(''));
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; ++n) {
    let c = n;
    for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// A ZIP archive of deflated entries: local headers, data, central directory, end record.
function zipArchive(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = zlib.deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);  // UTF-8 names
    local.writeUInt16LE(8, 8);       // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function columnLetter(index) {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

// One sheet; numbers as numeric cells, everything else (dates, booleans, text) as shared strings.
function writeXlsx(file, rows) {
  const strings = [];
  const stringIndex = new Map();
  const shared = (text) => {
    if (!stringIndex.has(text)) {
      stringIndex.set(text, strings.length);
      strings.push(text);
    }
    return stringIndex.get(text);
  };
  const sheetRows = [];
  const cells = (values, rowNumber) =>
    values
      .map(({ column, text }, index) => {
        if (text === null) return '';
        const ref = `${columnLetter(index)}${rowNumber}`;
        if (column && column.numeric) return `<c r="${ref}"><v>${Number(text)}</v></c>`;
        return `<c r="${ref}" t="s"><v>${shared(text)}</v></c>`;
      })
      .join('');
  sheetRows.push(`<row r="1">${cells(COLUMNS.map((c) => ({ column: null, text: c.name })), 1)}</row>`);
  rows.forEach((row, i) => {
    sheetRows.push(`<row r="${i + 2}">${cells(COLUMNS.map((c) => ({ column: c, text: row[c.name] })), i + 2)}</row>`);
  });
  const xml = (body) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`, 'utf8');
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const entries = [
    { name: '[Content_Types].xml', data: xml(
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
      '</Types>') },
    { name: '_rels/.rels', data: xml(
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`) },
    { name: 'xl/workbook.xml', data: xml(
      `<workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`) },
    { name: 'xl/_rels/workbook.xml.rels', data: xml(
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`) },
    { name: 'xl/worksheets/sheet1.xml', data: xml(`<worksheet xmlns="${main}"><sheetData>${sheetRows.join('')}</sheetData></worksheet>`) },
  ];
  const sst = strings.map((s) => `<si><t xml:space="preserve">${xmlEscape(s)}</t></si>`).join('');
  entries.push({ name: 'xl/sharedStrings.xml', data: xml(`<sst xmlns="${main}" count="${strings.length}" uniqueCount="${strings.length}">${sst}</sst>`) });
  fs.writeFileSync(file, zipArchive(entries));
}

// ---------------------------------------------------------------------------------------------
// The two sides.

function runProfiler(binary, file) {
  const result = spawnSync(binary, ['analyze', file, '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (result.error || result.status !== 0) {
    throw new Error(`${binary} analyze ${path.basename(file)} failed (${result.error ?? `exit ${result.status}`}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

function sqlString(text) {
  return `'${text.replaceAll("'", "''")}'`;
}

function duckColumns() {
  return `{${COLUMNS.map((c) => `${sqlString(c.name)}: ${sqlString(c.duck)}`).join(', ')}}`;
}

function duckSource(kind, file) {
  const f = sqlString(file);
  switch (kind) {
    case 'csv': return `read_csv(${f}, header = true, delim = ',', quote = '"', escape = '"', columns = ${duckColumns()})`;
    case 'tsv': return `read_csv(${f}, header = true, delim = '\t', quote = '"', columns = ${duckColumns()})`;
    case 'json': return `read_json(${f}, format = 'array', columns = ${duckColumns()})`;
    case 'ndjson': return `read_json(${f}, format = 'newline_delimited', columns = ${duckColumns()})`;
    default: throw new Error(kind);
  }
}

async function query(connection, sql) {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

const quote = (name) => `"${name.replaceAll('"', '""')}"`;

async function duckTruth(connection, source, column) {
  const c = quote(column.name);
  const textual = !column.numeric;
  const extremes = textual ? `min(${c})::VARCHAR AS mn, max(${c})::VARCHAR AS mx` : `min(${c})::DOUBLE AS mn, max(${c})::DOUBLE AS mx, avg(${c})::DOUBLE AS mean`;
  const rows = await query(connection, `SELECT count(${c})::DOUBLE AS count, (count(*) - count(${c}))::DOUBLE AS nulls,
      count(DISTINCT ${c})::DOUBLE AS distinct_values, ${extremes} FROM ${source}`);
  return rows[0];
}

async function rankOf(connection, source, column, value) {
  const c = quote(column.name);
  const v = `${value}::DOUBLE`;
  const rows = await query(connection, `SELECT count(*) FILTER (WHERE ${c} < ${v})::DOUBLE AS below,
      count(*) FILTER (WHERE ${c} <= ${v})::DOUBLE AS through, count(${c})::DOUBLE AS n FROM ${source}`);
  return rows[0];
}

// ---------------------------------------------------------------------------------------------
// Comparison

function findColumn(document, name) {
  return document.columns.find((c) => c.name === name) ?? document.columns.find((c) => c.name === `@${name}`);
}

async function compareFile(connection, { label, file, truthSource }, profile, results) {
  const check = (column, what, ours, theirs, ok) => results.push({ file: label, column, what, ours, theirs, ok });
  for (const column of COLUMNS) {
    const ours = findColumn(profile, column.name);
    if (!ours) {
      check(column.name, 'present', 'missing', 'present', false);
      continue;
    }
    const truth = await duckTruth(connection, truthSource, column);
    check(column.name, 'type', ours.type, column.type, ours.type === column.type);
    check(column.name, 'count', ours.count, truth.count, ours.count === truth.count);
    check(column.name, 'nulls', ours.nulls, truth.nulls, ours.nulls === truth.nulls);
    const distinctOk = ours.distinct_exact
      ? ours.distinct === truth.distinct_values
      : Math.abs(ours.distinct - truth.distinct_values) <= 0.03 * truth.distinct_values;
    check(column.name, ours.distinct_exact ? 'distinct (exact)' : 'distinct (±3%)', ours.distinct, truth.distinct_values, distinctOk);
    if (column.duck === 'BOOLEAN') continue;
    if (column.numeric) {
      check(column.name, 'min', ours.min, truth.mn, ours.min === truth.mn);
      check(column.name, 'max', ours.max, truth.mx, ours.max === truth.mx);
      const meanOk = typeof ours.mean === 'number' && Math.abs(ours.mean - truth.mean) <= 1e-9 * Math.max(1, Math.abs(truth.mean));
      check(column.name, 'mean (1e-9)', ours.mean, truth.mean, meanOk);
      for (const [key, q] of [['p25', 0.25], ['p50', 0.5], ['p75', 0.75]]) {
        const value = ours.quantiles?.[key];
        if (typeof value !== 'number') {
          check(column.name, key, value, q, false);
          continue;
        }
        const rank = await rankOf(connection, truthSource, column, value);
        const allowed = (ours.quantile_rank_error + 1 / rank.n) * rank.n;
        const target = q * rank.n;
        const ok = target >= rank.below - allowed && target <= rank.through + allowed;
        const shown = `${(rank.below / rank.n * 100).toFixed(2)}–${(rank.through / rank.n * 100).toFixed(2)}%`;
        check(column.name, `${key} rank (±${(ours.quantile_rank_error * 100).toFixed(1)}%)`, `${value} @ ${shown}`, `${q * 100}%`, ok);
      }
    } else {
      check(column.name, 'min', ours.min_text, truth.mn, ours.min_text === truth.mn);
      check(column.name, 'max', ours.max_text, truth.mx, ours.max_text === truth.mx);
    }
  }
  check('(table)', 'rows', profile.rows, results.rowsExpected, profile.rows === results.rowsExpected);
}

function printTable(results) {
  const show = (v) => {
    const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
    return text.length > 34 ? `${text.slice(0, 31)}...` : text;
  };
  const header = ['file', 'column', 'check', 'ours', 'duckdb', ''];
  const lines = results.map((r) => [r.file, r.column, r.what, show(r.ours), show(r.theirs), r.ok ? 'ok' : 'MISMATCH']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const out = args.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  fs.mkdirSync(out, { recursive: true });
  const rows = generateRows(args.rows);
  const file = (name) => path.join(out, name);
  writeCsv(file('data.csv'), rows);
  writeCsv(file('data.tsv'), tsvRows(rows), '\t');
  writeJsonArray(file('data.json'), rows);
  writeNdjson(file('data.ndjson'), rows);
  writeXml(file('data.xml'), rows);
  writeXlsx(file('data.xlsx'), rows);

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const cases = [
    { label: 'csv', file: file('data.csv'), truthSource: duckSource('csv', file('data.csv')) },
    { label: 'tsv', file: file('data.tsv'), truthSource: duckSource('tsv', file('data.tsv')) },
    { label: 'json', file: file('data.json'), truthSource: duckSource('json', file('data.json')) },
    { label: 'ndjson', file: file('data.ndjson'), truthSource: duckSource('ndjson', file('data.ndjson')) },
    { label: 'xml', file: file('data.xml'), truthSource: duckSource('csv', file('data.csv')) },
    { label: 'xlsx', file: file('data.xlsx'), truthSource: duckSource('csv', file('data.csv')) },
  ];
  const results = [];
  results.rowsExpected = args.rows;
  let broken = false;
  for (const testCase of cases) {
    let profile;
    try {
      profile = runProfiler(args.binary, testCase.file);
    } catch (error) {
      console.error(String(error.message ?? error));
      results.push({ file: testCase.label, column: '(file)', what: 'analyze', ours: 'failed', theirs: 'profile', ok: false });
      broken = true;
      continue;
    }
    fs.writeFileSync(path.join(out, `${testCase.label}.analysis.json`), JSON.stringify(profile, null, 1));
    await compareFile(connection, testCase, profile, results);
  }
  printTable(results);
  const mismatches = results.filter((r) => !r.ok).length;
  console.log(`\n${results.length - mismatches} of ${results.length} checks agree with DuckDB; ${mismatches} mismatches. Files in ${out}`);
  process.exit(mismatches > 0 ? (broken ? 2 : 1) : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
