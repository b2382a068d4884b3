// Recovery after a forced disconnect and connection and subscription token
// refresh, with the official `centrifuge` SDK against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRealtime, api, makeWorkspace, sdk, once, token, until } from './realtime_lib.mjs';

let server;
const clients = [];

before(async () => {
  server = await startRealtime('[realtime.namespaces.private]\nsubscribe = "token"\nhistory_size = 10\nhistory_ttl = "1m"');
});

after(async () => {
  for (const c of clients) c.disconnect();
  // A clean exit also means no sanitizer report in sanitizer builds.
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exited with ${exit.code}; output:\n${server.output().slice(-4000)}`);
  server.cleanup();
});

test('missed publications are recovered after a forced disconnect', async () => {
  const channel = `workspace:${await makeWorkspace(server, 'alice')}`;
  const c = sdk(server, 'alice');
  clients.push(c);
  c.connect();
  const sub = c.newSubscription(channel);
  const received = [];
  sub.on('publication', (p) => received.push(p.data.n));
  sub.subscribe();
  await sub.ready(5000);
  await api(server, 'publish', { channel, data: { n: 1 } });
  await until(() => received.length === 1, 5000, 'the first publication');

  // 3011 is a reconnecting code: the SDK comes back and recovers.
  const connecting = once(c, 'connecting', (ctx) => ctx.code === 3011);
  const res = await api(server, 'disconnect', { user: 'alice', disconnect: { code: 3011, reason: 'force reconnect' } });
  assert.equal(res.status, 200);
  await connecting;
  for (const n of [2, 3, 4]) await api(server, 'publish', { channel, data: { n } });

  const resubscribed = await once(sub, 'subscribed', () => true, 10000);
  assert.equal(resubscribed.wasRecovering, true);
  assert.equal(resubscribed.recovered, true);
  await until(() => received.length === 4, 5000, 'the recovered publications');
  assert.deepEqual(received, [1, 2, 3, 4]);
});

test('recovery reports recovered=false when the history no longer covers the gap', async () => {
  const channel = `user:alice`;
  const c = sdk(server, 'alice');
  clients.push(c);
  c.connect();
  const sub = c.newSubscription(channel);
  sub.subscribe();
  await sub.ready(5000);

  const connecting = once(c, 'connecting', (ctx) => ctx.code === 3011);
  await api(server, 'disconnect', { user: 'alice', disconnect: { code: 3011, reason: 'force reconnect' } });
  await connecting;
  await api(server, 'history_remove', { channel });
  await api(server, 'publish', { channel, data: { late: true } });
  const res = await api(server, 'history_remove', { channel });
  assert.equal(res.status, 200);

  const resubscribed = await once(sub, 'subscribed', () => true, 10000);
  assert.equal(resubscribed.wasRecovering, true);
  assert.equal(resubscribed.recovered, false);
});

test('an expiring token is refreshed without losing the subscription', async () => {
  const channel = `workspace:${await makeWorkspace(server, 'alice')}`;
  let fetched = 0;
  const c = sdk(server, 'alice', {
    token: token('alice', { exp: Math.floor(Date.now() / 1000) + 2 }),
    getToken: async () => {
      fetched++;
      return token('alice', { exp: Math.floor(Date.now() / 1000) + 3600 });
    },
  });
  clients.push(c);
  c.connect();
  const sub = c.newSubscription(channel);
  sub.subscribe();
  await sub.ready(5000);

  // From here on, nothing may interrupt the connection or the subscription.
  const interruptions = [];
  for (const name of ['disconnected', 'connecting']) c.on(name, (ctx) => interruptions.push({ name, ...ctx }));
  for (const name of ['unsubscribed', 'subscribing']) sub.on(name, (ctx) => interruptions.push({ name, ...ctx }));

  await until(() => fetched === 1, 8000, 'the SDK to fetch a new token');
  await new Promise((r) => setTimeout(r, 300));
  const got = once(sub, 'publication');
  await api(server, 'publish', { channel, data: { after: 'refresh' } });
  assert.deepEqual((await got).data, { after: 'refresh' });
  assert.equal(c.state, 'connected');
  assert.deepEqual([...interruptions], []);
});

test('an expired token at connect gets 109 and the SDK retries with a new one', async () => {
  let fetched = 0;
  const c = sdk(server, 'alice', {
    token: token('alice', { exp: Math.floor(Date.now() / 1000) - 120 }),
    getToken: async () => {
      fetched++;
      return token('alice');
    },
  });
  clients.push(c);
  const connected = once(c, 'connected', () => true, 10000);
  c.connect();
  await connected;
  assert.equal(fetched, 1);
});

test('an expiring subscription token is refreshed without resubscribing', async () => {
  const channel = 'private:room';
  let fetched = 0;
  const c = sdk(server, 'alice');
  clients.push(c);
  c.connect();
  const sub = c.newSubscription(channel, {
    token: token('alice', { channel, exp: Math.floor(Date.now() / 1000) + 2 }),
    getToken: async () => {
      fetched++;
      return token('alice', { channel, exp: Math.floor(Date.now() / 1000) + 3600 });
    },
  });
  sub.subscribe();
  await sub.ready(5000);

  const interruptions = [];
  for (const name of ['unsubscribed', 'subscribing']) sub.on(name, (ctx) => interruptions.push({ name, ...ctx }));
  await until(() => fetched === 1, 8000, 'the SDK to fetch a new subscription token');
  await new Promise((r) => setTimeout(r, 300));
  const got = once(sub, 'publication');
  await api(server, 'publish', { channel, data: { still: 'subscribed' } });
  assert.deepEqual((await got).data, { still: 'subscribed' });
  assert.deepEqual([...interruptions], []);
});

test('a token channel without a subscription token is denied with 103', async () => {
  const c = sdk(server, 'alice');
  clients.push(c);
  c.connect();
  const sub = c.newSubscription('private:other');
  const unsubscribed = once(sub, 'unsubscribed');
  sub.subscribe();
  assert.equal((await unsubscribed).code, 103);
});
