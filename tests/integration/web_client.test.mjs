// The server side of the web client against the real binary: the built
// files at / (content types, client-route fallback, caching, no path
// traversal) and the development sign-in, which exists only when enabled.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { startServer } from '../lib/server.mjs';

let base; // holds web/ (the root) and secret.txt beside it
let webRoot;

before(() => {
  base = mkdtempSync(join(tmpdir(), 'tandem-web-'));
  webRoot = join(base, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Tandem test page</title>');
  writeFileSync(join(webRoot, 'assets', 'index-X1y2Z3.js'), 'export const answer = 42;');
  writeFileSync(join(webRoot, 'assets', 'index-X1y2Z3.css'), 'body { color: red }');
  writeFileSync(join(base, 'secret.txt'), 'not for the web');
  symlinkSync(join(base, 'secret.txt'), join(webRoot, 'escape.txt'));
});

after(() => rmSync(base, { recursive: true, force: true }));

// A raw GET, so paths like /../x reach the server unnormalized.
function rawGet(port, path) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--web-root', webRoot] }); });
  after(async () => {
    assert.equal((await server.stop()).code, 0, server.output());
    server.cleanup();
  });

  test('serves the page, assets with content types and cache headers', async () => {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(await page.text(), /Tandem test page/);

    const script = await fetch(`${server.url}/assets/index-X1y2Z3.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await script.text(), 'export const answer = 42;');

    const style = await fetch(`${server.url}/assets/index-X1y2Z3.css`);
    assert.equal(style.headers.get('content-type'), 'text/css; charset=utf-8');
  });

  test('client routes get index.html; missing files and API paths get JSON 404', async () => {
    for (const path of ['/w/w_1', '/w/w_1/d/d_2']) {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 200, path);
      assert.match(await response.text(), /Tandem test page/, path);
    }
    for (const path of ['/assets/gone-123.js', '/v1/nothing', '/connection/nothing']) {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 404, path);
      assert.equal((await response.json()).error.code, 'not_found', path);
    }
    assert.equal((await fetch(`${server.url}/api/publish`)).status, 405); // a POST route stays one
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    assert.equal((await fetch(`${server.url}/v1/workspaces`)).status, 401);
  });

  test('nothing outside the root is served', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt',
      '/escape.txt']) {
      const response = await rawGet(server.port, path);
      assert.equal(response.status, 404, `${path}: ${response.body}`);
      assert.ok(!response.body.includes('not for the web'), path);
    }
  });
});

test('a web root without index.html stops the server at start', async () => {
  await assert.rejects(startServer({ args: ['--web-root', join(base, 'nowhere')] }),
    /invalid web root .*nowhere.*index\.html/s);
});

describe('development sign-in', () => {
  test('is absent by default, even with the demo data', async () => {
    const server = await startServer({ args: ['--demo'] });
    try {
      assert.equal((await fetch(`${server.url}/v1/dev/users`)).status, 404);
      const minted = await fetch(`${server.url}/v1/dev/token`, { method: 'POST', body: '{"user_id":"alice"}' });
      assert.equal(minted.status, 404);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('lists the demo users with names and issues working tokens when enabled', async () => {
    const server = await startServer({ args: ['--demo', '--dev-login'] });
    try {
      assert.match(server.output(), /dev login is on/);
      const listed = await (await fetch(`${server.url}/v1/dev/users`)).json();
      assert.deepEqual(listed.users.map((user) => [user.user_id, user.name, user.role]), [
        ['alice', 'Alice Example', 'owner'], ['bob', 'Bob Example', 'editor'], ['carol', 'Carol Example', 'viewer']]);

      const response = await fetch(`${server.url}/v1/dev/token`, { method: 'POST', body: '{"user_id":"bob"}' });
      assert.equal(response.status, 200);
      const issued = await response.json();
      assert.equal(issued.user_id, 'bob');
      assert.equal(issued.name, 'Bob Example');
      assert.ok(issued.expires_at > Date.now() / 1000 + 3600);

      const workspaces = await fetch(`${server.url}/v1/workspaces`, {
        headers: { authorization: `Bearer ${issued.token}` } });
      assert.equal(workspaces.status, 200);
      assert.deepEqual((await workspaces.json()).map((w) => [w.name, w.role]), [['Demo workspace', 'editor']]);

      // Signing in keeps the stored email instead of blanking it.
      const alice = await (await fetch(`${server.url}/v1/dev/token`, { method: 'POST',
        body: '{"user_id":"alice"}' })).json();
      const ws = (await (await fetch(`${server.url}/v1/workspaces`, {
        headers: { authorization: `Bearer ${alice.token}` } })).json())[0].id;
      const members = await (await fetch(`${server.url}/v1/workspaces/${ws}/members`, {
        headers: { authorization: `Bearer ${alice.token}` } })).json();
      assert.equal(members.find((member) => member.user_id === 'bob').email, 'bob@example.com');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('rejects bad input by name', async () => {
    const server = await startServer({ args: ['--dev-login'] });
    try {
      const cases = [['{}', /user_id/], ['{"user_id":""}', /user id/], ['{"user_id":"a","nmae":"x"}', /nmae/],
        ['{"user_id":7}', /user_id/], ['[1]', /object/]];
      for (const [body, message] of cases) {
        const response = await fetch(`${server.url}/v1/dev/token`, { method: 'POST', body });
        assert.equal(response.status, 400, body);
        const error = (await response.json()).error;
        assert.equal(error.code, 'invalid_request', body);
        assert.match(error.message, message, body);
      }
      // Without the demo there are no demo users to list.
      assert.deepEqual(await (await fetch(`${server.url}/v1/dev/users`)).json(), { users: [] });
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
