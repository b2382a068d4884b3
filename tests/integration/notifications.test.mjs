// Notifications end to end: mentions and assignments made through real op
// submission reach the inbox, the user's personal channel (over the real
// `centrifuge` SDK), an SMTP sink and a webhook receiver, each exactly once;
// edits that add no new mention or assignment notify nobody; the inbox API
// pages, filters and marks read; email honors the user's opt-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import { token } from '../lib/server.mjs';
import {
  WEBHOOK_SECRET, createEditor, inbox, metric, setupWorkspace, sleep, startNotifyStack, until, users,
} from '../lib/notify.mjs';
import { validSignature } from '../lib/webhook_receiver.mjs';

// Time to wait after the expected deliveries for any duplicate to show up.
const SETTLE_MS = 600;

let stack;
let clients;
let workspaceId;

before(async () => {
  stack = await startNotifyStack();
  clients = users(stack.server, ['alice', 'bob', 'carol', 'dave', 'erin']);
  workspaceId = await setupWorkspace(clients, 'alice', { bob: 'editor', carol: 'viewer', dave: 'editor', erin: 'editor' });
});

after(async () => {
  const result = await stack.server.stop();
  assert.equal(result.code, 0, stack.server.output());
  await stack.smtp.close();
  await stack.webhook.close();
  stack.server.cleanup();
});

const emailsTo = (user) => stack.smtp.messages.filter((m) => m.to.includes(`${user}@example.test`));
const hooksFor = (user) => stack.webhook.calls.filter((c) => c.json?.user_id === user);

test('mention and assignment reach every sink once', async () => {
  const bob = new Centrifuge(`ws://127.0.0.1:${stack.server.port}/connection/websocket`, {
    websocket: WebSocket, token: token('bob'),
  });
  const live = [];
  const subscription = bob.newSubscription('user:bob');
  subscription.on('publication', (ctx) => live.push(ctx.data));
  const subscribed = new Promise((resolve) => subscription.once('subscribed', resolve));
  subscription.subscribe();
  bob.connect();
  await subscribed;

  try {
    const editor = await createEditor(clients.alice, workspaceId, {
      blocks: [{ text: 'Intro' }, { type: 'todo', text: 'Write the report', assignee: '' }],
    }, 'Quarterly plan');
    const mentionVersion = await editor.submit([{ p: ['blocks', 0, 'text', 5], si: ' - cc <@bob> please' }]);
    const assignVersion = await editor.submit([{ p: ['blocks', 1, 'assignee'], od: '', oi: 'bob' }]);

    const { items } = await until(async () => {
      const box = await inbox(clients.bob);
      return box.items.length >= 2 && box;
    }, 'two notifications in the inbox of bob');
    await until(() => live.length >= 2, 'two publications on user:bob');
    await until(() => emailsTo('bob').length >= 2, 'two emails to bob');
    await until(() => stack.webhook.delivered().size >= 2, 'two webhook deliveries');
    await sleep(SETTLE_MS);

    // Inbox: both unread, with the full payload. The inbox lists newest
    // delivery first, and two inbox workers may deliver these two in either
    // order, so each is found by its type.
    const box = await inbox(clients.bob);
    assert.equal(box.items.length, 2);
    assert.equal(box.unread, 2);
    const mention = box.items.find((item) => item.type === 'mention');
    const assign = box.items.find((item) => item.type === 'assign');
    assert.ok(mention, `no mention in ${JSON.stringify(box.items)}`);
    assert.ok(assign, `no assignment in ${JSON.stringify(box.items)}`);
    for (const [item, version] of [[mention, mentionVersion], [assign, assignVersion]]) {
      assert.equal(item.read, false);
      assert.equal(item.id, item.payload.event_id);
      assert.equal(item.payload.type, item.type);
      assert.equal(item.payload.workspace_id, workspaceId);
      assert.equal(item.payload.doc_id, editor.id);
      assert.equal(item.payload.doc_title, 'Quarterly plan');
      assert.equal(item.payload.actor_id, 'alice');
      assert.equal(item.payload.user_id, 'bob');
      assert.equal(item.payload.version, version);
      assert.equal(typeof item.payload.ts, 'number');
    }
    assert.deepEqual(mention.payload.path, ['blocks', 0, 'text']);
    assert.match(mention.payload.excerpt, /Intro - cc <@bob> please/);
    assert.deepEqual(assign.payload.path, ['blocks', 1, 'assignee']);
    assert.equal(assign.payload.excerpt, 'Write the report');

    // Live: one publication per notification, same ids and payloads.
    assert.equal(live.length, 2);
    const liveIds = live.map((data) => data.notification.id).sort();
    assert.deepEqual(liveIds, [mention.id, assign.id].sort());
    for (const data of live) {
      assert.equal(data.type, 'notification');
      const stored = box.items.find((item) => item.id === data.notification.id);
      assert.deepEqual(data.notification.payload, stored.payload);
    }

    // Email: one per event, to bob's token address, with a link.
    const emails = emailsTo('bob');
    assert.equal(emails.length, 2);
    for (const email of emails) {
      assert.equal(email.from, 'tandem@localhost');
      assert.ok(email.body.includes(`/documents/${editor.id}`), email.body);
    }
    const mentionMail = emails.find((m) => m.headers['x-tandem-event-id'] === mention.id);
    const assignMail = emails.find((m) => m.headers['x-tandem-event-id'] === assign.id);
    assert.ok(mentionMail, 'no email for the mention');
    assert.ok(assignMail, 'no email for the assignment');
    assert.equal(mentionMail.headers.subject, 'alice mentioned you in "Quarterly plan"');
    assert.equal(assignMail.headers.subject, 'alice assigned you a task in "Quarterly plan"');
    assert.match(mentionMail.body, /<@bob> please/);

    // Webhook: one 2xx call per event, signed, with the stored payload.
    const calls = hooksFor('bob');
    assert.equal(calls.length, 2);
    for (const call of calls) {
      assert.ok(validSignature(call.headers['x-tandem-signature'], call.body, WEBHOOK_SECRET), 'bad signature');
      assert.equal(call.headers['content-type'], 'application/json');
      assert.equal(call.headers['x-tandem-event-id'], call.json.event_id);
      const stored = box.items.find((item) => item.id === call.json.event_id);
      assert.ok(stored, `webhook event ${call.json.event_id} is not in the inbox`);
      assert.deepEqual(call.json, stored.payload);
      assert.equal(call.headers['x-tandem-topic'], `doc.${stored.type}.bob`);
    }
  } finally {
    bob.disconnect();
  }
});

