// Live editing over the real `centrifuge` SDK: ops submitted with the
// doc.submit RPC or over REST are published on doc:{ws}:{doc} with offset =
// version, a client recovers missed ops from the op log even across a
// server restart, presence shows who views a document, and cursors travel
// on cursor:{ws}:{doc}.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, token } from '../lib/server.mjs';
import { Centrifuge, WebSocket, once, until, sleep } from './realtime_lib.mjs';

let server;
let ws;
let docId;
const clients = [];

function connect(user, url = server.wsUrl) {
  const c = new Centrifuge(url, { websocket: WebSocket, token: token(user), minReconnectDelay: 100, maxReconnectDelay: 300 });
  clients.push(c);
  c.connect();
  return c;
}

async function subscribe(c, channel, options = {}) {
  const sub = c.newSubscription(channel, options);
  const subscribed = once(sub, 'subscribed');
  sub.subscribe();
  return { sub, ctx: await subscribed };
}

before(async () => {
  server = await startServer();
  server.wsUrl = `ws://127.0.0.1:${server.port}/connection/websocket`;
  const alice = client(server, 'alice', { name: 'Alice' });
  ws = (await alice('POST', '/v1/workspaces', { name: 'Live' })).body.id;
  await client(server, 'bob', { name: 'Bob' })('GET', '/v1/workspaces');
  assert.equal((await alice('PUT', `/v1/workspaces/${ws}/members/bob`, { role: 'editor' })).status, 200);
  assert.equal((await alice('PUT', `/v1/workspaces/${ws}/members/vera`, { role: 'viewer' })).status, 200);
  const created = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'Live doc', content: { text: '' } });
  assert.equal(created.status, 201);
  docId = created.body.id;
});

after(async () => {
  for (const c of clients) c.disconnect();
  const exit = await server.stop();
  assert.equal(exit.code, 0, server.output().slice(-3000));
  server.cleanup();
});

test('doc.submit ops are published with offset = version', async () => {
  const viewer = connect('vera');
  const { sub, ctx } = await subscribe(viewer, `doc:${ws}:${docId}`);
  assert.equal(ctx.recoverable, true);
  const startVersion = ctx.streamPosition.offset;
  const received = [];
  sub.on('publication', (p) => received.push(p));

  const editor = connect('bob');
  await once(editor, 'connected');
  const first = await editor.rpc('doc.submit', { doc_id: docId, version: startVersion, op: [{ p: ['text', 0], si: 'hi' }], client_id: 'c-bob', seq: 1 });
  assert.deepEqual(first.data, { version: startVersion + 1, op: [{ p: ['text', 0], si: 'hi' }] });

  // A second op at the same (stale) base version is transformed past the first.
  const second = await editor.rpc('doc.submit', { doc_id: docId, version: startVersion, op: [{ p: ['text', 0], si: '>' }], client_id: 'c-bob', seq: 2 });
  assert.equal(second.data.version, startVersion + 2);

  await until(() => received.length === 2, 5000, 'two publications');
  assert.deepEqual(received.map((p) => p.offset), [startVersion + 1, startVersion + 2]);
  assert.equal(received[0].data.type, 'op');
  assert.equal(received[0].data.user_id, 'bob');
  assert.equal(received[0].data.client_id, 'c-bob');
  assert.equal(received[0].data.seq, 1);
  assert.deepEqual(received[1].data.op, second.data.op);

  const fetched = await editor.rpc('doc.fetch', { doc_id: docId });
  assert.equal(fetched.data.version, startVersion + 2);
  assert.equal(fetched.data.content.text.length, 3);
});

test('REST ops are published too', async () => {
  const viewer = connect('vera');
  const { sub, ctx } = await subscribe(viewer, `doc:${ws}:${docId}`);
  const received = [];
  sub.on('publication', (p) => received.push(p));
  const bob = client(server, 'bob');
  const response = await bob('POST', `/v1/documents/${docId}/ops`, { version: ctx.streamPosition.offset, op: [{ p: ['text', 0], si: 'R' }], client_id: 'rest-bob', seq: 1 });
  assert.equal(response.status, 200, response.text);
  await until(() => received.length === 1, 5000, 'REST publication');
  assert.equal(received[0].offset, response.body.version);
});

