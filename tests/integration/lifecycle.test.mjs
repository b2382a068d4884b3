// Process-level behaviour of the real binary: crash safety, graceful stop,
// the generated secret, the CLI and configuration precedence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, client } from '../lib/server.mjs';

const binary = process.env.TANDEM_BIN;

test('every acknowledged write survives kill -9', async () => {
  const first = await startServer();
  const alice = client(first, 'alice');
  const ws = (await alice('POST', '/v1/workspaces', { name: 'Durable' })).body.id;
  assert.equal((await alice('PUT', `/v1/workspaces/${ws}/members/bob`, { role: 'editor' })).status, 200);

  // Writes in parallel, then SIGKILL right after the last response.
  const created = await Promise.all(Array.from({ length: 40 }, (_, i) => alice('POST', `/v1/workspaces/${ws}/documents`, {
    title: `survivor ${i}`, content: { text: `durable body ${i}` }, tags: [`t${i % 4}`],
  })));
  for (const response of created) assert.equal(response.status, 201, response.text);
  const patched = await alice('PATCH', `/v1/documents/${created[0].body.id}`, { title: 'patched survivor' });
  assert.equal(patched.status, 200);
  const deleted = await alice('DELETE', `/v1/documents/${created[1].body.id}`);
  assert.equal(deleted.status, 204);
  const killed = await first.kill();
  assert.equal(killed.signal, 'SIGKILL');

  const second = await startServer({ dataDir: first.dataDir });
  try {
    const again = client(second, 'alice');
    const list = await again('GET', `/v1/workspaces/${ws}/documents?limit=100`);
    assert.equal(list.status, 200);
    assert.equal(list.body.documents.length, 39);
    for (const response of created.slice(2)) {
      const read = await again('GET', `/v1/documents/${response.body.id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, response.body);
    }
    assert.equal((await again('GET', `/v1/documents/${created[0].body.id}`)).body.title, 'patched survivor');
    assert.equal((await again('GET', `/v1/documents/${created[1].body.id}`)).status, 404);
    const members = await again('GET', `/v1/workspaces/${ws}/members`);
    assert.deepEqual(members.body.map((m) => m.user_id).sort(), ['alice', 'bob']);
    const search = await again('GET', `/v1/workspaces/${ws}/search?q=durable`);
    assert.equal(search.body.total, 39);
  } finally {
    await second.stop();
    second.cleanup();
  }
});

test('SIGTERM stops cleanly and logs the stop', async () => {
  const server = await startServer();
  const alice = client(server, 'alice');
  assert.equal((await alice('POST', '/v1/workspaces', { name: 'x' })).status, 201);
  const result = await server.stop();
  assert.equal(result.code, 0);
  assert.match(server.output(), /shutting down/);
  assert.match(server.output(), /tandem stopped/);
  server.cleanup();
});

test('generated secret is owner-only and usable by tandem token', async () => {
  const server = await startServer({ secret: null });
  try {
    assert.match(server.output(), /generated a new JWT secret/);
    const mode = statSync(join(server.dataDir, 'jwt-secret')).mode & 0o777;
    assert.equal(mode, 0o600);
    const secret = readFileSync(join(server.dataDir, 'jwt-secret'), 'utf8').trim();
    assert.ok(secret.length >= 32);
    assert.ok(!server.output().includes(secret), 'secret must not be logged');

    const minted = execFileSync(binary, ['token', '--data-dir', server.dataDir, '--user', 'zoe', '--name', 'Zoe',
      '--ttl', '1h']).toString().trim();
    const response = await fetch(`${server.url}/v1/workspaces`, { headers: { authorization: `Bearer ${minted}` } });
    assert.equal(response.status, 200);
    const payload = JSON.parse(Buffer.from(minted.split('.')[1], 'base64url').toString());
    assert.equal(payload.sub, 'zoe');
    assert.equal(payload.name, 'Zoe');
    assert.equal(payload.exp - payload.iat, 3600);
  } finally {
    await server.stop();
  }

  // A restart reuses the stored secret instead of generating another.
  const again = await startServer({ dataDir: server.dataDir, secret: null });
  try {
    assert.doesNotMatch(again.output(), /generated a new JWT secret/);
  } finally {
    await again.stop();
    again.cleanup();
  }
});

test('serve --help documents every option with its default', () => {
  const help = execFileSync(binary, ['serve', '--help']).toString();
  for (const flag of ['--listen', '--data-dir', '--secret', '--api-key', '--threads', '--clock-skew', '--max-body',
    '--max-content', '--shutdown-timeout', '--log-level', '--read-connections', '--demo', '--config']) {
    assert.ok(help.includes(flag), `help lacks ${flag}`);
  }
  for (const env of ['TANDEM_LISTEN', 'TANDEM_DATA_DIR', 'TANDEM_SECRET', 'TANDEM_API_KEY']) {
    assert.ok(help.includes(env), `help lacks ${env}`);
  }
  assert.match(help, /Default 127\.0\.0\.1:8000/);
  assert.match(help, /in bytes/);
  assert.match(help, /in seconds/);
});

test('version prints the version', () => {
  assert.match(execFileSync(binary, ['version']).toString(), /^tandem \d+\.\d+\.\d+/);
});

test('bad configuration exits 2 naming the value', () => {
  const result = spawnSync(binary, ['serve', '--listen', 'nowhere'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /nowhere/);
  const envResult = spawnSync(binary, ['serve'], { encoding: 'utf8', env: { ...process.env, TANDEM_THREADS: 'lots' } });
  assert.equal(envResult.status, 2);
  assert.match(envResult.stderr, /TANDEM_THREADS/);
});

test('flags override environment, which overrides the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
  const file = join(dir, 'tandem.toml');
  writeFileSync(file, `data_dir = "${join(dir, 'from-file')}"\nlog_level = "debug"\nlisten = "127.0.0.1:1"\n`);
  const server = await startServer({
    dataDir: join(dir, 'from-flag'),
    args: ['--config', file],
    env: { TANDEM_LOG_LEVEL: 'info', TANDEM_LISTEN: '127.0.0.1:2' },
  });
  try {
    // --listen and --data-dir come from flags (startServer), log level from env.
    assert.match(server.output(), /data_dir=[^ ]*from-flag/);
    assert.match(server.output(), /log_level=info/);
    assert.ok(server.port > 2);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo mode seeds a workspace once', async () => {
  const server = await startServer({ args: ['--demo'] });
  const alice = client(server, 'alice');
  const list = await alice('GET', '/v1/workspaces');
  assert.equal(list.body.length, 1);
  const documents = await alice('GET', `/v1/workspaces/${list.body[0].id}/documents`);
  assert.ok(documents.body.documents.length >= 3);
  await server.stop();
  const again = await startServer({ dataDir: server.dataDir, args: ['--demo'] });
  try {
    const relist = await client(again, 'alice')('GET', '/v1/workspaces');
    assert.equal(relist.body.length, 1);
    assert.match(again.output(), /tandem token/);
  } finally {
    await again.stop();
    again.cleanup();
  }
});

test('SIGTERM lets in-flight writes finish and keeps every acknowledged one', async () => {
  const first = await startServer({ args: ['--shutdown-timeout', '10'] });
  const alice = client(first, 'alice');
  const ws = (await alice('POST', '/v1/workspaces', { name: 'Drain' })).body.id;

  const pending = Array.from({ length: 60 }, (_, i) => alice('POST', `/v1/workspaces/${ws}/documents`, { title: `drain ${i}` })
    .catch((error) => ({ status: 0, error })));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const stopped = first.stop();
  const results = await Promise.all(pending);
  const exit = await stopped;
  assert.equal(exit.code, 0, first.output());

  const acknowledged = results.filter((r) => r.status === 201).map((r) => r.body.id);
  for (const result of results) {
    assert.ok(result.status === 201 || result.status === 0, `unexpected status ${result.status}: ${result.text}`);
  }

  const second = await startServer({ dataDir: first.dataDir });
  try {
    const again = client(second, 'alice');
    for (const id of acknowledged) {
      assert.equal((await again('GET', `/v1/documents/${id}`)).status, 200, `acknowledged ${id} lost`);
    }
  } finally {
    await second.stop();
    second.cleanup();
  }
});