test('edits without a new mention notify nobody', async () => {
  const before = { bob: (await inbox(clients.bob)).items.length, carol: (await inbox(clients.carol)).items.length };
  const editor = await createEditor(clients.alice, workspaceId, {
    blocks: [{ text: 'Notes' }, { text: 'Old: <@bob>' }, { type: 'todo', text: 'Ship it', assignee: 'bob' }],
  }, 'Edge cases');
  const hooksBefore = stack.webhook.calls.length;

  // Self-mention and a mention of a non-member: nothing.
  await editor.submit([{ p: ['blocks', 0, 'text', 5], si: ' <@alice> <@zed>' }]);
  // The same user twice in one op: one notification.
  await editor.submit([{ p: ['blocks', 0, 'text', 0], si: '<@bob> and <@bob>: ' }]);
  // A viewer is a member too: one notification, in a string deleted later.
  await editor.submit([{ p: ['blocks', 3], li: { text: 'Temporary <@carol>' } }]);
  await editor.submit([{ p: ['blocks', 3], ld: { text: 'Temporary <@carol>' } }]);
  // Moving a block that holds a mention, within one op: nothing.
  await editor.submit([{ p: ['blocks', 1], ld: { text: 'Old: <@bob>' } }, { p: ['blocks', 0], li: { text: 'Old: <@bob>' } }]);
  // Re-saving a string that already contains the mention: nothing.
  await editor.submit([{ p: ['blocks', 0], ld: { text: 'Old: <@bob>' }, li: { text: 'Old: <@bob> (edited)' } }]);
  // Setting the assignee to its current value: nothing.
  await editor.submit([{ p: ['blocks', 2, 'assignee'], od: 'bob', oi: 'bob' }]);
  // Reassigning to carol: one notification for carol.
  await editor.submit([{ p: ['blocks', 2, 'assignee'], od: 'bob', oi: 'carol' }]);
  // An author editing their own text: bob writing <@bob> is a self-mention.
  await editor.submit([{ p: ['blocks', 1, 'text', 0], si: 'me: <@bob> ' }], clients.bob);

  await until(async () => (await inbox(clients.bob)).items.length >= before.bob + 1, 'the mention of bob');
  await until(async () => (await inbox(clients.carol)).items.length >= before.carol + 2, 'two notifications of carol');
  await sleep(SETTLE_MS);

  const bobItems = (await inbox(clients.bob)).items.filter((item) => item.payload.doc_id === editor.id);
  const carolItems = (await inbox(clients.carol)).items.filter((item) => item.payload.doc_id === editor.id);
  const aliceItems = (await inbox(clients.alice)).items.filter((item) => item.payload.doc_id === editor.id);
  assert.deepEqual(bobItems.map((item) => item.type), ['mention']);
  assert.equal(bobItems[0].payload.version, 2);
  assert.deepEqual(carolItems.map((item) => item.type).sort(), ['assign', 'mention']);
  assert.equal(carolItems.find((item) => item.type === 'mention').payload.version, 3);
  assert.equal(carolItems.find((item) => item.type === 'assign').payload.version, 8);
  assert.deepEqual(aliceItems, []);
  // The webhook saw exactly the three events too.
  const newCalls = stack.webhook.calls.slice(hooksBefore).filter((c) => c.json?.doc_id === editor.id);
  assert.equal(newCalls.length, 3);
});

