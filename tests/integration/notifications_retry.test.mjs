// Failure injection for notification delivery. A webhook and a mail server
// that fail for a while are retried with backoff and deliver once. A sink
// that keeps failing ends in the dead letters after the configured attempts,
// where owners (and only owners) list, redrive and delete them. An event
// that no queue is bound to is dead-lettered at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  createEditor, inbox, metric, notifyArgs, setupWorkspace, sleep, startNotifyStack, until, users,
} from '../lib/notify.mjs';

const MAX_ATTEMPTS = 4;
const WEBHOOK_TIMEOUT_MS = 500;
const SETTLE_MS = 600;

let stack;
let clients;
let workspaceId;
let editor;

before(async () => {
  stack = await startNotifyStack({
    extra: ['--notify-max-attempts', String(MAX_ATTEMPTS), '--webhook-timeout-ms', String(WEBHOOK_TIMEOUT_MS)],
  });
  clients = users(stack.server, ['alice', 'bob', 'frank', 'grace', 'mallory']);
  workspaceId = await setupWorkspace(clients, 'alice', { bob: 'editor', frank: 'editor', grace: 'editor' });
  editor = await createEditor(clients.alice, workspaceId, { text: '' }, 'Retries');
});

after(async () => {
  const result = await stack.server.stop();
  assert.equal(result.code, 0, stack.server.output());
  await stack.smtp.close();
  await stack.webhook.close();
  stack.server.cleanup();
});

const callsFor = (eventId) => stack.webhook.calls.filter((call) => call.json?.event_id === eventId && call.status);

async function deadLetters(request, query = '') {
  const response = await request('GET', `/v1/admin/dead-letters${query}`);
  assert.equal(response.status, 200, response.text);
  return response.body.items;
}

test('webhook outage is retried with backoff, then delivered once', async () => {
  // The webhook fails until the test has seen the notification in the inbox
  // and at least twice, so the inbox provably does not wait for it.
  let inboxSeen = false;
  let failures = 0;
  stack.webhook.respond = (call) => {
    if (call.json?.user_id !== 'bob') return 200;
    if (!inboxSeen || failures < 2) {
      failures++;
      return 500;
    }
    return 200;
  };
  try {
    await editor.submit([{ p: ['text', 0], si: 'hello <@bob> ' }]);
    const [notification] = await until(async () => {
      const { items } = await inbox(clients.bob);
      return items.length > 0 && items;
    }, 'the inbox of bob');
    inboxSeen = true;
    const id = notification.id;

    await until(() => callsFor(id).some((call) => call.status === 200), 'the webhook success');
    await sleep(SETTLE_MS);
    const statuses = callsFor(id).map((call) => call.status);
    assert.equal(statuses.at(-1), 200);
    assert.ok(statuses.length >= 3, `statuses ${statuses}`);
    assert.ok(statuses.length <= MAX_ATTEMPTS, `statuses ${statuses}`);
    assert.ok(statuses.slice(0, -1).every((status) => status === 500), `statuses ${statuses}`);
    assert.equal(stack.webhook.delivered().get(id), 1);
    const metrics = await (await fetch(`${stack.server.url}/metrics`)).text();
    assert.ok(metric(metrics, 'tandem_queue_retried_total', 'push') >= 2, metrics);
    assert.equal(metric(metrics, 'tandem_queue_dead_letters', 'push'), 0);
  } finally {
    stack.webhook.respond = () => 200;
  }
});

test('backoff grows between attempts', async () => {
  const times = [];
  stack.webhook.respond = (call) => {
    if (call.json?.user_id !== 'grace') return 200;
    times.push(Date.now());
    return times.length < MAX_ATTEMPTS ? 503 : 200;
  };
  try {
    await editor.submit([{ p: ['text', 0], si: 'ask <@grace> ' }]);
    await until(() => times.length === MAX_ATTEMPTS, 'every webhook attempt for grace');
    // Nominal delays are 100, 200 and 400 ms; jitter keeps at least half of each.
    const gaps = times.slice(1).map((time, i) => time - times[i]);
    assert.ok(gaps[0] >= 45, `first retry after ${gaps[0]} ms`);
    assert.ok(gaps[1] >= 95, `second retry after ${gaps[1]} ms`);
    assert.ok(gaps[2] >= 195, `third retry after ${gaps[2]} ms`);
  } finally {
    stack.webhook.respond = () => 200;
  }
});

