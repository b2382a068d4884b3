// Convergence of many concurrent editors: each editor keeps its own replica
// with the real ot-json0 package, edits it at random, submits at stale
// versions and catches up by polling the op log. The server's json0 engine
// (C++) and ot-json0 (JavaScript) must agree, so every replica must end equal
// to the server's document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  Replica, createDocument, createWorkspace, fetchOps, indexLog, liveClient, randomEdit, randomSource, sleep,
} from '../lib/live.mjs';

const EDITORS = 50;
const EDITS_PER_EDITOR = 30;
const TIME_LIMIT_MS = 40000;
const SEED = Number(process.env.TANDEM_TEST_SEED ?? 20261204);

let server;

before(async () => {
  server = await startServer({ args: ['--snapshot-interval', '25'] });
});

after(async () => {
  const result = await server.stop();
  assert.equal(result.code, 0, server.output());
  server.cleanup();
});

// Submits the inflight op, which the server must accept.
async function send(replica) {
  const response = await replica.send();
  assert.equal(response.status, 200, `${replica.clientId} seq ${replica.inflight?.seq}: ${response.text}`);
}

// One editor: random edits with short pauses, at most one op in flight,
// polling now and then. Ends when every edit is acknowledged.
async function runEditor(replica, rng, deadline, stop) {
  let sending = null;
  let sendError = null;
  const flush = () => {
    if (sendError) throw sendError;
    if (sending || !replica.prepare()) return;
    sending = send(replica)
      .catch((error) => {
        sendError = error;
      })
      .finally(() => {
        sending = null;
      });
  };

  for (let n = 0; n < EDITS_PER_EDITOR && !stop.failed; n++) {
    assert.ok(Date.now() < deadline, `${replica.clientId} ran out of time after ${n} edits`);
    replica.edit(randomEdit(rng, replica.snapshot, replica.clientId));
    flush();
    if (rng.int(3) === 0) await replica.poll();
    await sleep(rng.int(20));
  }

  while (!replica.idle() && !stop.failed) {
    assert.ok(Date.now() < deadline, `${replica.clientId} could not submit everything in time`);
    if (sending) await sending;
    await replica.poll();
    flush();
  }
  if (sending) await sending;
  if (sendError) throw sendError;
}

test('50 editors converge with the server', async () => {
  const owner = liveClient(server, 'owner');
  const editors = Array.from({ length: EDITORS }, (_, i) => `editor${i}`);
  const ws = await createWorkspace(owner, Object.fromEntries(editors.map((user) => [user, 'editor'])));
  const created = await createDocument(owner, ws, { text: 'shared text', list: [], meta: {}, count: 0 });

  const replicas = editors.map((user, i) => new Replica(liveClient(server, user), created.id, `client-${i}`, created));
  const deadline = Date.now() + TIME_LIMIT_MS;
  const started = Date.now();
  // The first failure stops every editor, so none keeps sending afterwards.
  const stop = { failed: false };
  const results = await Promise.allSettled(replicas.map((replica, i) =>
    runEditor(replica, randomSource(SEED + i + 1), deadline, stop).catch((error) => {
      stop.failed = true;
      throw error;
    })));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const elapsed = Date.now() - started;

  // Everyone catches up with everything, including ops committed after it stopped.
  for (const replica of replicas) await replica.poll();

  const final = await owner('GET', `/v1/documents/${created.id}`);
  assert.equal(final.status, 200, final.text);
  const log = await fetchOps(owner, created.id, 0);
  const byKey = indexLog(log);
  assert.equal(log.length, final.body.version);
  console.log(`seed ${SEED}: ${log.length} ops from ${EDITORS} editors in ${elapsed} ms; ` +
    `text ${final.body.content.text.length} chars, list ${final.body.content.list.length} items`);

  for (const replica of replicas) {
    assert.ok(replica.idle(), `${replica.clientId} still has unsent edits`);
    assert.equal(replica.version, final.body.version, `${replica.clientId} version`);
    assert.deepEqual(replica.snapshot, final.body.content, `${replica.clientId} differs from the server`);
  }

  // The log contains each submitted op exactly once, as acknowledged.
  for (const replica of replicas) {
    const logged = log.filter((record) => record.client_id === replica.clientId);
    assert.deepEqual(logged.map((record) => record.seq), replica.submitted.map((op) => op.seq),
      `${replica.clientId} ops in the log`);
    for (const { seq } of replica.submitted) {
      const record = byKey.get(`${replica.clientId}/${seq}`);
      const reply = replica.acknowledged.get(seq);
      assert.ok(reply, `${replica.clientId} seq ${seq} was never acknowledged`);
      assert.equal(record.version, reply.version);
      assert.deepEqual(record.op, reply.op);
      assert.equal(record.user_id, `editor${replica.clientId.split('-')[1]}`);
    }
  }
  assert.equal(log.length, replicas.reduce((sum, replica) => sum + replica.submitted.length, 0));

  // Concurrency really happened: many ops were committed on top of ops their
  // editor had not seen, and the server changed some of them.
  let stale = 0;
  let changed = 0;
  for (const replica of replicas) {
    for (const { seq, op } of replica.submitted) {
      const reply = replica.acknowledged.get(seq);
      if (reply.version > replica.baseVersions.get(seq) + 1) stale++;
      if (JSON.stringify(reply.op) !== JSON.stringify(op)) changed++;
    }
  }
  console.log(`${stale} ops submitted at stale versions, ${changed} changed by the server's transform`);
  assert.ok(stale > log.length / 2, `only ${stale} of ${log.length} ops were stale`);
  assert.ok(changed > 0, 'no op was transformed');
});
