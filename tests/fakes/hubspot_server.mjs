#!/usr/bin/env node
// A local stand-in for the HubSpot CRM endpoints our client calls, for tests
// only. It follows HubSpot's documented behaviour: bearer-token auth (401 with
// HubSpot's error shape), request validation (400 with {status, message,
// correlationId, category}), contacts upserted by e-mail, deals upserted by a
// unique custom property, notes with associations, v4 association reads and
// writes, batch reads, CRM search (EQ, NEQ, HAS_PROPERTY, CONTAINS_TOKEN,
// associations.<type>), and the properties API.
//
// Tests steer it over an admin API (no token needed):
//   POST /__admin/faults {mode, count?, delay_ms?, retry_after?, method?, path?}
//        mode "down"  closes the connection without an answer,
//             "500"   answers 500, "429" answers 429 with Retry-After
//                     (retry_after seconds, default 10; null leaves it out),
//             "slow"  does the work, then delays the answer by delay_ms
//                     (default 2000): the client times out AFTER the write,
//             "ok"    clears the fault.
//        count limits the fault to the next n matching requests; method and
//        path (exact pathname) restrict which requests match.
//   GET  /__admin/state  every stored object, association and property, and
//        the log of API requests ({method, path, status, fault}).
//   POST /__admin/reset  forgets everything.
//
// Usage: node tests/fakes/hubspot_server.mjs --port 0 --port-file F --token T [--host 127.0.0.1]
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

const options = parseArgs(process.argv.slice(2));
const MAX_BODY = 1 << 20;

// ---- state -----------------------------------------------------------------

const OBJECT_TYPES = {contacts: '0-1', deals: '0-3', notes: '0-46'};
const TYPE_ALIASES = {
  contact: 'contacts', contacts: 'contacts', '0-1': 'contacts',
  deal: 'deals', deals: 'deals', '0-3': 'deals',
  note: 'notes', notes: 'notes', '0-46': 'notes',
};
// HUBSPOT_DEFINED association type ids: [from, to, id of the reverse type].
const ASSOCIATION_TYPES = {
  202: ['notes', 'contacts', 201], 201: ['contacts', 'notes', 202],
  214: ['notes', 'deals', 213], 213: ['deals', 'notes', 214],
  3: ['deals', 'contacts', 4], 4: ['contacts', 'deals', 3],
};
const LIFECYCLE_STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead',
  'opportunity', 'customer', 'evangelist', 'other'];
const DEAL_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled',
  'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'];

function builtinProperties() {
  const def = (name, type = 'string', extra = {}) => ({
    name, label: name, type, fieldType: type === 'number' ? 'number' : 'text',
    groupName: 'builtin', hasUniqueValue: false, hubspotDefined: true, ...extra,
  });
  return {
    contacts: new Map(['email', 'firstname', 'lastname', 'company', 'phone', 'website', 'jobtitle',
      'lifecyclestage', 'hs_lead_status', 'message'].map((n) => [n, def(n, 'string',
      n === 'email' ? {hasUniqueValue: true} : {})])),
    deals: new Map([def('dealname'), def('pipeline'), def('dealstage'), def('amount', 'number'),
      def('description'), def('closedate', 'datetime'), def('hubspot_owner_id')].map((d) => [d.name, d])),
    notes: new Map([def('hs_timestamp', 'datetime'), def('hs_note_body'), def('hubspot_owner_id'),
      def('hs_attachment_ids')].map((d) => [d.name, d])),
  };
}

let state;
function reset() {
  state = {
    nextId: 1001,
    objects: {contacts: new Map(), deals: new Map(), notes: new Map()},
    properties: builtinProperties(),
    associations: [],  // {fromType, fromId, toType, toId, typeId}
    requests: [],
  };
}
reset();
let fault = {mode: 'ok'};

// ---- HTTP plumbing -----------------------------------------------------------

class ApiError extends Error {
  constructor(status, category, message, extra = {}) {
    super(message);
    Object.assign(this, {status, category, extra});
  }
}

function errorBody(status, category, message, extra = {}) {
  return {status: 'error', message, correlationId: crypto.randomUUID(), category, ...extra};
}

