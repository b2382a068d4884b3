// A client that vanishes without closing its connection (a frozen or
// unplugged machine) must leave presence once it misses a ping, so no ghost
// viewers stay on a document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRealtime, until } from './realtime_lib.mjs';
import { client, token } from '../lib/server.mjs';

const viewerScript = fileURLToPath(new URL('./fixtures/viewer.mjs', import.meta.url));

test('a frozen client leaves presence after a missed ping', async () => {
  const server = await startRealtime('ping_interval = 2\npong_timeout = 1');
  const alice = client(server, 'alice');
  const ws = (await alice('POST', '/v1/workspaces', { name: 'Ghosts' })).body.id;
  await client(server, 'bob')('GET', '/v1/workspaces');
  await alice('PUT', `/v1/workspaces/${ws}/members/bob`, { role: 'viewer' });
  const doc = (await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'Watched' })).body.id;

  const viewer = spawn(process.execPath, [viewerScript, server.ws, token('bob'), `doc:${ws}:${doc}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('viewer did not subscribe in 10 s')), 10000);
      viewer.stdout.on('data', (chunk) => {
        if (chunk.toString().includes('subscribed')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const viewing = async () => ((await alice('GET', `/v1/workspaces/${ws}/presence`)).body[doc] ?? [])
      .some((entry) => entry.user_id === 'bob');
    assert.equal(await viewing(), true);

    // Freeze the process: its socket stays open, but no pong follows a ping.
    viewer.kill('SIGSTOP');
    const frozenAt = Date.now();
    await until(async () => !(await viewing()), 10000, 'the frozen viewer to leave presence');
    const elapsed = Date.now() - frozenAt;
    // At most one ping interval plus the pong timeout, with slack for a busy machine.
    assert.ok(elapsed < 6000, `left presence after ${elapsed} ms`);
  } finally {
    viewer.kill('SIGKILL');
    await server.stop();
    server.cleanup();
  }
});
