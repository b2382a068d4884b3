// Helpers for notification tests: the tandem binary wired to a test SMTP
// sink and a webhook receiver, a workspace with members that have email
// addresses, and op submission that tracks the document version.
import assert from 'node:assert/strict';
import { startServer, client } from './server.mjs';
import { startSmtpSink } from './smtp_sink.mjs';
import { startWebhookReceiver } from './webhook_receiver.mjs';

export const WEBHOOK_SECRET = 'webhook-test-secret';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `check` until it returns a truthy value or `timeoutMs` passes; then
// fails with `what`.
export async function until(check, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new assert.AssertionError({ message: `timed out waiting for ${what}` });
    await sleep(50);
  }
}

// The flags that point the server at `smtp` and `webhook` (either may be
// null) with fast retries, plus `extra`.
export function notifyArgs({ smtp, webhook, extra = [] }) {
  const args = ['--notify-backoff-base-ms', '100', '--notify-backoff-max-ms', '400'];
  if (smtp) args.push('--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-tls', 'off');
  if (webhook) args.push('--webhook-url', webhook.url, '--webhook-secret', WEBHOOK_SECRET);
  return [...args, ...extra];
}

// Starts an SMTP sink, a webhook receiver and the server wired to both.
export async function startNotifyStack({ extra = [], dataDir } = {}) {
  const smtp = await startSmtpSink();
  const webhook = await startWebhookReceiver();
  const server = await startServer({ dataDir, args: notifyArgs({ smtp, webhook, extra }) });
  return { smtp, webhook, server };
}

// REST clients whose tokens carry an email address (user@example.test).
export function users(server, names) {
  const result = {};
  for (const name of names) result[name] = client(server, name, { name: `User ${name}`, email: `${name}@example.test` });
  return result;
}

// A workspace owned by `owner` with `members` ({user: role}); every user
// presents a token first so the server stores their email address.
export async function setupWorkspace(clients, owner, members) {
  for (const request of Object.values(clients)) assert.equal((await request('GET', '/v1/workspaces')).status, 200);
  const created = await clients[owner]('POST', '/v1/workspaces', { name: 'Notifications' });
  assert.equal(created.status, 201, created.text);
  for (const [user, role] of Object.entries(members)) {
    const put = await clients[owner]('PUT', `/v1/workspaces/${created.body.id}/members/${user}`, { role });
    assert.equal(put.status, 200, put.text);
  }
  return created.body.id;
}

// A document and a submitter that keeps its version: `editor.submit(op)`
// returns the committed version.
export async function createEditor(request, workspaceId, content, title = 'Plan') {
  const created = await request('POST', `/v1/workspaces/${workspaceId}/documents`, { title, content });
  assert.equal(created.status, 201, created.text);
  const editor = { id: created.body.id, version: 0, seq: 0, clientId: `c-${Math.random().toString(36).slice(2)}` };
  editor.submit = async (op, as = request) => {
    editor.seq++;
    const response = await as('POST', `/v1/documents/${editor.id}/ops`, {
      version: editor.version, op, client_id: editor.clientId, seq: editor.seq,
    });
    assert.equal(response.status, 200, response.text);
    editor.version = response.body.version;
    return editor.version;
  };
  return editor;
}

// Every notification of the user, newest first, following next_cursor.
export async function inbox(request, query = '') {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const suffix = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await request('GET', `/v1/notifications?limit=100${query}${suffix}`);
    assert.equal(response.status, 200, response.text);
    items.push(...response.body.items);
    cursor = response.body.next_cursor;
    if (!cursor) return { items, unread: response.body.unread_count };
  }
  throw new Error('inbox paging did not end');
}

// The value of one series of /metrics, e.g. metric(text, 'tandem_queue_retried_total', 'push').
export function metric(text, name, queue) {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{queue="${queue}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
