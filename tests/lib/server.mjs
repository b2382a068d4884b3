// Starts the real tandem binary for black-box tests: a free loopback port,
// a fresh temporary data directory and a known JWT secret.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';

export const SECRET = 'integration-test-secret-0123456789';

const binary = process.env.TANDEM_BIN;
if (!binary) {
  throw new Error('TANDEM_BIN is not set; run the tests through ctest or set it to the built tandem binary');
}

// Resolves with the server once it logs the address it listens on.
// Options: dataDir (reuse a directory, e.g. after a restart), args (extra
// flags), env (extra environment), secret (null: pass no --secret, so the
// server uses or generates the one in the data directory), listen
// (HOST:PORT instead of a free port, e.g. to restart on the same port).
export async function startServer(options = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-test-'));
  const secretArgs = options.secret === null ? [] : ['--secret', options.secret ?? SECRET];
  const args = ['serve', '--listen', options.listen ?? '127.0.0.1:0', '--data-dir', dataDir, ...secretArgs,
    ...(options.args ?? [])];
  const child = spawn(binary, args, {
    env: { ...process.env, ...(options.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s; output:\n${output}`)), 20000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; output:\n${output}`));
    });
  });

  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    port,
    dataDir,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    // Sends SIGTERM and waits for a clean exit.
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    // SIGKILL: no shutdown code runs.
    async kill() {
      child.kill('SIGKILL');
      return exited;
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function base64url(text) {
  return Buffer.from(text).toString('base64url');
}

// Mints an HS256 token; `claims` may override sub, exp and add others.
export function token(userId, claims = {}, secret = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub: userId, name: `User ${userId}`, iat: now, exp: now + 3600, ...claims };
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

// A small REST client bound to one server and one user.
export function client(server, userId, claims = {}) {
  const bearer = token(userId, claims);
  return async function request(method, path, body, headers = {}) {
    const init = { method, headers: { authorization: `Bearer ${bearer}`, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const response = await fetch(server.url + path, init);
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, body: json, text, headers: response.headers };
  };
}