test('rpc errors map to application codes', async () => {
  const editor = connect('bob');
  await once(editor, 'connected');
  await assert.rejects(editor.rpc('doc.submit', { doc_id: docId, version: 0, op: [{ p: ['missing', 0], si: 'x' }], client_id: 'c-err', seq: 1 }),
    (error) => error.code === 422 && /invalid_operation/.test(error.message));
  await assert.rejects(editor.rpc('doc.submit', { doc_id: 'd_nope', version: 0, op: [], client_id: 'c-err', seq: 2 }),
    (error) => error.code === 404);
  await assert.rejects(editor.rpc('doc.submit', { doc_id: docId, version: 99999, op: [], client_id: 'c-err', seq: 3 }),
    (error) => error.code === 409);
  await assert.rejects(editor.rpc('doc.submit', { doc_id: docId }), (error) => error.code === 400);

  const viewer = connect('vera');
  await once(viewer, 'connected');
  await assert.rejects(viewer.rpc('doc.submit', { doc_id: docId, version: 0, op: [], client_id: 'c-v', seq: 1 }),
    (error) => error.code === 403);
  await assert.rejects(viewer.rpc('doc.unknown', {}), (error) => error.code === 104);
});

test('non-members and unknown documents cannot be subscribed', async () => {
  const outsider = connect('mallory');
  const sub = outsider.newSubscription(`doc:${ws}:${docId}`);
  const denied = once(sub, 'unsubscribed');
  sub.subscribe();
  assert.equal((await denied).code, 103);

  const member = connect('bob');
  const missing = member.newSubscription(`doc:${ws}:d_missing`);
  const unknown = once(missing, 'unsubscribed');
  missing.subscribe();
  assert.equal((await unknown).code, 102);
});

test('presence lists the viewers of each document', async () => {
  const bob = connect('bob');
  const { sub } = await subscribe(bob, `doc:${ws}:${docId}`);
  const alice = client(server, 'alice');
  await until(async () => {
    const presence = await alice('GET', `/v1/workspaces/${ws}/presence`);
    return presence.status === 200 && (presence.body[docId] ?? []).some((v) => v.user_id === 'bob' && v.name.length > 0);
  }, 5000, 'bob in presence');

  sub.unsubscribe();
  bob.disconnect();
  await until(async () => {
    const presence = await alice('GET', `/v1/workspaces/${ws}/presence`);
    return !(presence.body[docId] ?? []).some((v) => v.user_id === 'bob');
  }, 5000, 'bob gone from presence');

  const outsider = await client(server, 'mallory')('GET', `/v1/workspaces/${ws}/presence`);
  assert.equal(outsider.status, 403);
});

test('opening a document is announced on the workspace channel', async () => {
  const watcher = connect('alice');
  const { sub: workspace } = await subscribe(watcher, `workspace:${ws}`);
  const changes = [];
  workspace.on('publication', (p) => { if (p.data.type === 'presence') changes.push(p.data); });

  const bob = connect('bob');
  const { sub } = await subscribe(bob, `doc:${ws}:${docId}`);
  await until(async () => changes.some((c) => c.user_id === 'bob' && c.open), 5000, 'bob opening the document');
  const opened = changes.find((c) => c.user_id === 'bob' && c.open);
  assert.equal(opened.doc_id, docId);
  assert.equal(typeof opened.client_id, 'string');
  assert.ok(opened.client_id.length > 0);

  sub.unsubscribe();
  await until(async () => changes.some((c) => c.user_id === 'bob' && !c.open), 5000, 'bob closing the document');
  const closed = changes.find((c) => c.user_id === 'bob' && !c.open);
  assert.equal(closed.doc_id, docId);
  assert.equal(closed.client_id, opened.client_id);

  // Presence changes are not kept in the workspace channel's history.
  const history = await workspace.history({ limit: 100 });
  assert.equal(history.publications.some((p) => p.data.type === 'presence'), false);
  bob.disconnect();
  watcher.disconnect();
});

