// Notification pipeline benchmark: end-to-end latency and sustained
// throughput of mention events through the inbox, live (user:{id} over the
// centrifuge SDK), email (test SMTP sink) and push (test webhook receiver),
// with all sinks healthy and with the webhook failing.
//
// Usage (from the repository root, after `cd tests && npm ci`):
//   TANDEM_BIN=build/release/tandem node bench/notify_bench.mjs [--paced 300] [--rate 50] [--burst 3000]
//
// Phases, each on a fresh server and data directory:
//   paced:   --paced ops at --rate ops/s, one mention each; latency from the
//            op's acknowledgement to each sink's receipt of its event.
//   burst:   --burst ops from 8 concurrent writers as fast as they are
//            acknowledged, each mentioning --fanout users; events/s until
//            every sink has every event.
//   failing: the burst again with the webhook replying 500, so the push
//            queue retries and dead-letters while the other sinks deliver.
// Every loop is bounded by its count and by TIME_LIMIT_MS.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { startServer } from '../tests/lib/server.mjs';
import { startSmtpSink } from '../tests/lib/smtp_sink.mjs';
import { startWebhookReceiver } from '../tests/lib/webhook_receiver.mjs';
import { notifyArgs, setupWorkspace, users, sleep } from '../tests/lib/notify.mjs';
import { token } from '../tests/lib/server.mjs';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { Centrifuge } = require('centrifuge');
const WebSocket = require('ws');

const { values: options } = parseArgs({
  options: {
    paced: { type: 'string', default: '300' },
    rate: { type: 'string', default: '50' },
    burst: { type: 'string', default: '3000' },
    fanout: { type: 'string', default: '4' },
    recipients: { type: 'string', default: '20' },
  },
});
const PACED = Number(options.paced);
const RATE = Number(options.rate);
const BURST = Number(options.burst);
const FANOUT = Number(options.fanout);
const RECIPIENTS = Number(options.recipients);
const WRITERS = 8;
const TIME_LIMIT_MS = 120000;

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const ms = (value) => (Number.isNaN(value) ? '-' : value.toFixed(1));

// A server with all sinks, `RECIPIENTS` members listening on user:{id}, and
// `WRITERS` documents owned by alice.
async function setup({ failingWebhook }) {
  const smtp = await startSmtpSink();
  const webhook = await startWebhookReceiver();
  if (failingWebhook) webhook.respond = () => 500;
  const received = { live: new Map(), smtp: new Map(), webhook: new Map() };
  const extra = failingWebhook ? ['--notify-max-attempts', '3'] : [];
  const server = await startServer({ args: notifyArgs({ smtp, webhook, extra }) });

  const names = Array.from({ length: RECIPIENTS }, (_, i) => `u${i}`);
  const clients = users(server, ['alice', ...names]);
  const members = Object.fromEntries(names.map((name) => [name, 'editor']));
  const workspaceId = await setupWorkspace(clients, 'alice', members);

  const sockets = [];
  for (const name of names) {
    const centrifuge = new Centrifuge(`ws://127.0.0.1:${server.port}/connection/websocket`, {
      websocket: WebSocket, token: token(name),
    });
    const subscription = centrifuge.newSubscription(`user:${name}`);
    subscription.on('publication', (ctx) => {
      const payload = ctx.data.notification.payload;
      received.live.set(`${payload.doc_id}@${payload.version}@${payload.user_id}`, performance.now());
    });
    const subscribed = new Promise((resolve) => subscription.once('subscribed', resolve));
    subscription.subscribe();
    centrifuge.connect();
    await subscribed;
    sockets.push(centrifuge);
  }

  // Receipt times by doc@version, recorded as the sinks see the events.
  const smtpPush = smtp.messages.push.bind(smtp.messages);
  smtp.messages.push = (message) => {
    const match = message.body.match(/\[(d_[a-z0-9]+)@(\d+)\]/);
    const user = message.to[0]?.split('@')[0];
    if (match) received.smtp.set(`${match[1]}@${match[2]}@${user}`, performance.now());
    return smtpPush(message);
  };
  const respond = webhook.respond;
  webhook.respond = (call) => {
    const status = respond(call);
    if (status === 200 && call.json) received.webhook.set(`${call.json.doc_id}@${call.json.version}@${call.json.user_id}`, performance.now());
    return status;
  };

  const documents = [];
  for (let i = 0; i < WRITERS; i++) {
    const created = await clients.alice('POST', `/v1/workspaces/${workspaceId}/documents`, { title: `Bench ${i}`, content: { text: '' } });
    documents.push({ id: created.body.id, version: 0, seq: 0 });
  }
  const close = async () => {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
    server.cleanup();
    await smtp.close();
    await webhook.close();
  };
  return { server, clients, documents, names, received, close };
}

// Submits one op on `document` that mentions `recipients`, with a marker
// the email body carries (doc@version), and returns the acknowledgement time.
async function submit(setupResult, document, recipients) {
  const version = document.version + 1;
  document.seq++;
  const mentions = recipients.map((user) => `<@${user}>`).join(' ');
  const op = [{ p: ['text', 0], si: `[${document.id}@${version}] ${mentions} ` }];
  const response = await setupResult.clients.alice('POST', `/v1/documents/${document.id}/ops`, {
    version: document.version, op, client_id: 'bench', seq: document.seq,
  });
  if (response.status !== 200) throw new Error(`submit failed: ${response.status} ${response.text}`);
  document.version = response.body.version;
  return performance.now();
}

async function waitFor(check, limitMs) {
  const deadline = Date.now() + limitMs;
  while (!check() && Date.now() < deadline) await sleep(20);
  return check();
}

