// Durability under kill -9: editors submit continuously while the server is
// killed twice and restarted on the same data directory (and, in a second
// test, stopped with SIGTERM once). Editors resubmit
// every unacknowledged op with its original (client_id, seq), after catching
// up with the op log. At the end every acknowledged op must be in the log
// exactly once, as acknowledged, and every replica must equal the server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  Replica, clone, createDocument, createWorkspace, fetchOps, indexLog, json0, liveClient, randomEdit, randomSource,
  sleep,
} from '../lib/live.mjs';

const EDITORS = 10;
const KILLS = 2;
const PHASE_MS = 1500; // editing time before each kill and after the last restart
const MAX_EDITS_PER_EDITOR = 500;
const TIME_LIMIT_MS = 45000;
const SERVER_ARGS = ['--snapshot-interval', '7'];
const SEED = Number(process.env.TANDEM_TEST_SEED ?? 5);

let server;

after(async () => {
  if (!server) return;
  const result = await server.stop();
  assert.equal(result.code, 0, server.output());
  server.cleanup();
});

// True for failures to reach the server (refused, reset, timed out). An
// editor retries those, but an assertion failure ends the test.
function isNetworkError(error) {
  return !(error instanceof assert.AssertionError) &&
    (error?.name === 'TypeError' || error?.name === 'TimeoutError' || error?.name === 'AbortError');
}

// One editor that edits while `control.editing`, then submits everything
// left. A submit that cannot reach the server is retried with the same
// (client_id, seq), either at once or after a poll, which rebases it or
// shows that it was committed after all.
async function runEditor(replica, rng, control, stats) {
  let sending = null;
  let failure = null;
  let mustPoll = false;

  const trySend = () => {
    if (failure) throw failure;
    if (sending || mustPoll || !replica.prepare()) return;
    if (replica.acknowledged.has(replica.inflight.seq)) return; // committed, waiting for the poll
    const seq = replica.inflight.seq;
    const attempts = (stats.attempts.get(`${replica.clientId}/${seq}`) ?? 0) + 1;
    stats.attempts.set(`${replica.clientId}/${seq}`, attempts);
    if (attempts > 1) stats.resubmitted++;

    sending = replica.send()
      .then((response) => {
        if (response.status !== 200) {
          failure = new assert.AssertionError({ message: `${replica.clientId} seq ${seq}: ${response.status} ${response.text}` });
        }
      }, (error) => {
        if (!isNetworkError(error)) {
          failure = error;
          return;
        }
        stats.networkErrors++;
        // Half the time resubmit at once, as a reconnecting ShareDB client
        // does, so the server's deduplication after a restart is used too.
        mustPoll = rng.int(2) === 0;
      })
      .finally(() => {
        sending = null;
      });
  };

  const tryPoll = async () => {
    try {
      await replica.poll();
      mustPoll = false;
    } catch (error) {
      if (!isNetworkError(error)) throw error;
      stats.networkErrors++;
      await sleep(20);
    }
  };

  for (let n = 0; n < MAX_EDITS_PER_EDITOR && control.editing && !control.failed; n++) {
    replica.edit(randomEdit(rng, replica.snapshot, replica.clientId));
    trySend();
    if (mustPoll || rng.int(3) === 0) await tryPoll();
    await sleep(5 + rng.int(10));
  }

  while (!replica.idle() && !control.failed) {
    assert.ok(Date.now() < control.deadline, `${replica.clientId} could not submit everything in time`);
    if (sending) await sending;
    await tryPoll();
    trySend();
    await sleep(5);
  }
  if (sending) await sending;
  if (failure) throw failure;
}