test('cursors travel between members', async () => {
  const bob = connect('bob');
  const vera = connect('vera');
  const channel = `cursor:${ws}:${docId}`;
  const { sub: veraSub } = await subscribe(vera, channel);
  const { sub: bobSub } = await subscribe(bob, channel);
  const got = once(veraSub, 'publication');
  await bobSub.publish({ type: 'cursor', user_id: 'bob', position: { path: ['text'], offset: 2 } });
  const publication = await got;
  assert.deepEqual(publication.data.position, { path: ['text'], offset: 2 });
  assert.equal(publication.info.user, 'bob');
});

test('a client recovers ops missed during a server restart', async () => {
  const viewer = connect('vera');
  const { sub, ctx } = await subscribe(viewer, `doc:${ws}:${docId}`);
  const received = [];
  sub.on('publication', (p) => received.push(p));
  const epoch = ctx.streamPosition.epoch;
  const before = ctx.streamPosition.offset;

  // Stop the server and commit two ops through a second server on another
  // port, so the client cannot receive them live. Then restart on the
  // original port and data directory, where the client reconnects.
  await server.stop();
  const elsewhere = await startServer({ dataDir: server.dataDir });
  const bob = client(elsewhere, 'bob');
  for (let i = 1; i <= 2; i++) {
    const response = await bob('POST', `/v1/documents/${docId}/ops`, { version: before + i - 1, op: [{ p: ['text', 0], si: `${i}` }], client_id: 'restart-bob', seq: i });
    assert.equal(response.status, 200, response.text);
  }
  await elsewhere.stop();

  const resubscribedPromise = once(sub, 'subscribed', () => true, 20000);
  const restarted = await startServer({ dataDir: server.dataDir, listen: `127.0.0.1:${server.port}` });
  restarted.wsUrl = server.wsUrl;
  server = restarted;

  const resubscribed = await resubscribedPromise;
  assert.equal(resubscribed.wasRecovering, true);
  assert.equal(resubscribed.recovered, true);
  assert.equal(resubscribed.streamPosition.epoch, epoch);
  await until(() => received.length >= 2, 5000, 'recovered publications');
  assert.deepEqual(received.map((p) => p.offset), [before + 1, before + 2]);
});

test('metadata changes reach the workspace and document channels', async () => {
  const viewer = connect('vera');
  const { sub: workspaceSub } = await subscribe(viewer, `workspace:${ws}`);
  const { sub: docSub } = await subscribe(viewer, `doc:${ws}:${docId}`);
  const onWorkspace = [];
  const onDocument = [];
  workspaceSub.on('publication', (p) => { if (p.data.type === 'meta') onWorkspace.push(p.data); });
  docSub.on('publication', (p) => onDocument.push(p.data));

  const bob = client(server, 'bob');
  const created = await bob('POST', `/v1/workspaces/${ws}/documents`, { title: 'Fresh' });
  assert.equal(created.status, 201);
  assert.equal((await bob('PATCH', `/v1/documents/${docId}`, { title: 'Renamed', tags: ['x'] })).status, 200);
  assert.equal((await bob('DELETE', `/v1/documents/${created.body.id}`)).status, 204);

  await until(() => onWorkspace.length === 3 && onDocument.length === 1, 5000, 'metadata publications');
  assert.deepEqual(onWorkspace.map((e) => [e.type, e.event, e.doc_id]), [
    ['meta', 'created', created.body.id], ['meta', 'updated', docId], ['meta', 'deleted', created.body.id]]);
  assert.equal(onDocument[0].title, 'Renamed');
  assert.deepEqual(onDocument[0].tags, ['x']);
  assert.equal(onDocument[0].user_id, 'bob');
});

test('search finds edited text within a second', async () => {
  const bob = client(server, 'bob');
  const current = await bob('GET', `/v1/documents/${docId}`);
  const word = `quokka${Date.now()}`;
  const response = await bob('POST', `/v1/documents/${docId}/ops`, {
    version: current.body.version, op: [{ p: ['text', 0], si: `${word} ` }], client_id: 'search-bob', seq: 1,
  });
  assert.equal(response.status, 200, response.text);
  const started = Date.now();
  await until(async () => (await bob('GET', `/v1/workspaces/${ws}/search?q=${word}`)).body.total === 1, 3000, 'reindex');
  assert.ok(Date.now() - started < 1500, `reindex took ${Date.now() - started} ms`);
});