async function metricsText(server) {
  return (await fetch(`${server.url}/metrics`)).text();
}

// The upper bound of the histogram bucket that contains quantile `q` of a
// queue's delivery latency, in milliseconds (the buckets are coarse).
function bucketQuantileMs(text, queue, q) {
  const prefix = `tandem_queue_delivery_seconds_bucket{queue="${queue}",le="`;
  const buckets = text.split('\n').filter((l) => l.startsWith(prefix)).map((l) => {
    const bound = l.slice(prefix.length, l.indexOf('"', prefix.length));
    return { le: bound === '+Inf' ? Infinity : Number(bound) * 1000, count: Number(l.split(' ').pop()) };
  });
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= q * total)?.le ?? NaN;
}

function metricValue(text, name, queue) {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{queue="${queue}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

async function pacedPhase() {
  const s = await setup({ failingWebhook: false });
  const acked = new Map();
  const started = Date.now();
  for (let i = 0; i < PACED && Date.now() - started < TIME_LIMIT_MS; i++) {
    const document = s.documents[i % WRITERS];
    const due = started + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const user = s.names[i % s.names.length];
    const at = await submit(s, document, [user]);
    acked.set(`${document.id}@${document.version}@${user}`, at);
  }
  await waitFor(() => ['live', 'smtp', 'webhook'].every((sink) => s.received[sink].size >= acked.size), 30000);

  const rows = [];
  for (const sink of ['live', 'smtp', 'webhook']) {
    const latencies = [];
    for (const [key, at] of acked) {
      if (s.received[sink].has(key)) latencies.push(s.received[sink].get(key) - at);
    }
    rows.push({ sink, delivered: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99),
      max: percentile(latencies, 100) });
  }
  const text = await metricsText(s.server);
  const server = {};
  for (const queue of ['inbox', 'email', 'push']) {
    const sum = metricValue(text, 'tandem_queue_delivery_seconds_sum', queue);
    const count = metricValue(text, 'tandem_queue_delivery_seconds_count', queue);
    server[queue] = { mean: (sum / Math.max(1, count)) * 1000, p50: bucketQuantileMs(text, queue, 0.5),
      p99: bucketQuantileMs(text, queue, 0.99) };
  }
  await s.close();
  return { sent: acked.size, rows, server };
}

async function burstPhase({ failingWebhook }) {
  const s = await setup({ failingWebhook });
  let next = 0;
  const started = performance.now();
  const deadline = Date.now() + TIME_LIMIT_MS;
  await Promise.all(s.documents.map(async (document) => {
    while (next < BURST && Date.now() < deadline) {
      const i = next++;
      const recipients = Array.from({ length: FANOUT }, (_, k) => s.names[(i * FANOUT + k) % s.names.length]);
      await submit(s, document, recipients);
    }
  }));
  const committed = performance.now();
  const sent = Math.min(next, BURST) * FANOUT;

  const done = {};
  for (const sink of ['live', 'smtp', 'webhook']) {
    if (sink === 'webhook' && failingWebhook) continue;
    await waitFor(() => s.received[sink].size >= sent, TIME_LIMIT_MS);
    done[sink] = { delivered: s.received[sink].size, seconds: (performance.now() - started) / 1000 };
  }
  let deadLettered = 0;
  if (failingWebhook) {
    const limit = Date.now() + TIME_LIMIT_MS;
    while (Date.now() < limit) {
      deadLettered = metricValue(await metricsText(s.server), 'tandem_queue_dead_letters', 'push');
      if (deadLettered >= sent) break;
      await sleep(200);
    }
    done.webhook = { deadLettered, seconds: (performance.now() - started) / 1000 };
  }
  const text = await metricsText(s.server);
  const retried = metricValue(text, 'tandem_queue_retried_total', 'push');
  await s.close();
  return { ops: sent / FANOUT, sent, commitSeconds: (committed - started) / 1000, done, retried };
}

const paced = await pacedPhase();
console.log(`paced: ${paced.sent} ops at ${RATE} ops/s, ${RECIPIENTS} recipients, latency from op ack (ms)`);
for (const row of paced.rows) {
  console.log(`  ${row.sink.padEnd(8)} delivered ${row.delivered}  p50 ${ms(row.p50)}  p99 ${ms(row.p99)}  max ${ms(row.max)}`);
}
console.log('  server histogram, op accepted to delivery acked (ms; p50/p99 are bucket upper bounds):');
for (const [queue, stats] of Object.entries(paced.server)) {
  console.log(`  ${queue.padEnd(8)} mean ${ms(stats.mean)}  p50 <= ${ms(stats.p50)}  p99 <= ${ms(stats.p99)}`);
}

for (const failingWebhook of [false, true]) {
  const burst = await burstPhase({ failingWebhook });
  const label = failingWebhook ? 'burst, webhook failing' : 'burst, all healthy';
  console.log(`${label}: ${burst.ops} ops (${burst.sent} events) committed in ${burst.commitSeconds.toFixed(2)} s ` +
    `(${(burst.ops / burst.commitSeconds).toFixed(0)} ops/s)`);
  for (const [sink, result] of Object.entries(burst.done)) {
    const count = result.delivered ?? result.deadLettered;
    const what = result.delivered !== undefined ? 'delivered' : 'dead-lettered';
    console.log(`  ${sink.padEnd(8)} ${what} ${count} in ${result.seconds.toFixed(2)} s (${(count / result.seconds).toFixed(0)} events/s)`);
  }
  if (failingWebhook) console.log(`  push retries ${burst.retried}`);
}