function validation(message, extra = {}) {
  return new ApiError(400, 'VALIDATION_ERROR', message, extra);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'VALIDATION_ERROR', 'Request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(req, text) {
  if (text.length === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new ApiError(415, 'VALIDATION_ERROR', `Content type '${type}' not supported; use application/json`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw validation(`Invalid input JSON: ${e.message}`);
  }
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {'content-type': 'application/json;charset=utf-8', ...headers});
  res.end(text);
}

function takeFault(method, path) {
  if (fault.mode === 'ok') return null;
  if (fault.method && fault.method !== method) return null;
  if (fault.path && fault.path !== path) return null;
  const active = fault;
  if (active.count !== undefined) {
    active.count -= 1;
    if (active.count <= 0) fault = {mode: 'ok'};
  }
  return active;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  try {
    if (path.startsWith('/__admin/')) {
      const body = parseJson(req, await readBody(req));
      return send(res, 200, admin(req.method, path, body));
    }
    const active = takeFault(req.method, path);
    const logEntry = {method: req.method, path, status: 0, fault: active ? active.mode : null};
    state.requests.push(logEntry);
    if (active?.mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (active?.mode === '500') {
      logEntry.status = 500;
      return send(res, 500, errorBody('error', 'INTERNAL_ERROR', 'internal error (injected)'));
    }
    if (active?.mode === '429') {
      logEntry.status = 429;
      const headers = {
        'x-hubspot-ratelimit-interval-milliseconds': '10000',
        'x-hubspot-ratelimit-max': '100',
        'x-hubspot-ratelimit-remaining': '0',
      };
      if (active.retry_after !== null) headers['retry-after'] = String(active.retry_after ?? 10);
      return send(res, 429, {
        status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT',
        correlationId: crypto.randomUUID(), policyName: 'TEN_SECONDLY_ROLLING', groupName: 'publicapi:private-app',
      }, headers);
    }
    let status;
    let answer;
    try {
      authenticate(req);
      const body = parseJson(req, await readBody(req));
      [status, answer] = route(req.method, path, url.searchParams, body);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      [status, answer] = [e.status, errorBody('error', e.category, e.message, e.extra)];
    }
    logEntry.status = status;
    if (active?.mode === 'slow') {
      setTimeout(() => { if (!res.destroyed) send(res, status, answer); }, active.delay_ms ?? 2000);
    } else {
      send(res, status, answer);
    }
  } catch (e) {
    if (e instanceof ApiError) return send(res, e.status, errorBody('error', e.category, e.message, e.extra));
    console.error(e);
    send(res, 500, errorBody('error', 'INTERNAL_ERROR', String(e)));
  }
});

function authenticate(req) {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) {
    throw new ApiError(401, 'INVALID_AUTHENTICATION',
      'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more ' +
      'details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
  }
  if (header.slice('Bearer '.length) !== options.token) {
    throw new ApiError(401, 'INVALID_AUTHENTICATION',
      'The OAuth token used to make this call expired or is not valid.');
  }
}

// ---- admin -------------------------------------------------------------------

function admin(method, path, body) {
  if (method === 'POST' && path === '/__admin/faults') {
    const modes = ['down', '500', '429', 'slow', 'ok'];
    if (!body || !modes.includes(body.mode)) throw validation(`mode must be one of ${modes.join(', ')}`);
    fault = body.mode === 'ok' ? {mode: 'ok'} : {...body};
    return {fault};
  }
  if (method === 'POST' && path === '/__admin/reset') {
    reset();
    fault = {mode: 'ok'};
    return {};
  }
  if (method === 'GET' && path === '/__admin/state') {
    const list = (type) => [...state.objects[type].values()];
    const custom = (type) => [...state.properties[type].values()].filter((p) => !p.hubspotDefined);
    return {
      contacts: list('contacts'), notes: list('notes'), deals: list('deals'),
      associations: state.associations,
      properties: {contacts: custom('contacts'), deals: custom('deals'), notes: custom('notes')},
      requests: state.requests,
      fault,
    };
  }
  throw new ApiError(404, 'OBJECT_NOT_FOUND', `no admin route ${method} ${path}`);
}