test('inbox pages, filters unread and marks read', async () => {
  const editor = await createEditor(clients.alice, workspaceId, { blocks: [{ text: '' }] }, 'Paging');
  for (let i = 0; i < 5; i++) await editor.submit([{ p: ['blocks', 0, 'text', 0], si: `<@dave> ${i} ` }]);
  await until(async () => (await inbox(clients.dave)).items.length >= 5, 'five notifications of dave');

  const seen = [];
  let cursor = null;
  for (let page = 0; page < 3; page++) {
    const suffix = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await clients.dave('GET', `/v1/notifications?limit=2${suffix}`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.unread_count, 5);
    seen.push(...response.body.items.map((item) => item.payload.version));
    cursor = response.body.next_cursor;
    assert.equal(cursor === null, page === 2, `page ${page} next_cursor ${cursor}`);
  }
  assert.deepEqual(seen, [5, 4, 3, 2, 1]);

  const { items } = await inbox(clients.dave);
  assert.equal((await clients.dave('POST', `/v1/notifications/${items[0].id}/read`)).status, 204);
  assert.equal((await clients.dave('POST', `/v1/notifications/${items[0].id}/read`)).status, 204);
  const unread = await clients.dave('GET', '/v1/notifications?unread=true');
  assert.equal(unread.body.unread_count, 4);
  assert.equal(unread.body.items.length, 4);
  assert.ok(!unread.body.items.some((item) => item.id === items[0].id));
  const marked = (await clients.dave('GET', '/v1/notifications')).body.items.find((item) => item.id === items[0].id);
  assert.equal(marked.read, true);
  assert.match(marked.read_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  // Another user's notification is not found, and bad input is rejected.
  assert.equal((await clients.bob('POST', `/v1/notifications/${items[1].id}/read`)).status, 404);
  assert.equal((await clients.dave('GET', '/v1/notifications?cursor=nope')).status, 400);
  assert.equal((await clients.dave('GET', '/v1/notifications?limit=0')).status, 400);
  assert.equal((await clients.dave('GET', '/v1/notifications?unread=maybe')).status, 400);

  const all = await clients.dave('POST', '/v1/notifications/read-all');
  assert.equal(all.status, 200);
  assert.equal(all.body.marked, 4);
  const after = await clients.dave('GET', '/v1/notifications?unread=true');
  assert.equal(after.body.unread_count, 0);
  assert.deepEqual(after.body.items, []);
});

test('email opt-out skips email only', async () => {
  assert.deepEqual((await clients.erin('GET', '/v1/notifications/settings')).body, { email: true });
  assert.equal((await clients.erin('PUT', '/v1/notifications/settings', { email: 'no' })).status, 400);
  assert.equal((await clients.erin('PUT', '/v1/notifications/settings', { email: false, sms: true })).status, 400);
  const put = await clients.erin('PUT', '/v1/notifications/settings', { email: false });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual((await clients.erin('GET', '/v1/notifications/settings')).body, { email: false });

  const editor = await createEditor(clients.alice, workspaceId, { text: '' }, 'Opt-out');
  await editor.submit([{ p: ['text', 0], si: 'ping <@erin>' }]);
  await until(async () => (await inbox(clients.erin)).items.length === 1, 'the notification of erin');
  await until(() => stack.webhook.delivered().size > 0 && hooksFor('erin').length === 1, 'the webhook call for erin');
  await sleep(SETTLE_MS);
  assert.equal(emailsTo('erin').length, 0);

  const metrics = await (await fetch(`${stack.server.url}/metrics`)).text();
  assert.ok(metric(metrics, 'tandem_queue_skipped_total', 'email') >= 1, metrics);
  assert.ok(metric(metrics, 'tandem_queue_delivered_total', 'inbox') >= 1, metrics);
  assert.equal(metric(metrics, 'tandem_queue_dead_letters', 'push'), 0);
});