test('webhook timeout counts as a failure', async () => {
  const before = metric(await (await fetch(`${stack.server.url}/metrics`)).text(), 'tandem_queue_retried_total', 'push');
  stack.webhook.delayMs = WEBHOOK_TIMEOUT_MS * 3;
  let eventId;
  try {
    await editor.submit([{ p: ['text', 0], si: 'slow <@bob> ' }]);
    const first = await until(() => stack.webhook.calls.find((call) => /slow <@bob>/.test(call.json?.excerpt)),
      'the first webhook call');
    eventId = first.json.event_id;
    await until(() => stack.webhook.calls.filter((call) => call.json?.event_id === eventId).length >= 2,
      'a retry after the timeout');
  } finally {
    stack.webhook.delayMs = 0;
  }
  await until(() => stack.webhook.calls.some((call) => call.json?.event_id === eventId && call.status === 200 &&
    call !== stack.webhook.calls.find((c) => c.json?.event_id === eventId)), 'a fast successful call');
  const metrics = await (await fetch(`${stack.server.url}/metrics`)).text();
  assert.ok(metric(metrics, 'tandem_queue_retried_total', 'push') > before, metrics);
  assert.ok(!(await deadLetters(clients.alice)).some((letter) => letter.event_id === eventId));
});

test('mail server outage is retried, then one email arrives', async () => {
  stack.smtp.failWith = '451 4.3.0 try again later';
  try {
    await editor.submit([{ p: ['text', 0], si: 'mail <@bob> ' }]);
    await until(() => stack.smtp.rejected >= 2, 'two rejected emails');
  } finally {
    stack.smtp.failWith = null;
  }
  const email = await until(() => stack.smtp.messages.find((m) => /mail <@bob>/.test(m.body)), 'the email');
  await sleep(SETTLE_MS);
  const id = email.headers['x-tandem-event-id'];
  assert.equal(stack.smtp.messages.filter((m) => m.headers['x-tandem-event-id'] === id).length, 1);
});

test('failing sink ends in dead letters; owners redrive once', async () => {
  stack.webhook.respond = (call) => (call.json?.user_id === 'frank' ? 500 : 200);
  await editor.submit([{ p: ['text', 0], si: 'one <@frank> ' }]);
  await editor.submit([{ p: ['text', 0], si: 'two <@frank> ' }]);

  const letters = await until(async () => {
    const items = (await deadLetters(clients.alice, '?queue=push')).filter((l) => l.payload?.user_id === 'frank');
    return items.length === 2 && items;
  }, 'two dead letters for frank');
  for (const letter of letters) {
    assert.equal(letter.queue, 'push');
    assert.equal(letter.attempts, MAX_ATTEMPTS);
    assert.equal(letter.last_error, 'webhook replied with HTTP 500');
    assert.equal(letter.workspace_id, workspaceId);
    assert.equal(letter.topic, 'doc.mention.frank');
    assert.ok(letter.first_attempt_at <= letter.last_attempt_at);
    assert.ok(letter.last_attempt_at <= letter.dead_at);
    assert.equal(callsFor(letter.event_id).length, MAX_ATTEMPTS);
  }
  // The inbox got both while the webhook failed.
  assert.equal((await inbox(clients.frank)).items.length, 2);

  // Only owners see and manage them; strangers cannot tell they exist.
  assert.deepEqual(await deadLetters(clients.bob), []);
  assert.equal((await clients.bob('POST', `/v1/admin/dead-letters/${letters[0].id}/retry`)).status, 403);
  assert.equal((await clients.bob('DELETE', `/v1/admin/dead-letters/${letters[0].id}`)).status, 403);
  assert.equal((await clients.mallory('POST', `/v1/admin/dead-letters/${letters[0].id}/retry`)).status, 404);
  assert.equal((await clients.bob('POST', '/v1/admin/dead-letters/retry-all')).body.redriven, 0);
  assert.equal((await clients.alice('GET', '/v1/admin/dead-letters?limit=0')).status, 400);
  assert.equal((await clients.alice('GET', '/v1/admin/dead-letters?cursor=x')).status, 400);

  // Fix the sink, redrive one, then the rest.
  stack.webhook.respond = () => 200;
  const first = await clients.alice('POST', `/v1/admin/dead-letters/${letters[0].id}/retry`);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.redriven, 1);
  await until(() => stack.webhook.delivered().get(letters[0].event_id) === 1, 'the redriven delivery');
  assert.equal((await clients.alice('POST', `/v1/admin/dead-letters/${letters[0].id}/retry`)).status, 404);

  const rest = await clients.alice('POST', '/v1/admin/dead-letters/retry-all');
  assert.equal(rest.status, 200, rest.text);
  assert.equal(rest.body.redriven, 1);
  await until(() => stack.webhook.delivered().get(letters[1].event_id) === 1, 'the second redriven delivery');
  await sleep(SETTLE_MS);
  for (const letter of letters) assert.equal(stack.webhook.delivered().get(letter.event_id), 1);
  assert.deepEqual(await deadLetters(clients.alice, '?queue=push'), []);
  assert.equal((await inbox(clients.frank)).items.length, 2);

  const metrics = await (await fetch(`${stack.server.url}/metrics`)).text();
  assert.ok(metric(metrics, 'tandem_queue_dead_lettered_total', 'push') >= 2, metrics);
});

