// Helpers for live-editing tests over REST: requests that survive a server
// restart, op log paging, and a json0 replica that follows ShareDB's client
// rules (one op in flight, one pending op, remote ops transformed against
// both).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { token } from './server.mjs';

const require = createRequire(import.meta.url);
export const json0 = require('ot-json0').type;

// Each request gives up after this long, so a killed server cannot hang a test.
const REQUEST_TIMEOUT_MS = 15000;

// A REST client for one user that reads `target.url` on every request, so
// tests can point it at a restarted server. Network failures reject.
export function liveClient(target, userId) {
  const bearer = token(userId);
  return async function request(method, path, body) {
    const init = {
      method,
      headers: { authorization: `Bearer ${bearer}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const response = await fetch(target.url + path, init);
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, body: json, text };
  };
}

// Creates a workspace owned by `owner` and adds `members` ({user: role}).
export async function createWorkspace(owner, members = {}) {
  const created = await owner('POST', '/v1/workspaces', { name: 'Live' });
  assert.equal(created.status, 201, created.text);
  for (const [user, role] of Object.entries(members)) {
    const put = await owner('PUT', `/v1/workspaces/${created.body.id}/members/${user}`, { role });
    assert.equal(put.status, 200, put.text);
  }
  return created.body.id;
}

export async function createDocument(request, workspaceId, content, title = 'Live document') {
  const created = await request('POST', `/v1/workspaces/${workspaceId}/documents`, { title, content });
  assert.equal(created.status, 201, created.text);
  return created.body;
}

// Every op with from < version <= to (to: the newest when omitted), paging
// through the 1000-op limit.
export async function fetchOps(request, documentId, from, to) {
  const ops = [];
  let next = from;
  for (;;) {
    const range = to === undefined ? '' : `&to=${to}`;
    const page = await request('GET', `/v1/documents/${documentId}/ops?from=${next}${range}&limit=1000`);
    assert.equal(page.status, 200, page.text);
    ops.push(...page.body.ops);
    if (page.body.ops.length < 1000) return ops;
    next = page.body.ops.at(-1).version;
  }
}

// Asserts that the log contains versions 1..n in order and no (client_id, seq)
// twice. Returns a map from "client_id/seq" to the log record.
export function indexLog(ops) {
  const byKey = new Map();
  ops.forEach((record, index) => {
    assert.equal(record.version, index + 1, `op log has a gap or is out of order at index ${index}`);
    const key = `${record.client_id}/${record.seq}`;
    assert.ok(!byKey.has(key), `op log holds ${key} twice (versions ${byKey.get(key)?.version} and ${record.version})`);
    byKey.set(key, record);
  });
  return byKey;
}

export function clone(value) {
  return structuredClone(value);
}

// One editor's view of a document, kept in step with the server as a
// ShareDB client does. Local edits apply at once and collect in `pending`;
// at most one op (`inflight`) is submitted at a time. Incoming ops come from
// the op log. An op with this replica's client_id and the inflight seq is
// the acknowledgement. Any other op is transformed against inflight and
// pending and then applied. Client ops take the left side there because the
// server puts incoming ops on the left, as ShareDB does.
export class Replica {
  constructor(request, documentId, clientId, document) {
    this.request = request;
    this.documentId = documentId;
    this.clientId = clientId;
    this.version = document.version;
    this.snapshot = clone(document.content);
    this.inflight = null; // {op, seq}
    this.pending = null;
    this.nextSeq = 1;
    this.submitted = []; // every {seq, op} handed to inflight, in order
    this.acknowledged = new Map(); // seq -> {version, op} from a 200 reply
    this.baseVersions = new Map(); // seq -> the version of its latest submit
    this.polling = null;
    this.seen = new Map(); // version -> "client_id/seq" of every op received
  }

  // Applies a local op (relative to `snapshot`) and queues it.
  edit(op) {
    this.snapshot = json0.apply(clone(this.snapshot), clone(op));
    this.pending = this.pending ? json0.compose(this.pending, op) : clone(op);
  }

  // Moves pending to inflight when nothing is in flight. Returns true when
  // there is an inflight op to send.
  prepare() {
    if (!this.inflight && this.pending) {
      this.inflight = { op: this.pending, seq: this.nextSeq++ };
      this.pending = null;
      this.submitted.push({ seq: this.inflight.seq, op: clone(this.inflight.op) });
    }
    return this.inflight !== null;
  }

  // Submits the inflight op at the replica's version. Returns the response;
  // throws on network failure. A 200 reply is recorded as acknowledged but
  // inflight is cleared only when the op arrives through `poll`, so remote
  // ops committed before it are transformed first.
  async send() {
    const { op, seq } = this.inflight;
    const body = { version: this.version, op, client_id: this.clientId, seq };
    this.baseVersions.set(seq, this.version);
    const response = await this.request('POST', `/v1/documents/${this.documentId}/ops`, body);
    if (response.status === 200) this.acknowledged.set(seq, response.body);
    return response;
  }

  // Fetches and processes every op after the replica's version. Concurrent
  // calls share one fetch.
  poll() {
    if (!this.polling) {
      this.polling = (async () => {
        try {
          const ops = await fetchOps(this.request, this.documentId, this.version);
          for (const record of ops) this.receive(record);
        } finally {
          this.polling = null;
        }
      })();
    }
    return this.polling;
  }

  receive(record) {
    if (record.version <= this.version) return;
    assert.equal(record.version, this.version + 1, `${this.clientId} missed an op before version ${record.version}`);
    this.seen.set(record.version, `${record.client_id}/${record.seq}`);

    const inflight = this.inflight;
    if (inflight && record.client_id === this.clientId && record.seq === inflight.seq) {
      this.inflight = null;
      this.version = record.version;
      return;
    }
    // Earlier seqs were acknowledged before this one was sent, so any other
    // op of this client in the log is a duplicate.
    assert.notEqual(record.client_id, this.clientId,
      `${this.clientId} found its seq ${record.seq} again at version ${record.version} (in flight: ${inflight?.seq})`);

    let remote = record.op;
    if (this.inflight) [this.inflight.op, remote] = json0.transformX(this.inflight.op, remote);
    if (this.pending) [this.pending, remote] = json0.transformX(this.pending, remote);
    this.snapshot = json0.apply(clone(this.snapshot), remote);
    this.version = record.version;
  }

  idle() {
    return this.inflight === null && this.pending === null;
  }
}

// A small seeded PRNG (mulberry32), so a failing run can be repeated.
export function randomSource(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (bound) => Math.floor(next() * bound),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

const WORDS = ['a', 'lo', 'xyz', 'é', 'Ω', ' ', 'tandem', '\n'];
const KEYS = ['a', 'b', 'c', 'd'];

// A random json0 op that applies to `snapshot`, which has the shape
// {text: string, list: [], meta: {}, count: number}: string inserts and
// deletes, list inserts, deletes, replaces and moves, object inserts,
// replaces and deletes, number adds, and string inserts and number adds
// inside list items and object values. `tag` makes inserted values unique.
export function randomEdit(rng, snapshot, tag) {
  const text = snapshot.text;
  const list = snapshot.list;
  const roll = rng.int(100);

  if (roll < 30 || (roll < 45 && text.length === 0)) {
    return [{ p: ['text', rng.int(text.length + 1)], si: rng.pick(WORDS) + rng.pick(WORDS) }];
  }
  if (roll < 45) {
    const offset = rng.int(text.length);
    return [{ p: ['text', offset], sd: text.slice(offset, offset + 1 + rng.int(4)) }];
  }
  if (roll < 60 || list.length === 0) {
    return [{ p: ['list', rng.int(list.length + 1)], li: { tag, n: rng.int(1000) } }];
  }
  if (roll < 68) {
    const index = rng.int(list.length);
    return [{ p: ['list', index], ld: list[index] }];
  }
  if (roll < 74) {
    const index = rng.int(list.length);
    return [{ p: ['list', index], ld: list[index], li: `${tag} replaced` }];
  }
  if (roll < 80) {
    return [{ p: ['list', rng.int(list.length)], lm: rng.int(list.length) }];
  }
  if (roll < 90) {
    // Edits inside list items and object values, whose paths other ops move.
    const index = rng.int(list.length);
    const item = list[index];
    if (item !== null && typeof item === 'object') {
      if (rng.int(2)) return [{ p: ['list', index, 'n'], na: 1 + rng.int(5) }];
      return [{ p: ['list', index, 'tag', rng.int(item.tag.length + 1)], si: rng.pick(WORDS) }];
    }
    const nested = Object.entries(snapshot.meta).find(([, value]) => typeof value === 'object');
    if (nested) return [{ p: ['meta', nested[0], 'n'], na: 1 }];
    return [{ p: ['count'], na: 1 }];
  }
  if (roll < 97) {
    const key = rng.pick(KEYS);
    const value = rng.int(2) ? `${tag}` : { by: tag, n: rng.int(100) };
    if (!(key in snapshot.meta)) return [{ p: ['meta', key], oi: value }];
    if (rng.int(3) === 0) return [{ p: ['meta', key], od: snapshot.meta[key] }];
    return [{ p: ['meta', key], od: snapshot.meta[key], oi: value }];
  }
  return [{ p: ['count'], na: 1 + rng.int(5) }];
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