// ---- API routes ----------------------------------------------------------------

function route(method, path, query, body) {
  let m;
  if (method === 'POST' && (m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/batch\/upsert$/))) {
    return [200, batchUpsert(objectType(m[1]), body)];
  }
  if (method === 'POST' && (m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/batch\/read$/))) {
    return batchRead(objectType(m[1]), body);
  }
  if (method === 'POST' && (m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/search$/))) {
    return [200, search(objectType(m[1]), body)];
  }
  if (method === 'POST' && (m = path.match(/^\/crm\/v3\/objects\/([^/]+)$/))) {
    return [201, createObject(objectType(m[1]), body)];
  }
  if (method === 'GET' && (m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/))) {
    return [200, publicRecord(findRecord(objectType(m[1]), m[2]), null)];
  }
  if (method === 'GET' && (m = path.match(/^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)$/))) {
    return [200, listAssociations(objectType(m[1]), m[2], objectType(m[3]), query)];
  }
  if (method === 'PUT' &&
      (m = path.match(/^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)\/([^/]+)$/))) {
    return [200, putAssociation(objectType(m[1]), m[2], objectType(m[3]), m[4], body)];
  }
  if (method === 'GET' && (m = path.match(/^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/))) {
    const type = objectType(m[1]);
    const property = state.properties[type].get(m[2]);
    if (!property) throw new ApiError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${m[2]} on ${type}`);
    return [200, property];
  }
  if (method === 'POST' && (m = path.match(/^\/crm\/v3\/properties\/([^/]+)$/))) {
    return [201, createProperty(objectType(m[1]), body)];
  }
  throw new ApiError(404, 'OBJECT_NOT_FOUND', `Resource not found: ${method} ${path}`);
}

function objectType(name) {
  const type = TYPE_ALIASES[name.toLowerCase()];
  if (!type) throw new ApiError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${name}`);
  return type;
}

function requireObject(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validation(`${what} must be a JSON object`);
  }
  return value;
}

function requireInputs(body) {
  requireObject(body, 'request body');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw validation('inputs must be a non-empty array');
  if (body.inputs.length > 100) throw validation('inputs may hold at most 100 items');
  return body.inputs;
}

function now() {
  return new Date().toISOString();
}

// HubSpot's answer to invalid property values: one VALIDATION_ERROR listing them.
function checkProperties(type, properties, {creating}) {
  requireObject(properties, 'properties');
  const problems = [];
  for (const [name, value] of Object.entries(properties)) {
    const def = state.properties[type].get(name);
    if (!def) {
      problems.push({isValid: false, message: `Property "${name}" does not exist`, error: 'PROPERTY_DOESNT_EXIST', name});
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && value !== null) {
      problems.push({isValid: false, message: `${value} was not a valid value`, error: 'INVALID_TYPE', name});
      continue;
    }
    const text = value === null ? '' : String(value);
    if (def.type === 'number' && text !== '' && !/^-?\d+(\.\d+)?$/.test(text)) {
      problems.push({isValid: false, message: `${text} was not a valid number.`, error: 'INVALID_LONG', name});
    }
    if (name === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
      problems.push({isValid: false, message: `Email address ${text} is invalid`, error: 'INVALID_EMAIL', name});
    }
    if (name === 'lifecyclestage' && text !== '' && !LIFECYCLE_STAGES.includes(text)) {
      problems.push({isValid: false, message: `${text} was not one of the allowed options`, error: 'INVALID_OPTION', name});
    }
    if (name === 'dealstage' && !DEAL_STAGES.includes(text)) {
      problems.push({isValid: false, message: `${text} is not a valid deal stage`, error: 'INVALID_OPTION', name});
    }
    if (name === 'pipeline' && text !== 'default') {
      problems.push({isValid: false, message: `${text} is not a valid pipeline`, error: 'INVALID_OPTION', name});
    }
  }
  if (creating && type === 'deals') {
    for (const name of ['dealname', 'dealstage']) {
      if (!properties[name]) problems.push({isValid: false, message: `${name} is required`, error: 'REQUIRED', name});
    }
  }
  if (creating && type === 'notes' && !properties.hs_timestamp) {
    problems.push({isValid: false, message: 'hs_timestamp is required', error: 'REQUIRED', name: 'hs_timestamp'});
  }
  if (properties.hs_timestamp !== undefined && !validTimestamp(properties.hs_timestamp)) {
    problems.push({isValid: false, message: 'hs_timestamp must be a Unix time in ms or an ISO 8601 date',
      error: 'INVALID_DATE', name: 'hs_timestamp'});
  }
  if (problems.length > 0) {
    throw validation(`Property values were not valid: ${JSON.stringify(problems)}`);
  }
}

