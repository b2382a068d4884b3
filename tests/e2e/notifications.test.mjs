// A mention typed by one person notifies the other live: the bell's count
// goes up, the list links into the document, and reading it clears the
// count. Assigning a to-do notifies the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockTexts, eventually, openPage, restAs, startSession } from '../lib/browser.mjs';

test('a mention typed by one produces a notification for the other', async () => {
  const session = await startSession('notifications');
  try {
    const alice = await session.signIn('alice');
    const bob = await session.signIn('bob');
    await bob.page.locator('.bell').waitFor();
    assert.equal(await bob.page.locator('.bell .badge').isHidden(), true, 'no unread notifications at first');

    await openPage(alice.page, 'Meeting notes');
    const last = alice.page.locator('.block-text').last();
    await last.click();
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Please review this @bo', { delay: 10 });
    const picker = alice.page.locator('.mention-picker');
    await picker.locator('li[data-user="bob"]').waitFor();
    await session.shot('picker');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('today');
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    const texts = await blockTexts(alice.page);
    assert.equal(texts.at(-1), 'Please review this <@bob> today');
    // The token shows as the person's name.
    await alice.page.locator('.block-text .mention[data-user="bob"]', { hasText: '@Bob Example' }).waitFor();

    // Bob's bell counts it without a reload.
    await bob.page.locator('.bell .badge', { hasText: '1' }).waitFor();
    await session.shot('bob-notified');
    await bob.page.locator('.bell').click();
    const item = bob.page.locator('.notification-list li.unread', { hasText: 'Meeting notes' });
    await item.waitFor();
    assert.match(await item.innerText(), /Alice Example\s+mentioned you in/);
    await session.shot('bob-list');

    // Opening it goes to the document and marks it read.
    await item.locator('a').click();
    await bob.page.locator('.doc-title').waitFor();
    assert.match(await bob.page.locator('.doc-title').inputValue(), /Meeting notes/);
    await bob.page.locator('.bell .badge').waitFor({ state: 'hidden' });
    const bobRest = await restAs(session.server, 'bob');
    const unread = await bobRest('GET', '/v1/notifications?unread=true');
    assert.equal(unread.status, 200);
    assert.equal(unread.body.unread_count, 0);
    await session.shot('bob-read');

    // Assigning a to-do to Bob is the other kind of notification.
    await openPage(alice.page, 'Release checklist');
    const assignee = alice.page.locator('.block-todo .assignee').last();
    await assignee.focus();
    await assignee.selectOption('bob');
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    await bob.page.locator('.bell .badge', { hasText: '1' }).waitFor();
    await bob.page.locator('.bell').click();
    await bob.page.locator('.notification-list li.unread', { hasText: 'assigned you a to-do in' }).waitFor();
    await session.shot('bob-assigned');
    await bob.page.getByRole('button', { name: 'Mark all as read' }).click();
    await bob.page.locator('.bell .badge').waitFor({ state: 'hidden' });
    await eventually(async () => (await bobRest('GET', '/v1/notifications?unread=true')).body.unread_count === 0,
      'the server has every notification read');
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});
