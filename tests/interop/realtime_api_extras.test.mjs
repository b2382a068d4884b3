// Centrifugo v5 server API extras (legacy POST /api, rpc, b64data,
// idempotency_key, delta, subscribe override) and the expire_at token claim,
// with the official `centrifuge` SDK against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRealtime, api, API_KEY, makeWorkspace, sdk, once, token, until, sleep } from './realtime_lib.mjs';

let server;
const clients = [];

before(async () => {
  server = await startRealtime('expired_close_delay = "1s"');
});

after(async () => {
  for (const c of clients) c.disconnect();
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exited with ${exit.code}; output:\n${server.output().slice(-4000)}`);
  server.cleanup();
});

// A connected SDK client of alice subscribed to a fresh workspace channel;
// returns the channel and the data of every publication received.
async function subscribed(options = {}) {
  const channel = `workspace:${await makeWorkspace(server, 'alice')}`;
  const c = sdk(server, 'alice');
  clients.push(c);
  c.connect();
  const sub = c.newSubscription(channel, options);
  const received = [];
  sub.on('publication', (p) => received.push(p.data));
  sub.subscribe();
  await sub.ready(5000);
  return { channel, received, c, sub };
}

async function legacy(body, headers = { 'X-API-Key': API_KEY }) {
  const response = await fetch(`${server.url}/api`, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

test('the legacy POST /api endpoint runs line-separated commands in order', async () => {
  const { channel, received } = await subscribed();
  const body = [
    JSON.stringify({ id: 1, method: 'publish', params: { channel, data: { via: 'legacy' } } }),
    JSON.stringify({ id: 2, method: 'history', params: { channel, limit: -1 } }),
    JSON.stringify({ id: 3, method: 'presence', params: { channel: 'cursor:w:d' } }),
  ].join('\n');
  const res = await legacy(body);
  assert.equal(res.status, 200, res.text);
  const lines = res.text.split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0], { id: 1, result: { offset: 1, epoch: lines[1].result.epoch } });
  assert.equal(lines[1].result.publications[0].data.via, 'legacy');
  assert.deepEqual(lines[2], { id: 3, error: { code: 108, message: 'not available' } });
  await until(() => received.length === 1, 5000, 'the publication');
  assert.deepEqual(received, [{ via: 'legacy' }]);

  assert.equal((await legacy(body, {})).status, 401);
  assert.equal((await legacy(body, { 'X-API-Key': 'wrong' })).status, 401);
  const broken = await legacy(`${JSON.stringify({ method: 'publish', params: { channel, data: {} } })}\n{"method":`);
  assert.equal(broken.status, 400);
  assert.match(broken.text, /method/);
  await sleep(200);
  assert.equal(received.length, 1, 'a rejected body must publish nothing');
});

test('b64data reaches SDK subscribers as JSON; other bytes are refused', async () => {
  const { channel, received } = await subscribed();
  const b64data = Buffer.from(JSON.stringify({ text: 'héllo ~~~???>>>' })).toString('base64');
  const res = await api(server, 'publish', { channel, b64data });
  assert.equal(res.body.result.offset, 1);
  await until(() => received.length === 1, 5000, 'the publication');
  assert.deepEqual(received, [{ text: 'héllo ~~~???>>>' }]);

  const binary = await api(server, 'publish', { channel, b64data: Buffer.from([0, 1, 2]).toString('base64') });
  assert.equal(binary.body.error.code, 107);
  const bad = await api(server, 'broadcast', { channels: [channel], b64data: '***' }, {
    'X-API-Key': API_KEY, 'X-Centrifugo-Error-Mode': 'transport',
  });
  assert.equal(bad.status, 400);
});

test('a publish repeated with the same idempotency_key is delivered once', async () => {
  const { channel, received } = await subscribed();
  const request = { channel, data: { n: 1 }, idempotency_key: 'order-17' };
  const first = await api(server, 'publish', request);
  const retry = await api(server, 'publish', request);
  assert.deepEqual(retry.body, first.body);
  const broadcast = { channels: [channel], data: { n: 2 }, idempotency_key: 'bc-1' };
  const b1 = await api(server, 'broadcast', broadcast);
  const b2 = await api(server, 'broadcast', broadcast);
  assert.deepEqual(b2.body, b1.body);
  await api(server, 'publish', { channel, data: { n: 3 } });
  await until(() => received.length >= 3, 5000, 'the publications');
  await sleep(100);
  assert.deepEqual(received, [{ n: 1 }, { n: 2 }, { n: 3 }]);
});

test('delta publications arrive in full to a subscription that asked for fossil', async () => {
  const { channel, received, sub } = await subscribed({ delta: 'fossil' });
  assert.equal(sub.state, 'subscribed');
  await api(server, 'publish', { channel, data: { doc: 'a'.repeat(200) }, delta: true });
  await api(server, 'publish', { channel, data: { doc: `${'a'.repeat(199)}b` }, delta: true });
  await until(() => received.length === 2, 5000, 'the publications');
  assert.equal(received[1].doc, `${'a'.repeat(199)}b`);
});

test('rpc on the server API: 107 without a method, 104 for unknown ones', async () => {
  assert.equal((await api(server, 'rpc', { params: {} })).body.error.code, 107);
  assert.deepEqual((await api(server, 'rpc', { method: 'doc.submit', params: {} })).body.error,
    { code: 104, message: 'method not found' });
  const transport = await api(server, 'rpc', { method: 'nope' }, {
    'X-API-Key': API_KEY, 'X-Centrifugo-Error-Mode': 'transport',
  });
  assert.equal(transport.status, 404);
  assert.equal(transport.body.code, 104);
});

test('an API subscribe with override keeps the connection out of presence', async () => {
  const ws = await makeWorkspace(server, 'alice', ['bob']);
  const channel = `workspace:${ws}`;
  const bob = sdk(server, 'bob');
  clients.push(bob);
  bob.connect();
  const watch = bob.newSubscription(channel, { joinLeave: true });
  const joins = [];
  watch.on('join', (ctx) => joins.push(ctx.info.user));
  const seen = [];
  watch.on('publication', (ctx) => seen.push(ctx.data));
  watch.subscribe();
  await watch.ready(5000);

  const alice = sdk(server, 'alice');
  clients.push(alice);
  const serverSide = [];
  alice.on('subscribed', (ctx) => serverSide.push(ctx));
  alice.connect();
  await once(alice, 'connected');

  const bad = await api(server, 'subscribe', { user: 'alice', channel, override: { presence: true } });
  assert.equal(bad.body.error.code, 107);
  assert.match(bad.body.error.message, /override\.presence/);

  const res = await api(server, 'subscribe', {
    user: 'alice', channel, override: { presence: { value: false }, force_recovery: { value: false } },
  });
  assert.deepEqual(res.body, { result: {} });
  await until(() => serverSide.length === 1, 5000, 'the server-side subscription');
  assert.equal(serverSide[0].channel, channel);
  assert.equal(serverSide[0].recoverable, false);

  const presence = await api(server, 'presence', { channel });
  assert.deepEqual(Object.values(presence.body.result.presence).map((p) => p.user), ['bob']);
  const publication = once(alice, 'publication', (ctx) => ctx.channel === channel);
  await api(server, 'publish', { channel, data: { after: 'subscribe' } });
  const got = await publication;
  assert.deepEqual(got.data, { after: 'subscribe' });
  // A join of alice would have reached bob before this publication.
  await until(() => seen.length === 1, 5000, "bob's publication");
  assert.deepEqual(joins, ['bob']);
});

const now = () => Math.floor(Date.now() / 1000);

test('expire_at 0 keeps a connection open past exp without a refresh', async () => {
  let fetched = 0;
  const c = sdk(server, 'alice', {
    token: token('alice', { exp: now() + 1, expire_at: 0 }),
    getToken: async () => {
      fetched++;
      return token('alice');
    },
  });
  clients.push(c);
  const connected = once(c, 'connected');
  c.connect();
  await connected;
  const interruptions = [];
  for (const name of ['disconnected', 'connecting']) c.on(name, (ctx) => interruptions.push({ name, ...ctx }));
  // With exp alone the SDK would refresh after 1 s, and the server would
  // close at exp plus 1 s without a refresh.
  await sleep(3000);
  assert.equal(c.state, 'connected');
  assert.equal(fetched, 0);
  assert.deepEqual(interruptions, []);
});

test('expire_at sets when the SDK refreshes, whatever exp says', async () => {
  let fetched = 0;
  const c = sdk(server, 'alice', {
    token: token('alice', { exp: now() + 3600, expire_at: now() + 1 }),
    getToken: async () => {
      fetched++;
      return token('alice');
    },
  });
  clients.push(c);
  c.connect();
  await until(() => fetched === 1, 5000, 'the SDK to fetch a new token');
  await sleep(200);
  assert.equal(c.state, 'connected');
});

test('expire_at in the past is error 110 and the SDK stays disconnected', async () => {
  const c = sdk(server, 'alice', { token: token('alice', { expire_at: now() - 10 }) });
  clients.push(c);
  const disconnected = once(c, 'disconnected');
  c.connect();
  const ctx = await disconnected;
  assert.equal(ctx.code, 110);
  await sleep(300);
  assert.equal(c.state, 'disconnected');
});
