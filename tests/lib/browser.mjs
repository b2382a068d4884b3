// Drives the web client in Debian's headless Chromium for the end-to-end
// tests: a real tandem server with the demo data, the development sign-in
// and the built page (web/dist), and one browser context per person.
//
// Chromium runs without its sandbox (chromiumSandbox: false, which makes
// Playwright pass --no-sandbox). The tests run as root on CI and on the
// development machines, and Chromium refuses to start as root with its
// sandbox: "Running as root without --no-sandbox is not supported". The
// only page it loads is our own, served on loopback.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer } from './server.mjs';

const sourceDir = process.env.TANDEM_SOURCE_DIR ?? resolve(import.meta.dirname, '..', '..');
export const WEB_ROOT = process.env.TANDEM_WEB_ROOT ?? join(sourceDir, 'web', 'dist');
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.TANDEM_E2E_ARTIFACTS ?? join(sourceDir, 'build', 'release', 'test-artifacts', 'e2e');
const STEP_TIMEOUT_MS = 15000;

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// Starts the server and the browser. `name` names the screenshot folder.
export async function startSession(name) {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    throw new Error(`no built web client in ${WEB_ROOT}; run \`make web\` first`);
  }
  const server = await startServer({ args: ['--demo', '--dev-login', '--web-root', WEB_ROOT] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false });
  const folder = join(ARTIFACTS, name);
  mkdirSync(folder, { recursive: true });
  const people = [];
  let step = 0;

  return {
    server,
    browser,
    folder,
    // A new browser context signed in as `userId` through the sign-in page.
    async signIn(userId, { viewport = DESKTOP } = {}) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const person = { userId, context, page, errors: [] };
      page.on('console', (message) => {
        if (message.type() === 'error') person.errors.push(`${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => person.errors.push(`uncaught: ${error.stack ?? error.message}`));
      await page.goto(`${server.url}/`);
      await page.locator(`.dev-user[data-user="${userId}"]`).click();
      await page.locator('.connection[data-state="connected"]').waitFor();
      people.push(person);
      return person;
    },
    // Saves a screenshot of every signed-in page as NN-step-user.png.
    async shot(label) {
      step += 1;
      for (const person of people) {
        if (person.page.isClosed()) continue;
        const file = join(folder, `${String(step).padStart(2, '0')}-${label}-${person.userId}.png`);
        await person.page.screenshot({ path: file, fullPage: false });
      }
    },
    assertNoConsoleErrors() {
      for (const person of people) assert.deepEqual(person.errors, [], `console errors for ${person.userId}`);
    },
    async close() {
      await browser.close();
      const result = await server.stop();
      server.cleanup();
      assert.equal(result.code, 0, server.output());
    },
  };
}

// A REST call as `userId` with a token from the development sign-in.
export async function restAs(server, userId) {
  const response = await fetch(`${server.url}/v1/dev/token`, { method: 'POST', body: JSON.stringify({ user_id: userId }) });
  const { token } = await response.json();
  return async (method, path, body) => {
    const init = { method, headers: { authorization: `Bearer ${token}` } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const reply = await fetch(server.url + path, init);
    const text = await reply.text();
    return { status: reply.status, body: text ? JSON.parse(text) : undefined };
  };
}

// The server's copy of the demo workspace's document titled `title`.
export async function serverDocument(server, title) {
  const rest = await restAs(server, 'alice');
  const workspace = (await rest('GET', '/v1/workspaces')).body[0];
  const listed = (await rest('GET', `/v1/workspaces/${workspace.id}/documents`)).body.documents;
  const id = listed.find((document) => document.title === title).id;
  return (await rest('GET', `/v1/documents/${id}`)).body;
}

// Opens the page titled `title` from the sidebar (on a phone, via the menu).
export async function openPage(page, title) {
  const menu = page.locator('.menu-button');
  if (await menu.isVisible() && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  await page.locator('.page-list a', { hasText: title }).click();
  await page.locator('.doc .block-text').first().waitFor();
  await page.locator('.save-state[data-state="saved"]').waitFor();
}

// The text of every block, as the page shows it to the model (tokens kept).
export async function blockTexts(page) {
  return page.locator('.block-text').evaluateAll((elements) => elements.map((element) => {
    let text = '';
    for (const node of element.childNodes) {
      text += node.nodeType === Node.TEXT_NODE ? node.data.replaceAll('\u200b', '') : node.dataset.token ?? '';
    }
    return text;
  }));
}

// Waits until `fn` returns a truthy value, polling; fails with `message`.
export async function eventually(fn, message, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${message} (last value: ${JSON.stringify(last)})`);
}
