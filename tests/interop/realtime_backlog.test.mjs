// A subscriber that stops reading builds a backlog. The kernel's socket
// buffers fill, the server's writes end part-way through a frame, and
// thousands of publications wait in its queue, to leave later in one
// frame. When the subscriber reads again, every publication must arrive
// intact and in order, and a WebSocket ping sent while a frame to it is
// half written must close the connection rather than corrupt the stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRealtime, api, makeWorkspace, token, rawSocket, until, sleep } from './realtime_lib.mjs';

let server;
let ws1;

before(async () => {
  server = await startRealtime(['queue_max_bytes = 33554432', 'queue_max_messages = 200000'].join('\n'));
  ws1 = await makeWorkspace(server, 'alice');
});

after(async () => {
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exited with ${exit.code}; output:\n${server.output().slice(-4000)}`);
  server.cleanup();
});

// Connects a raw socket as alice, subscribed to `channel`.
async function subscribed(channel) {
  const raw = await rawSocket(server);
  raw.errors = [];
  raw.socket.on('error', (error) => raw.errors.push(error));
  raw.socket.send([
    JSON.stringify({ id: 1, connect: { token: token('alice') } }),
    JSON.stringify({ id: 2, subscribe: { channel } }),
  ].join('\n'));
  await until(() => raw.messages.length >= 2, 5000, 'connect and subscribe replies');
  assert.ok(raw.messages[1].subscribe, `subscribe failed: ${JSON.stringify(raw.messages[1])}`);
  return raw;
}

// Publishes `count` publications {n, pad} to `channel`, numbered from
// `from`, in server API batches of at most 1 MB.
async function publish(channel, from, count, pad) {
  const perBatch = Math.max(1, Math.min(500, Math.floor(1_000_000 / (pad.length + 100))));
  for (let start = from; start < from + count; start += perBatch) {
    const commands = [];
    for (let n = start; n < Math.min(from + count, start + perBatch); n++) {
      commands.push({ publish: { channel, data: { n, pad } } });
    }
    const res = await api(server, 'batch', { commands });
    assert.equal(res.status, 200, res.text);
  }
}

test('a paused subscriber receives its whole backlog intact and in order', async () => {
  const channel = `cursor:${ws1}:backlog`;
  const raw = await subscribed(channel);
  raw.socket._socket.pause();

  // About 6 MB: far more than the kernel buffers take while the client
  // reads nothing, so the rest waits in the server's queue and goes out in large frames
  // of more messages than one sendmsg takes as separate pieces.
  const total = 40000;
  await publish(channel, 0, total, 'p'.repeat(100));
  await sleep(200);
  raw.socket._socket.resume();

  const received = () => raw.messages.filter((m) => m.push?.pub).map((m) => m.push.pub.data.n);
  await until(() => received().length >= total, 30000, `${total} publications (got ${received().length})`);
  const numbers = received();
  assert.equal(numbers.length, total);
  for (let i = 0; i < total; i++) {
    if (numbers[i] !== i) assert.fail(`publication ${i} arrived as ${numbers[i]}`);
  }
  assert.deepEqual(raw.errors, []);
  assert.equal(raw.socket.readyState, raw.socket.OPEN);
  raw.socket.close();
});

test('a ping while a frame is half written closes the connection cleanly', async () => {
  const channel = `cursor:${ws1}:halfway`;
  const raw = await subscribed(channel);
  raw.socket._socket.pause();

  // Large publications, so a write that finds the socket full stops inside
  // a frame. The ping then arrives while the rest of that frame waits.
  await publish(channel, 0, 200, 'h'.repeat(60000));
  await sleep(200);
  raw.socket.ping();
  await sleep(200);
  raw.socket._socket.resume();

  // Whatever arrived must be whole frames in order. Then the server closes
  // the connection without a close frame (1006). A protocol error in the
  // client's parser would mean a pong landed inside a frame.
  const closed = await raw.closed;
  assert.equal(closed.code, 1006);
  assert.deepEqual(raw.errors, []);
  const numbers = raw.messages.filter((m) => m.push?.pub).map((m) => m.push.pub.data.n);
  assert.ok(numbers.length < 200, `all ${numbers.length} publications arrived: no write was left half done`);
  numbers.forEach((n, i) => assert.equal(n, i));

  // The server keeps serving others.
  const other = await subscribed(channel);
  await publish(channel, 200, 1, 'after');
  await until(() => other.messages.some((m) => m.push?.pub?.data?.n === 200), 5000, 'a publication after the close');
  other.socket.close();
});