// Runs the editors against a server that `interrupt` ends `count` times
// (each time restarted on the same data directory), then checks the log,
// the replicas and old versions.
async function editThroughRestarts(interrupt, count) {
  const deadline = Date.now() + TIME_LIMIT_MS;
  server = await startServer({ args: SERVER_ARGS });
  const target = { url: server.url };
  const owner = liveClient(target, 'owner');
  const users = Array.from({ length: EDITORS }, (_, i) => `editor${i}`);
  const ws = await createWorkspace(owner, Object.fromEntries(users.map((user) => [user, 'editor'])));
  const initial = { text: 'crash test', list: [], meta: {}, count: 0 };
  const created = await createDocument(owner, ws, initial);

  const replicas = users.map((user, i) => new Replica(liveClient(target, user), created.id, `crash-${i}`, created));
  const control = { editing: true, failed: false, deadline };
  const stats = { attempts: new Map(), resubmitted: 0, networkErrors: 0 };
  const editors = Promise.allSettled(replicas.map((replica, i) =>
    runEditor(replica, randomSource(SEED * 1000 + i), control, stats).catch((error) => {
      control.failed = true;
      throw error;
    })));

  const versionsAtKill = [];
  for (let kill = 0; kill < count && !control.failed; kill++) {
    await sleep(PHASE_MS);
    await interrupt(server);
    versionsAtKill.push(Math.max(...replicas.map((replica) => replica.version)));
    await sleep(200);
    server = await startServer({ dataDir: server.dataDir, args: SERVER_ARGS });
    target.url = server.url;
  }
  await sleep(PHASE_MS);
  control.editing = false;

  const failure = (await editors).find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  for (const replica of replicas) await replica.poll();

  const final = await owner('GET', `/v1/documents/${created.id}`);
  assert.equal(final.status, 200, final.text);
  const log = await fetchOps(owner, created.id, 0);
  const byKey = indexLog(log);
  assert.equal(log.length, final.body.version);
  console.log(`${log.length} ops committed; replicas were at versions ${versionsAtKill.join(' and ')} ` +
    `at the restarts; ${stats.networkErrors} failed requests, ${stats.resubmitted} resubmissions`);
  assert.ok(stats.networkErrors > 0, 'no request failed, so the restarts did not interrupt anything');

  // Every acknowledged op is in the log once, as acknowledged, and every
  // submitted op was eventually committed.
  for (const replica of replicas) {
    for (const [seq, reply] of replica.acknowledged) {
      const record = byKey.get(`${replica.clientId}/${seq}`);
      assert.ok(record, `${replica.clientId} seq ${seq} was acknowledged at version ${reply.version} but is not in the log`);
      assert.equal(record.version, reply.version, `${replica.clientId} seq ${seq} version`);
      assert.deepEqual(record.op, reply.op, `${replica.clientId} seq ${seq} op`);
    }
    const logged = log.filter((record) => record.client_id === replica.clientId).map((record) => record.seq);
    assert.deepEqual(logged, replica.submitted.map((op) => op.seq), `${replica.clientId} ops in the log`);

    // An op that a replica read before a kill is still there afterwards.
    for (const [version, key] of replica.seen) {
      assert.equal(`${log[version - 1].client_id}/${log[version - 1].seq}`, key,
        `${replica.clientId} read ${key} at version ${version}, which the log no longer has there`);
    }
  }

  // Replicas converge with the server, and the recovered document equals
  // the log replayed from the start.
  for (const replica of replicas) {
    assert.ok(replica.idle(), `${replica.clientId} still has unsent edits`);
    assert.equal(replica.version, final.body.version, `${replica.clientId} version`);
    assert.deepEqual(replica.snapshot, final.body.content, `${replica.clientId} differs from the server`);
  }
  let replayed = clone(initial);
  const history = new Map([[0, clone(initial)]]); // sampled version -> content
  const step = Math.max(1, Math.floor(log.length / 12));
  for (const record of log) {
    replayed = json0.apply(replayed, clone(record.op));
    if (record.version % step === 0) history.set(record.version, clone(replayed));
  }
  assert.deepEqual(final.body.content, replayed);

  // A clean restart keeps the same document and log.
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, server.output());
  server = await startServer({ dataDir: server.dataDir, args: SERVER_ARGS });
  target.url = server.url;
  const reloaded = await owner('GET', `/v1/documents/${created.id}`);
  assert.equal(reloaded.body.version, final.body.version);
  assert.deepEqual(reloaded.body.content, final.body.content);
  assert.deepEqual(await fetchOps(owner, created.id, 0), log);

  // Old versions, rebuilt from snapshots written before and after the restarts.
  for (const [version, content] of history) {
    const old = await owner('GET', `/v1/documents/${created.id}?version=${version}`);
    assert.equal(old.status, 200, old.text);
    assert.deepEqual(old.body.content, content, `content at version ${version}`);
  }

  const last = await server.stop();
  assert.equal(last.code, 0, server.output());
  server.cleanup();
  server = null;
}

test('acknowledged ops survive kill -9', async () => {
  await editThroughRestarts(async (running) => {
    const killed = await running.kill();
    assert.equal(killed.signal, 'SIGKILL');
  }, KILLS);
});

test('acknowledged ops survive a stop under load', async () => {
  await editThroughRestarts(async (running) => {
    const stopped = await running.stop();
    assert.equal(stopped.code, 0, running.output());
  }, 1);
});
