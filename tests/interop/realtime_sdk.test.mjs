// The official `centrifuge` SDK (5.x) against the real server: connect,
// subscribe, publications from the server API, presence, join/leave,
// history, permissions and the server API's key check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRealtime, api, makeWorkspace, sdk, once, token, API_KEY } from './realtime_lib.mjs';

let server;
let ws1;
let ws2;
const clients = [];

function track(c) {
  clients.push(c);
  return c;
}

before(async () => {
  server = await startRealtime();
  ws1 = await makeWorkspace(server, 'alice', ['bob']);
  ws2 = await makeWorkspace(server, 'carol');
});

after(async () => {
  for (const c of clients) c.disconnect();
  // A clean exit also means no sanitizer report in sanitizer builds.
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exited with ${exit.code}; output:\n${server.output().slice(-4000)}`);
  server.cleanup();
});

test('connect with a token and get the client id', async () => {
  const c = track(sdk(server, 'alice'));
  const connected = once(c, 'connected');
  c.connect();
  const ctx = await connected;
  assert.match(ctx.client, /^[0-9a-f-]{36}$/);
  assert.equal(ctx.transport, 'websocket');
});

test('publications made through /api/publish reach subscribers', async () => {
  const c = track(sdk(server, 'alice'));
  c.connect();
  // Document channels carry committed ops only, so a workspace channel
  // (also recoverable) takes server API publications here.
  const channel = `workspace:${await makeWorkspace(server, 'alice')}`;
  const sub = c.newSubscription(channel);
  const subscribed = once(sub, 'subscribed');
  sub.subscribe();
  const ctx = await subscribed;
  assert.equal(ctx.recoverable, true, 'workspace channels force recovery');

  const received = [];
  sub.on('publication', (p) => received.push(p));
  for (let i = 1; i <= 3; i++) {
    const res = await api(server, 'publish', { channel, data: { n: i } });
    assert.equal(res.status, 200);
    assert.equal(res.body.result.offset, ctx.streamPosition.offset + i);
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(received.map((p) => p.data.n), [1, 2, 3]);
  assert.deepEqual(received.map((p) => p.offset), [1, 2, 3].map((i) => ctx.streamPosition.offset + i));
});

test('presence, presence_stats and join/leave', async () => {
  const channel = `workspace:${await makeWorkspace(server, 'alice', ['bob'])}`;
  const a = track(sdk(server, 'alice'));
  const b = track(sdk(server, 'bob'));
  a.connect();
  b.connect();
  const subA = a.newSubscription(channel, { joinLeave: true });
  subA.subscribe();
  await subA.ready(5000);

  const joined = once(subA, 'join', (ctx) => ctx.info.user === 'bob');
  const subB = b.newSubscription(channel, { joinLeave: true });
  subB.subscribe();
  await subB.ready(5000);
  const join = await joined;
  assert.equal(join.info.user, 'bob');

  const presence = await subA.presence();
  const users = Object.values(presence.clients).map((info) => info.user).sort();
  assert.deepEqual(users, ['alice', 'bob']);
  const stats = await subA.presenceStats();
  assert.equal(stats.numClients, 2);
  assert.equal(stats.numUsers, 2);

  const left = once(subA, 'leave', (ctx) => ctx.info.user === 'bob');
  subB.unsubscribe();
  assert.equal((await left).info.user, 'bob');
  assert.equal((await subA.presenceStats()).numClients, 1);
});

test('history returns publications with offsets and epoch', async () => {
  const channel = `workspace:${ws1}`;
  for (let i = 0; i < 4; i++) await api(server, 'publish', { channel, data: { i } });
  const c = track(sdk(server, 'bob'));
  c.connect();
  const sub = c.newSubscription(channel);
  sub.subscribe();
  await sub.ready(5000);
  const history = await sub.history({ limit: 10 });
  assert.equal(history.publications.length, 4);
  assert.deepEqual(history.publications.map((p) => p.data.i), [0, 1, 2, 3]);
  assert.equal(history.offset, 4);
  assert.match(history.epoch, /^[0-9a-f]{8}$/);
  const latest = await sub.history({ limit: 2, reverse: true });
  assert.deepEqual(latest.publications.map((p) => p.data.i), [3, 2]);
});

test('a channel of another workspace is denied with 103', async () => {
  const c = track(sdk(server, 'alice'));
  c.connect();
  const sub = c.newSubscription(`doc:${ws2}:secret`);
  const unsubscribed = once(sub, 'unsubscribed');
  sub.subscribe();
  const ctx = await unsubscribed;
  assert.equal(ctx.code, 103);

  // A token that lists the channel does not help either.
  const d = track(sdk(server, 'alice', { token: token('alice', { channels: [`doc:${ws2}:*`] }) }));
  d.connect();
  const sub2 = d.newSubscription(`doc:${ws2}:secret`);
  const unsubscribed2 = once(sub2, 'unsubscribed');
  sub2.subscribe();
  assert.equal((await unsubscribed2).code, 103);
});

test('unknown rpc method gets 104', async () => {
  const c = track(sdk(server, 'alice'));
  c.connect();
  await c.ready(5000);
  await assert.rejects(c.rpc('no.such.method', {}), (err) => err.code === 104);
});

test('server API requires the key', async () => {
  const missing = await api(server, 'info', {}, {});
  assert.equal(missing.status, 401);
  assert.equal(missing.text, '');
  const wrong = await api(server, 'info', {}, { 'X-API-Key': 'nope' });
  assert.equal(wrong.status, 401);
  const header = await api(server, 'info', {}, { Authorization: `apikey ${API_KEY}` });
  assert.equal(header.status, 200);
  assert.ok(header.body.result.nodes[0].num_clients >= 0);
  const transport = await api(server, 'publish', { channel: 'nope:x', data: {} },
    { 'X-API-Key': API_KEY, 'X-Centrifugo-Error-Mode': 'transport' });
  assert.equal(transport.status, 404);
  assert.equal(transport.body.code, 102);
});
