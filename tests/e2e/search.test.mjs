// Search finds a document by a word in its body, from the keyboard alone,
// and the page works at a phone's width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockTexts, eventually, openPage, PHONE, restAs, serverDocument, startSession } from '../lib/browser.mjs';

test('search finds a document by a word in its body, with the keyboard', async () => {
  const session = await startSession('search');
  try {
    const rest = await restAs(session.server, 'alice');
    const workspace = (await rest('GET', '/v1/workspaces')).body[0];
    const created = await rest('POST', `/v1/workspaces/${workspace.id}/documents`, {
      title: 'Travel plans',
      content: { blocks: [{ type: 'paragraph', text: 'We take the night train along the zeppelinfjord coast.' }] },
    });
    assert.equal(created.status, 201);

    const alice = await session.signIn('alice');
    await alice.page.keyboard.press('Control+k');
    assert.equal(await alice.page.evaluate(() => document.activeElement.className), 'search-input');
    await alice.page.keyboard.type('zeppelin');
    const result = alice.page.locator('.search-results li[data-doc]', { hasText: 'Travel plans' });
    await result.waitFor();
    assert.equal(await result.locator('mark').first().innerText(), 'zeppelinfjord');
    assert.equal(await result.getAttribute('aria-selected'), 'true');
    await session.shot('results');

    await alice.page.keyboard.press('Enter');
    await alice.page.waitForURL(`**/d/${created.body.id}`);
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    assert.equal(await alice.page.locator('.doc-title').inputValue(), 'Travel plans');
    await session.shot('opened');

    // The editor has the focus: a word typed now is found by search too.
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.type(' Bring a quokkaphone.');
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    await eventually(async () => {
      await alice.page.locator('.search-input').fill('quokkaphone');
      const hit = alice.page.locator('.search-results li[data-doc]', { hasText: 'Travel plans' });
      try {
        await hit.waitFor({ timeout: 1000 });
        return true;
      } catch {
        return false;
      }
    }, 'search finds the typed word');
    await session.shot('typed-word-found');
    await alice.page.keyboard.press('Escape');
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});

test('phone-sized page: menu, keyboard editing, paste', async () => {
  const session = await startSession('phone');
  try {
    const bob = await session.signIn('bob', { viewport: PHONE });
    const { page } = bob;
    assert.equal(await page.locator('.sidebar').isVisible() && (await page.locator('.sidebar').boundingBox()).x >= 0,
      false, 'the sidebar is off screen');
    await session.shot('closed-menu');
    await page.locator('.menu-button').click();
    await page.locator('.sidebar a', { hasText: 'Release checklist' }).waitFor();
    await eventually(async () => (await page.locator('.sidebar').boundingBox()).x >= 0, 'the menu slides in');
    await page.waitForTimeout(200); // the end of the slide, for the screenshot
    await session.shot('open-menu');
    await openPage(page, 'Release checklist');
    assert.equal(await page.locator('.menu-button').getAttribute('aria-expanded'), 'false');

    // Nothing is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);

    // Enter continues a to-do list; "- " turns a new item into a bullet;
    // Ctrl+Enter ticks a to-do.
    await page.locator('.block-text').last().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Check the mobile layout');
    await page.keyboard.press('Control+Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // an empty to-do becomes text
    await page.keyboard.type('- bullet from the keyboard');
    await page.locator('.save-state[data-state="saved"]').waitFor();
    await session.shot('edited');

    const { blocks } = (await serverDocument(session.server, 'Release checklist')).content;
    assert.deepEqual(blocks.slice(-2).map(({ type, text, done }) => ({ type, text, done })), [
      { type: 'todo', text: 'Check the mobile layout', done: true },
      { type: 'bullet', text: 'bullet from the keyboard', done: undefined },
    ]);
    assert.deepEqual((await blockTexts(page)).slice(-2), ['Check the mobile layout', 'bullet from the keyboard']);

    // Pasted lines become blocks of the same kind.
    await bob.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.evaluate(() => navigator.clipboard.writeText('pasted one\npasted two'));
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+v');
    await page.locator('.save-state[data-state="saved"]').waitFor();
    const afterPaste = (await serverDocument(session.server, 'Release checklist')).content.blocks;
    assert.deepEqual(afterPaste.slice(-3).map(({ type, text }) => [type, text]), [
      ['bullet', 'bullet from the keyboard'], ['bullet', 'pasted one'], ['bullet', 'pasted two']]);
    await session.shot('pasted');
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});
