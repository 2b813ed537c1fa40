#!/usr/bin/env node
// DuckDB's SUMMARIZE of a CSV or NDJSON file through @duckdb/node-api, for bench/analysis/run.
//   node bench/analysis/duckdb_summarize.mjs FILE THREADS
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads = '1'] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const quoted = `'${file.replaceAll("'", "''")}'`;
const source = file.endsWith('.csv') ? `read_csv(${quoted})` : `read_json(${quoted}, format = 'newline_delimited')`;
const reader = await connection.runAndReadAll(`SUMMARIZE SELECT * FROM ${source}`);
console.log(`${reader.getRows().length} columns summarized`);
