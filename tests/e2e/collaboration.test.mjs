// Two people edit one document at the same time in two browsers: both pages
// converge to the server's snapshot, and each sees the other's cursor,
// presence avatar and the page they have open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockTexts, eventually, openPage, serverDocument, startSession } from '../lib/browser.mjs';

test('concurrent typing converges, with cursors and presence', async () => {
  const session = await startSession('collaboration');
  try {
    const alice = await session.signIn('alice');
    const bob = await session.signIn('bob');
    await session.shot('signed-in');

    await openPage(alice.page, 'Welcome to Tandem');
    await openPage(bob.page, 'Welcome to Tandem');

    // Presence: each page shows the other's avatar among the viewers, and
    // the sidebar says which page each person has open.
    await alice.page.locator('.viewers .avatar[data-user="bob"]').waitFor();
    await bob.page.locator('.viewers .avatar[data-user="alice"]').waitFor();
    await alice.page.locator('.online-list li[data-user="bob"] .online-doc', { hasText: 'Welcome to Tandem' }).waitFor();
    await session.shot('both-open');

    // Alice types at the end of the paragraph, Bob at the start of the
    // heading, at the same time, with the keyboard.
    await alice.page.locator('.block-text').nth(1).click();
    await alice.page.keyboard.press('End');
    await bob.page.locator('.block-text').nth(0).click();
    await bob.page.keyboard.press('Home');
    await Promise.all([
      alice.page.keyboard.type(' Alice was here.', { delay: 15 }),
      bob.page.keyboard.type('Bob says hi. ', { delay: 15 }),
    ]);
    // Then both type into the same block, concurrently, and Alice adds a
    // block. Bob first waits for all of Alice's text: a caret stays before
    // text that someone else inserts exactly at it, so his words would
    // otherwise land before her last ones.
    await bob.page.locator('.block-text').nth(1).filter({ hasText: 'Alice was here.' }).waitFor();
    await bob.page.keyboard.press('ArrowDown');
    await bob.page.keyboard.press('End');
    await Promise.all([
      (async () => {
        await alice.page.keyboard.press('Enter');
        await alice.page.keyboard.type('A new line from Alice', { delay: 10 });
      })(),
      bob.page.keyboard.type(' And Bob.', { delay: 10 }),
    ]);
    await session.shot('typed');

    // Each sees the other's caret, labelled with the name.
    await alice.page.locator('.remote-caret[data-user="bob"]', { hasText: 'Bob Example' }).waitFor();
    await bob.page.locator('.remote-caret[data-user="alice"]', { hasText: 'Alice Example' }).waitFor();

    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    await bob.page.locator('.save-state[data-state="saved"]').waitFor();
    const converged = await eventually(async () => {
      const [a, b] = await Promise.all([blockTexts(alice.page), blockTexts(bob.page)]);
      return JSON.stringify(a) === JSON.stringify(b) && a;
    }, 'both pages show the same blocks');

    const snapshot = await serverDocument(session.server, 'Welcome to Tandem');
    assert.deepEqual(snapshot.content.blocks.map((block) => block.text), converged);
    assert.equal(converged[0], 'Bob says hi. Welcome');
    assert.ok(converged[1].includes(' Alice was here.'), converged[1]);
    assert.ok(converged.join('\n').includes(' And Bob.'), converged.join('\n'));
    assert.ok(converged.includes('A new line from Alice'), converged.join('\n'));
    assert.equal(snapshot.content.blocks[0].type, 'heading');
    await session.shot('converged');

    // Bob's caret moves; Alice sees it move to the block he clicked.
    await bob.page.locator('.block-text').nth(0).click();
    await bob.page.keyboard.press('Home');
    await eventually(async () => {
      const caret = alice.page.locator('.remote-caret[data-user="bob"]');
      const first = alice.page.locator('.block-text').nth(0);
      const [c, f] = await Promise.all([caret.boundingBox(), first.boundingBox()]);
      return c && f && Math.abs(c.y - f.y) < f.height;
    }, 'Alice sees Bob\'s caret in the heading');

    // A remote insert before Alice's caret moves it along with her text:
    // her next keystroke lands where she left off.
    await alice.page.locator('.block-text').nth(0).click();
    await alice.page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await alice.page.keyboard.press('ArrowRight');
    await bob.page.keyboard.type('XX ');
    await alice.page.locator('.block-text').nth(0).filter({ hasText: 'XX Bob says' }).waitFor();
    await alice.page.keyboard.type('!');
    await bob.page.locator('.block-text').nth(0).filter({ hasText: 'XX Bob! says hi. Welcome' }).waitFor();
    assert.equal((await blockTexts(alice.page))[0], 'XX Bob! says hi. Welcome');

    // Undo takes back only Alice's own typing, after Bob's edit before it.
    await alice.page.waitForTimeout(900); // a pause ends the undo group
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.type(' ok');
    await bob.page.locator('.block-text').nth(0).filter({ hasText: 'Welcome ok' }).waitFor();
    await bob.page.locator('.block-text').nth(0).click();
    await bob.page.keyboard.press('Home');
    await bob.page.keyboard.type('Hey ');
    await alice.page.locator('.block-text').nth(0).filter({ hasText: 'Hey XX' }).waitFor();
    await alice.page.keyboard.press('Control+z');
    await bob.page.locator('.block-text').nth(0).filter({ hasText: /^Hey XX Bob! says hi\. Welcome$/ }).waitFor();
    assert.equal((await blockTexts(alice.page))[0], 'Hey XX Bob! says hi. Welcome');

    // When Alice's focus leaves the text, Bob no longer sees her caret.
    await alice.page.locator('.doc-title').click();
    await bob.page.locator('.remote-caret[data-user="alice"]').waitFor({ state: 'detached' });

    // When Bob leaves, his avatar and caret disappear from Alice's page.
    await bob.page.locator('.page-list a', { hasText: 'Release checklist' }).click();
    await alice.page.locator('.viewers .avatar[data-user="bob"]').waitFor({ state: 'detached' });
    await alice.page.locator('.remote-caret[data-user="bob"]').waitFor({ state: 'detached' });
    await session.shot('bob-left');
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});