function validTimestamp(value) {
  const text = String(value);
  return /^\d{10,16}$/.test(text) || !Number.isNaN(Date.parse(text));
}

function stringify(properties) {
  const out = {};
  for (const [k, v] of Object.entries(properties)) out[k] = v === null ? '' : String(v);
  return out;
}

function newRecord(type, properties) {
  const id = String(state.nextId++);
  const at = now();
  const record = {id, properties: {...stringify(properties), hs_object_id: id, createdate: at, hs_lastmodifieddate: at},
    createdAt: at, updatedAt: at, archived: false};
  state.objects[type].set(id, record);
  return record;
}

function findRecord(type, id) {
  const record = state.objects[type].get(String(id));
  if (!record) throw new ApiError(404, 'OBJECT_NOT_FOUND', `resource not found: ${type} ${id}`);
  return record;
}

function publicRecord(record, wanted) {
  let properties = record.properties;
  if (wanted) {
    properties = {};
    for (const name of [...wanted, 'hs_object_id', 'createdate', 'hs_lastmodifieddate']) {
      if (record.properties[name] !== undefined) properties[name] = record.properties[name];
    }
  }
  return {id: record.id, properties, createdAt: record.createdAt, updatedAt: record.updatedAt, archived: false};
}

function sameValue(type, property, a, b) {
  return property === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function batchUpsert(type, body) {
  const startedAt = now();
  const results = [];
  for (const input of requireInputs(body)) {
    requireObject(input, 'input');
    const {idProperty, id} = input;
    if (typeof idProperty !== 'string' || typeof id !== 'string' || id === '') {
      throw validation('each input needs idProperty and id');
    }
    const def = state.properties[type].get(idProperty);
    if (!def || !def.hasUniqueValue) {
      throw validation(`Property ${idProperty} is not a unique identifier property for ${type}`);
    }
    const properties = input.properties ?? {};
    const existing = [...state.objects[type].values()].find(
        (r) => r.properties[idProperty] !== undefined && sameValue(type, idProperty, r.properties[idProperty], id));
    checkProperties(type, properties, {creating: !existing});
    if (existing) {
      Object.assign(existing.properties, stringify(properties));
      existing.updatedAt = existing.properties.hs_lastmodifieddate = now();
      results.push({...publicRecord(existing, null), new: false});
    } else {
      const record = newRecord(type, {...properties, [idProperty]: id});
      results.push({...publicRecord(record, null), new: true});
    }
  }
  return {status: 'COMPLETE', results, startedAt, completedAt: now()};
}

function checkAssociation(fromType, spec) {
  requireObject(spec, 'association');
  if (!spec.to || (typeof spec.to.id !== 'string' && typeof spec.to.id !== 'number')) {
    throw validation('association.to.id is required');
  }
  if (!Array.isArray(spec.types) || spec.types.length === 0) throw validation('association.types is required');
  return spec.types.map((t) => {
    const known = ASSOCIATION_TYPES[t.associationTypeId];
    if (t.associationCategory !== 'HUBSPOT_DEFINED' || !known || known[0] !== fromType) {
      throw validation(`${t.associationCategory} ${t.associationTypeId} is not a valid association type from ${fromType}`);
    }
    findRecord(known[1], spec.to.id);  // 404 when the target does not exist
    return {toType: known[1], toId: String(spec.to.id), typeId: t.associationTypeId};
  });
}

function associate(fromType, fromId, toType, toId, typeId) {
  const exists = state.associations.some((a) => a.fromType === fromType && a.fromId === fromId &&
      a.toType === toType && a.toId === toId && a.typeId === typeId);
  if (!exists) state.associations.push({fromType, fromId, toType, toId, typeId});
}

function createObject(type, body) {
  requireObject(body, 'request body');
  const properties = body.properties;
  if (properties === undefined) throw validation('properties is required');
  checkProperties(type, properties, {creating: true});
  const links = (body.associations ?? []).flatMap((spec) => checkAssociation(type, spec));
  const record = newRecord(type, properties);
  for (const link of links) associate(type, record.id, link.toType, link.toId, link.typeId);
  return publicRecord(record, null);
}

function batchRead(type, body) {
  const wanted = Array.isArray(body?.properties) ? body.properties : [];
  const results = [];
  const missing = [];
  for (const input of requireInputs(body)) {
    const record = state.objects[type].get(String(input?.id));
    if (record) results.push(publicRecord(record, wanted));
    else missing.push(String(input?.id));
  }
  const answer = {status: 'COMPLETE', results, startedAt: now(), completedAt: now()};
  if (missing.length === 0) return [200, answer];
  return [207, {...answer, numErrors: 1, errors: [{status: 'error', category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${type} objects, they may be deleted or not exist.`, context: {ids: missing}}]}];
}

// All records of `toType` linked to (type, id) in either direction.
function linkedIds(type, id, toType) {
  const ids = new Map();  // id -> [typeId]
  for (const a of state.associations) {
    let other = null;
    let typeId = null;
    if (a.fromType === type && a.fromId === id && a.toType === toType) [other, typeId] = [a.toId, a.typeId];
    else if (a.toType === type && a.toId === id && a.fromType === toType) {
      [other, typeId] = [a.fromId, ASSOCIATION_TYPES[a.typeId][2]];
    }
    if (other === null) continue;
    if (!ids.has(other)) ids.set(other, []);
    if (!ids.get(other).includes(typeId)) ids.get(other).push(typeId);
  }
  return ids;
}

function listAssociations(type, id, toType, query) {
  findRecord(type, id);
  const limit = Math.min(Number(query.get('limit') ?? 500) || 500, 500);
  const offset = Number(query.get('after') ?? 0) || 0;
  const all = [...linkedIds(type, id, toType).entries()];
  const page = all.slice(offset, offset + limit).map(([other, typeIds]) => ({
    toObjectId: Number(other),
    associationTypes: typeIds.map((typeId) => ({category: 'HUBSPOT_DEFINED', typeId, label: null})),
  }));
  const answer = {results: page};
  if (offset + limit < all.length) answer.paging = {next: {after: String(offset + limit)}};
  return answer;
}

function putAssociation(fromType, fromId, toType, toId, body) {
  findRecord(fromType, fromId);
  findRecord(toType, toId);
  if (!Array.isArray(body) || body.length === 0) throw validation('body must be a non-empty array of association types');
  for (const t of body) {
    const known = ASSOCIATION_TYPES[t?.associationTypeId];
    if (t?.associationCategory !== 'HUBSPOT_DEFINED' || !known || known[0] !== fromType || known[1] !== toType) {
      throw validation(`${t?.associationCategory} ${t?.associationTypeId} is not a valid association type ` +
          `from ${fromType} to ${toType}`);
    }
    associate(fromType, String(fromId), toType, String(toId), t.associationTypeId);
  }
  return {fromObjectTypeId: OBJECT_TYPES[fromType], fromObjectId: Number(fromId),
    toObjectTypeId: OBJECT_TYPES[toType], toObjectId: Number(toId), labels: []};
}

function tokens(text) {
  return String(text).replace(/<[^>]*>/g, ' ').split(/\s+/).filter((t) => t !== '');
}

function matches(type, record, filter) {
  const {propertyName, operator, value} = filter;
  let actual = record.properties[propertyName];
  if (propertyName?.startsWith('associations.')) {
    const toType = objectType(propertyName.slice('associations.'.length));
    const linked = [...linkedIds(type, record.id, toType).keys()];
    if (operator === 'EQ') return linked.includes(String(value));
    if (operator === 'NEQ') return !linked.includes(String(value));
    if (operator === 'HAS_PROPERTY') return linked.length > 0;
    if (operator === 'NOT_HAS_PROPERTY') return linked.length === 0;
    throw validation(`operator ${operator} is not supported for ${propertyName}`);
  }
  switch (operator) {
    case 'EQ': return actual !== undefined && actual.toLowerCase() === String(value).toLowerCase();
    case 'NEQ': return actual === undefined || actual.toLowerCase() !== String(value).toLowerCase();
    case 'HAS_PROPERTY': return actual !== undefined && actual !== '';
    case 'NOT_HAS_PROPERTY': return actual === undefined || actual === '';
    case 'CONTAINS_TOKEN': {
      if (actual === undefined) return false;
      const pattern = new RegExp('^' + String(value).split('*').map(
          (part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
      return tokens(actual).some((token) => pattern.test(token));
    }
    default: throw validation(`operator ${operator} is not supported`);
  }
}

function search(type, body) {
  requireObject(body, 'request body');
  const groups = body.filterGroups ?? [];
  if (!Array.isArray(groups) || groups.length > 5) throw validation('filterGroups must be an array of at most 5');
  for (const g of groups) {
    if (!Array.isArray(g?.filters) || g.filters.length === 0 || g.filters.length > 6) {
      throw validation('each filter group needs 1 to 6 filters');
    }
    for (const f of g.filters) {
      if (typeof f?.propertyName !== 'string' || typeof f?.operator !== 'string') {
        throw validation('each filter needs propertyName and operator');
      }
    }
  }
  const all = [...state.objects[type].values()].filter((record) =>
    groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(type, record, f))));
  const limit = Math.min(Number(body.limit ?? 10) || 10, 200);
  const offset = Number(body.after ?? 0) || 0;
  const wanted = Array.isArray(body.properties) ? body.properties : [];
  const answer = {total: all.length, results: all.slice(offset, offset + limit).map((r) => publicRecord(r, wanted))};
  if (offset + limit < all.length) answer.paging = {next: {after: String(offset + limit)}};
  return answer;
}

function createProperty(type, body) {
  requireObject(body, 'request body');
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((k) => typeof body[k] !== 'string');
  if (missing.length > 0) throw validation(`Missing required fields: ${missing.join(', ')}`);
  if (!/^[a-z][a-z0-9_]*$/.test(body.name)) throw validation(`Invalid property name: ${body.name}`);
  if (!['string', 'number', 'date', 'datetime', 'enumeration', 'bool'].includes(body.type)) {
    throw validation(`Invalid property type: ${body.type}`);
  }
  if (state.properties[type].has(body.name)) {
    throw new ApiError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${body.name}' already exists.`);
  }
  const at = now();
  const property = {
    name: body.name, label: body.label, type: body.type, fieldType: body.fieldType, groupName: body.groupName,
    description: body.description ?? '', hasUniqueValue: body.hasUniqueValue === true,
    formField: body.formField === true, hidden: false, hubspotDefined: false, createdAt: at, updatedAt: at,
  };
  state.properties[type].set(body.name, property);
  return property;
}

// ---- start -------------------------------------------------------------------

function parseArgs(argv) {
  const out = {port: 0, host: '127.0.0.1', portFile: null, token: null};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--port') out.port = Number(value);
    else if (flag === '--host') out.host = value;
    else if (flag === '--port-file') out.portFile = value;
    else if (flag === '--token') out.token = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!out.token) throw new Error('--token is required');
  return out;
}

server.listen(options.port, options.host, () => {
  const {port} = server.address();
  if (options.portFile) {
    fs.writeFileSync(`${options.portFile}.tmp`, String(port));
    fs.renameSync(`${options.portFile}.tmp`, options.portFile);
  }
  console.log(`hubspot fake listening on ${options.host}:${port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { server.close(); process.exit(0); });
}
