// A page that goes offline keeps its edits, shows that it is offline, and
// sends the edits when the network comes back; both pages then agree with
// the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockTexts, eventually, openPage, serverDocument, startSession } from '../lib/browser.mjs';

test('edits made offline are kept and sent on reconnect', async () => {
  const session = await startSession('offline');
  try {
    const alice = await session.signIn('alice');
    const bob = await session.signIn('bob');
    await openPage(alice.page, 'Welcome to Tandem');
    await openPage(bob.page, 'Welcome to Tandem');

    await bob.context.setOffline(true);
    await bob.page.locator('.connection[data-state="offline"]').waitFor();
    await bob.page.locator('.block-text').nth(1).click();
    await bob.page.keyboard.press('End');
    await bob.page.keyboard.type(' Written offline.');
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.type('A second offline line');
    await bob.page.locator('.save-state[data-state="unsaved"]').waitFor();

    // Meanwhile Alice edits the same paragraph online.
    await alice.page.locator('.block-text').nth(1).click();
    await alice.page.keyboard.press('Home');
    await alice.page.keyboard.type('Online: ');
    await alice.page.locator('.save-state[data-state="saved"]').waitFor();
    await session.shot('bob-offline');
    assert.ok(!(await blockTexts(alice.page)).join('\n').includes('offline'), 'nothing arrived while offline');

    await bob.context.setOffline(false);
    await bob.page.locator('.connection[data-state="connected"]').waitFor();
    await bob.page.locator('.save-state[data-state="saved"]').waitFor();
    const converged = await eventually(async () => {
      const [a, b] = await Promise.all([blockTexts(alice.page), blockTexts(bob.page)]);
      return JSON.stringify(a) === JSON.stringify(b) && a.includes('A second offline line') && a;
    }, 'both pages have the offline edits');
    await session.shot('reconnected');

    assert.equal(converged[1], 'Online: Every edit here is shared live with everyone viewing this page. Written offline.');
    const snapshot = await serverDocument(session.server, 'Welcome to Tandem');
    assert.deepEqual(snapshot.content.blocks.map((block) => block.text), converged);
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});

test('edits not sent before a reload are sent by the reloaded page', async () => {
  const session = await startSession('offline-reload');
  try {
    const alice = await session.signIn('alice');
    const bob = await session.signIn('bob');
    await openPage(alice.page, 'Release checklist');
    await openPage(bob.page, 'Release checklist');

    // Bob's page loses its WebSocket and cannot get it back while `blocked`;
    // plain HTTP still works, so the page itself can be reloaded.
    let blocked = true;
    await bob.page.routeWebSocket(/\/connection\/websocket/, (socket) => {
      if (blocked) socket.close({ code: 1006, reason: 'blocked by the test' });
      else socket.connectToServer();
    });
    await bob.context.setOffline(true);
    await bob.page.locator('.connection[data-state="offline"]').waitFor();
    await bob.context.setOffline(false);
    await bob.page.locator('.block-text').first().click();
    await bob.page.keyboard.press('End');
    await bob.page.keyboard.type(' (kept across a reload)');
    await bob.page.locator('.save-state[data-state="unsaved"]').waitFor();
    await session.shot('unsent');

    await bob.page.reload();
    await bob.page.locator('.block-text', { hasText: 'kept across a reload' }).waitFor();
    assert.ok(!(await blockTexts(alice.page)).join('\n').includes('kept across a reload'), 'not sent yet');
    blocked = false;
    await bob.page.locator('.connection[data-state="connected"]').waitFor();
    await bob.page.locator('.save-state[data-state="saved"]').waitFor();
    await alice.page.locator('.block-text', { hasText: 'Write the release notes (kept across a reload)' }).waitFor();
    await session.shot('sent-after-reload');

    const snapshot = await serverDocument(session.server, 'Release checklist');
    assert.equal(snapshot.content.blocks[0].text, 'Write the release notes (kept across a reload)');
    assert.deepEqual(snapshot.content.blocks.map((block) => block.text), await blockTexts(bob.page));
    session.assertNoConsoleErrors();
  } finally {
    await session.close();
  }
});
