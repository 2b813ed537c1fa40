// Helpers for the tests that need sample-dataset uploads: a generated CSV with
// known figures, and an upload made through the API (POST /api/v1/uploads, then
// one tus creation-with-upload request), without a browser.

// A CSV with `rows` rows: id, amount (i % 100, so the mean is 49.5 when rows is
// a multiple of 100), city (one of five) and an e-mail column (personal data).
export function sampleCsv(rows) {
  const cities = ['Pune', 'Mudhol', 'Bengaluru', 'Jaipur', 'Kochi'];
  const lines = ['id,amount,city,email'];
  for (let i = 0; i < rows; i++) {
    lines.push(`${i + 1},${i % 100},${cities[i % cities.length]},person${i}@example.com`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

// The figures the report must show for sampleCsv(rows), as the page formats them.
export function sampleFigures(rows) {
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += i % 100;
  return { rows: rows.toLocaleString('en-US'), mean: formatMean(sum / rows) };
}

// The report's number format: up to two decimals, no trailing zeros, thousands separators.
function formatMean(value) {
  const [whole, fraction = ''] = value.toFixed(2).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return Number(whole).toLocaleString('en-US') + (trimmed ? '.' + trimmed : '');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Creates an upload through the API. Resolves to the API's answer
// ({id, token, tus_url, status_url, results_url, ...}).
export async function createUpload(baseUrl, { filename, size, email }) {
  const response = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ filename, size, ...(email ? { email } : {}) }),
  });
  const body = await response.json().catch(() => null);
  if (response.status !== 201 || !body?.id) {
    throw new Error(`POST /api/v1/uploads answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body;
}

// Sends `data` as one tus creation-with-upload request.
export async function sendWithTus(baseUrl, created, filename, data) {
  const metadata = `filename ${Buffer.from(filename).toString('base64')}`;
  const response = await fetch(new URL(created.tus_url, baseUrl), {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(data.length),
      'Upload-Metadata': metadata,
      'Content-Type': 'application/offset+octet-stream',
      Authorization: `Bearer ${created.token}`,
    },
    body: data,
  });
  if (response.status !== 201) throw new Error(`tus POST answered ${response.status}: ${await response.text()}`);
  const offset = Number(response.headers.get('upload-offset'));
  if (offset === data.length) return;
  // The server took the creation but not the body: send it with PATCH.
  const location = new URL(response.headers.get('location'), baseUrl);
  const patch = await fetch(location, {
    method: 'PATCH',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset || 0),
      'Content-Type': 'application/offset+octet-stream',
      Authorization: `Bearer ${created.token}`,
    },
    body: data.subarray(offset || 0),
  });
  if (patch.status !== 204) throw new Error(`tus PATCH answered ${patch.status}: ${await patch.text()}`);
}

// Polls GET /api/v1/uploads/{id} until the status is final; resolves to the last answer.
export async function waitUntilFinal(baseUrl, id, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${baseUrl}/api/v1/uploads/${id}`, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => null);
    if (body && ['completed', 'failed', 'rejected'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`upload ${id} not final after ${timeoutMs / 1000} s: ${JSON.stringify(body)}`);
    await sleep(200);
  }
}

// A completed upload of sampleCsv(rows); resolves to its id.
export async function completedUpload(baseUrl, rows = 500) {
  const data = sampleCsv(rows);
  const created = await createUpload(baseUrl, { filename: 'sample.csv', size: data.length });
  await sendWithTus(baseUrl, created, 'sample.csv', data);
  const final = await waitUntilFinal(baseUrl, created.id);
  if (final.status !== 'completed') throw new Error(`upload ${created.id} ended ${final.status}: ${final.reason ?? ''}`);
  return created.id;
}
