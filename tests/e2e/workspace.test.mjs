// Pages from the sidebar: create, rename, tag and delete, seen live by a
// second person. Also undo and redo, input-method text, and a viewer's
// read-only page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockTexts, eventually, openPage, restAs, startSession } from '../lib/browser.mjs';

test('pages are created, renamed, tagged and deleted live', async () => {
  const session = await startSession('workspace');
  try {
    const alice = await session.signIn('alice');
    const bob = await session.signIn('bob');

    // Alice creates a page with the keyboard: the title has the focus, and
    // Enter moves on to the first block.
    await alice.page.locator('.new-page').focus();
    await alice.page.keyboard.press('Enter');
    await alice.page.waitForURL(/\/d\/d_/);
    const documentId = alice.page.url().split('/d/')[1];
    await eventually(() => alice.page.evaluate(() => document.activeElement.className === 'doc-title'),
      'the new page\'s title has the focus');
    await alice.page.keyboard.type('Launch plan');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('First draft');
    // ArrowUp from the first line goes back to the title, ArrowDown returns.
    await alice.page.keyboard.press('ArrowUp');
    assert.equal(await alice.page.evaluate(() => document.activeElement.className), 'doc-title');
    await alice.page.keyboard.press('ArrowDown');
    assert.equal(await alice.page.evaluate(() => document.activeElement.className), 'block-text');
    await alice.page.locator('.doc-tags').fill('launch, q3');
    await alice.page.locator('.doc-tags').press('Tab');

    // Bob's sidebar shows it with its title and tags, without a reload.
    const bobLink = bob.page.locator(`.page-list a[data-doc="${documentId}"]`);
    await bobLink.filter({ hasText: 'Launch plan' }).waitFor();
    await bobLink.locator('.tag', { hasText: 'q3' }).waitFor();
    await session.shot('created');

    // Undo and redo apply to Alice's own typing.
    await alice.page.locator('.block-text').first().click();
    await alice.page.keyboard.press('End');
    await alice.page.waitForTimeout(900); // a pause ends the undo group
    await alice.page.keyboard.type(' with edits');
    await alice.page.keyboard.press('Control+z');
    assert.deepEqual(await blockTexts(alice.page), ['First draft']);
    await alice.page.keyboard.press('Control+Shift+z');
    assert.deepEqual(await blockTexts(alice.page), ['First draft with edits']);
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();

    // Text from an input method (a composition, as for Japanese) is read
    // back from the page when the composition ends.
    await alice.page.keyboard.press('End');
    const cdp = await alice.context.newCDPSession(alice.page);
    for (const text of ['に', 'にほ', 'にほん']) {
      await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
    }
    await cdp.send('Input.insertText', { text: ' 日本' });
    await alice.page.keyboard.type('!');
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    assert.deepEqual(await blockTexts(alice.page), ['First draft with edits 日本!']);

    // Bob opens it; Alice renames it and both the header and the list follow.
    await openPage(bob.page, 'Launch plan');
    await alice.page.locator('.doc-title').fill('Launch plan v2');
    await alice.page.locator('.doc-title').press('Enter');
    await eventually(async () => (await bob.page.locator('.doc-title').inputValue()) === 'Launch plan v2',
      'Bob sees the new title');
    await bobLink.filter({ hasText: 'Launch plan v2' }).waitFor();
    assert.deepEqual(await blockTexts(bob.page), ['First draft with edits 日本!']);
    await session.shot('renamed');

    // Alice deletes it; Bob, who has it open, is taken back to the workspace.
    alice.page.once('dialog', (dialog) => dialog.accept());
    await alice.page.getByRole('button', { name: 'Delete' }).click();
    await alice.page.waitForURL(/\/w\/[^/]+$/);
    await bob.page.waitForURL(/\/w\/[^/]+$/);
    await bob.page.locator('.toast', { hasText: 'was deleted by Alice Example' }).waitFor();
    await bobLink.waitFor({ state: 'detached' });
    await session.shot('deleted');

    const rest = await restAs(session.server, 'alice');
    assert.equal((await rest('GET', `/v1/documents/${documentId}`)).status, 404);

    // Carol is a viewer: she reads and sees others, but nothing is editable.
    const carol = await session.signIn('carol');
    await openPage(carol.page, 'Welcome to Tandem');
    assert.equal(await carol.page.locator('.new-page').isDisabled(), true);
    assert.equal(await carol.page.locator('.block-text').first().getAttribute('contenteditable'), 'false');
    assert.equal(await carol.page.locator('.doc-title').getAttribute('readonly'), '');
    await carol.page.locator('.block-text').first().click();
    await carol.page.keyboard.type('not allowed');
    assert.ok(!(await blockTexts(carol.page)).join('').includes('not allowed'));
    await session.shot('viewer');
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});
