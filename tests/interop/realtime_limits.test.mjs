// Overload and bad input against the real server. A slow consumer is closed
// with 3008 while others keep receiving. Malformed JSON, binary frames,
// oversize frames, commands before connect, huge ids and cross-site origins
// each get their documented close, and the server keeps serving others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRealtime, api, makeWorkspace, sdk, once, token, rawSocket, until, sleep } from './realtime_lib.mjs';

let server;
let ws1;

before(async () => {
  server = await startRealtime(['queue_max_bytes = 262144', 'max_message_bytes = 16384'].join('\n'));
  ws1 = await makeWorkspace(server, 'alice', ['bob']);
});

after(async () => {
  // A clean exit also means no sanitizer report in sanitizer builds.
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exited with ${exit.code}; output:\n${server.output().slice(-4000)}`);
  server.cleanup();
});

// Connects a raw socket as `user` and subscribes it to `channels`.
async function rawConnected(user, channels = []) {
  const raw = await rawSocket(server);
  const frame = [JSON.stringify({ id: 1, connect: { token: token(user) } })];
  channels.forEach((channel, i) => frame.push(JSON.stringify({ id: i + 2, subscribe: { channel } })));
  raw.socket.send(frame.join('\n'));
  await until(() => raw.messages.length >= 1 + channels.length, 5000, 'connect and subscribe replies');
  assert.ok(raw.messages[0].connect, `connect failed: ${JSON.stringify(raw.messages[0])}`);
  return raw;
}

// A fresh SDK client proves the server still serves after a bad peer.
async function assertServing() {
  const c = sdk(server, 'bob');
  c.connect();
  await c.ready(5000);
  c.disconnect();
}

test('a slow consumer is closed with 3008 while a normal client keeps receiving', async () => {
  const channel = `cursor:${ws1}:slow`;
  const slow = await rawConnected('alice', [channel]);
  slow.socket._socket.pause(); // stop reading: the server's queue fills up

  const normal = sdk(server, 'bob');
  normal.connect();
  const sub = normal.newSubscription(channel);
  let received = 0;
  sub.on('publication', () => received++);
  sub.subscribe();
  await sub.ready(5000);

  // Publish in small batches until the server has dropped the slow client
  // from the channel; the normal client drains its queue between batches.
  const payload = 'x'.repeat(4 * 1024);
  let sent = 0;
  const subscribers = async () => (await api(server, 'channels', { pattern: channel })).body.result.channels[channel]?.num_clients;
  while ((await subscribers()) === 2 && sent < 5000) {
    const commands = [];
    for (let j = 0; j < 20; j++) commands.push({ publish: { channel, data: { n: sent++, payload } } });
    const res = await api(server, 'batch', { commands });
    assert.equal(res.status, 200);
  }
  assert.equal(await subscribers(), 1, `the slow client was not dropped after ${sent} publications`);

  // The close frame waits behind the stalled write: reading again lets it in.
  slow.socket._socket.resume();
  const closed = await slow.closed;
  assert.equal(closed.code, 3008);
  assert.equal(closed.reason, 'slow');
  await until(() => received === sent, 15000, `all ${sent} publications at the normal client (got ${received})`);
  const info = await api(server, 'info');
  assert.ok(info.body.result.nodes[0].num_clients >= 1);
  normal.disconnect();
});

test('malformed JSON closes with 3501', async () => {
  const raw = await rawConnected('alice');
  raw.socket.send('{"id":2,"presence":');
  assert.equal((await raw.closed).code, 3501);
  await assertServing();
});

test('a command before connect closes with 3501', async () => {
  const raw = await rawSocket(server);
  raw.socket.send(JSON.stringify({ id: 1, subscribe: { channel: `doc:${ws1}:x` } }));
  assert.equal((await raw.closed).code, 3501);
  await assertServing();
});

test('a binary frame closes with 3506', async () => {
  const raw = await rawConnected('alice');
  raw.socket.send(Buffer.from([0x7b, 0x7d]), { binary: true });
  assert.equal((await raw.closed).code, 3506);
  await assertServing();
});

test('an oversize frame closes with 3501 and names the limit, never 1009', async () => {
  const raw = await rawConnected('alice');
  raw.socket.send(JSON.stringify({ id: 2, rpc: { method: 'x', data: { big: 'y'.repeat(20000) } } }));
  const closed = await raw.closed;
  assert.equal(closed.code, 3501);
  assert.match(closed.reason, /16384 bytes/);
  await assertServing();
});

test('the SDK sees an oversize close as a terminal disconnect with the reason', async () => {
  const c = sdk(server, 'alice');
  c.connect();
  await c.ready(5000);
  const disconnected = once(c, 'disconnected');
  c.rpc('x', { big: 'z'.repeat(20000) }).catch(() => {});
  const ctx = await disconnected;
  assert.equal(ctx.code, 3501);
  assert.match(ctx.reason, /limit is 16384 bytes/);
});

test('an unknown command method closes with 3501', async () => {
  const raw = await rawConnected('alice');
  raw.socket.send(JSON.stringify({ id: 2, frobnicate: { channel: 'x' } }));
  assert.equal((await raw.closed).code, 3501);
  await assertServing();
});

test('an id above 2^32-1 closes with 3501', async () => {
  const raw = await rawConnected('alice');
  raw.socket.send('{"id":4294967296,"presence":{"channel":"x"}}');
  assert.equal((await raw.closed).code, 3501);
  await assertServing();
});

test('an invalid token closes with 3500', async () => {
  const raw = await rawSocket(server);
  raw.socket.send(JSON.stringify({ id: 1, connect: { token: token('alice', {}, 'wrong-secret') } }));
  assert.equal((await raw.closed).code, 3500);
});

test('a cross-site origin is rejected during the handshake', async () => {
  await assert.rejects(rawSocket(server, { Origin: 'https://evil.example' }), /Unexpected server response: 403/);
  const same = await rawSocket(server, { Origin: `http://127.0.0.1:${server.port}` });
  same.socket.close();
});

test('commands on one connection are answered in order', async () => {
  const raw = await rawConnected('alice');
  const frame = [];
  for (let i = 2; i < 40; i++) frame.push(JSON.stringify({ id: i, presence_stats: { channel: `doc:${ws1}:o` } }));
  raw.socket.send(frame.join('\n'));
  await until(() => raw.messages.length >= 39, 5000, 'all replies');
  const ids = raw.messages.slice(1).map((m) => m.id);
  assert.deepEqual(ids, Array.from({ length: 38 }, (_, i) => i + 2));
  raw.socket.close();
});
