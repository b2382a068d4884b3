// Shared helpers for the real-time interop tests: the real tandem binary on a
// loopback port with a [realtime] config section, the real `centrifuge` SDK,
// raw `ws` sockets for protocol-level cases, and server API calls.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import { startServer, token, client } from '../lib/server.mjs';

export { token, WebSocket, Centrifuge };
export const API_KEY = 'interop-api-key';

// Starts the server with the server API on and `realtimeToml` as the body of
// its [realtime] section.
export async function startRealtime(realtimeToml = '') {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-rt-config-'));
  const file = join(dir, 'tandem.toml');
  writeFileSync(file, `[realtime]\n${realtimeToml}\n`);
  const server = await startServer({ args: ['--api-key', API_KEY, '--config', file] });
  server.ws = `ws://127.0.0.1:${server.port}/connection/websocket`;
  return server;
}

// Calls POST /api/<method> with the API key; returns {status, body, text}.
export async function api(server, method, body = {}, headers = { 'X-API-Key': API_KEY }) {
  const response = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, body: json, text };
}

// Creates a workspace owned by `owner` with `members` as editors; returns its id.
export async function makeWorkspace(server, owner, members = []) {
  const asOwner = client(server, owner);
  const created = await asOwner('POST', '/v1/workspaces', { name: `ws of ${owner}` });
  if (created.status !== 201) throw new Error(`workspace creation failed: ${created.status} ${created.text}`);
  const id = created.body.id;
  for (const user of members) {
    const added = await asOwner('PUT', `/v1/workspaces/${id}/members/${user}`, { role: 'editor' });
    if (added.status >= 300) throw new Error(`adding ${user} failed: ${added.status} ${added.text}`);
  }
  return id;
}

// A Centrifuge SDK client for `user`; `options` are passed to the SDK.
export function sdk(server, user, options = {}) {
  return new Centrifuge(server.ws, { websocket: WebSocket, token: token(user), ...options });
}

// Resolves with the first event `name` from `emitter` that satisfies
// `predicate`, or rejects after `timeoutMs`.
export function once(emitter, name, predicate = () => true, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off?.(name, handler) ?? emitter.removeListener(name, handler);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${name}'`));
    }, timeoutMs);
    function handler(ctx) {
      if (!predicate(ctx)) return;
      clearTimeout(timer);
      emitter.off?.(name, handler) ?? emitter.removeListener(name, handler);
      resolve(ctx);
    }
    emitter.on(name, handler);
  });
}

// A raw WebSocket that collects every JSON message and the close event.
export async function rawSocket(server, headers = {}) {
  const socket = new WebSocket(server.ws, { headers });
  const messages = [];
  const closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data) => {
    for (const line of data.toString().split('\n')) {
      if (line.trim()) messages.push(JSON.parse(line));
    }
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, messages, closed };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `check` every 20 ms until it returns true or `timeoutMs` passes.
export async function until(check, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