test('owner deletes a dead letter', async () => {
  stack.webhook.respond = (call) => (call.json?.user_id === 'grace' ? 500 : 200);
  try {
    await editor.submit([{ p: ['text', 0], si: 'drop <@grace> ' }]);
    const [letter] = await until(async () => {
      const items = (await deadLetters(clients.alice)).filter((l) => /drop <@grace>/.test(l.payload?.excerpt));
      return items.length === 1 && items;
    }, 'the dead letter for grace');
    assert.equal((await clients.alice('DELETE', `/v1/admin/dead-letters/${letter.id}`)).status, 204);
    assert.equal((await clients.alice('DELETE', `/v1/admin/dead-letters/${letter.id}`)).status, 404);
    assert.equal((await clients.alice('DELETE', '/v1/admin/dead-letters/abc')).status, 404);
    assert.ok(!(await deadLetters(clients.alice)).some((l) => l.id === letter.id));
  } finally {
    stack.webhook.respond = () => 200;
  }
});

test('unroutable event is dead-lettered at once', async () => {
  const server = await startServer({ args: notifyArgs({ extra: ['--notify-queues', 'inbox=doc.mention.*'] }) });
  try {
    const local = users(server, ['alice', 'bob']);
    const ws = await setupWorkspace(local, 'alice', { bob: 'editor' });
    const doc = await createEditor(local.alice, ws, { todo: { text: 'Review', assignee: '' } }, 'Unbound');
    await doc.submit([{ p: ['todo', 'assignee'], od: '', oi: 'bob' }]);

    const [letter] = await until(async () => {
      const items = await deadLetters(local.alice);
      return items.length === 1 && items;
    }, 'the unroutable dead letter');
    assert.equal(letter.queue, null);
    assert.equal(letter.attempts, 0);
    assert.equal(letter.topic, 'doc.assign.bob');
    assert.equal(letter.last_error, 'no queue is bound to topic doc.assign.bob');
    assert.equal(letter.first_attempt_at, null);
    assert.deepEqual((await inbox(local.bob)).items, []);

    // A redrive routes it again; with the same bindings it comes straight back.
    assert.equal((await local.alice('POST', `/v1/admin/dead-letters/${letter.id}/retry`)).status, 200);
    const [again] = await until(async () => {
      const items = await deadLetters(local.alice);
      return items.length === 1 && items[0].id !== letter.id && items;
    }, 'the dead letter after the redrive');
    assert.equal(again.event_id, letter.event_id);
  } finally {
    const result = await server.stop();
    assert.equal(result.code, 0, server.output());
    server.cleanup();
  }
});
