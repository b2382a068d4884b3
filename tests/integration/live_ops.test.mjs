// Op submission over REST: transformation of stale ops, deduplication by
// (client_id, seq) and every rejection. Each rejection must leave the
// document, its version and its op log unchanged. Also reads of old versions
// across snapshots, op log ranges, and concurrent submits at one version.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client } from '../lib/server.mjs';
import { json0, clone, createDocument, createWorkspace, fetchOps, indexLog } from '../lib/live.mjs';

const SNAPSHOT_INTERVAL = 5;

let server;
let alice; // owner
let bob; // editor
let carol; // commenter
let victor; // viewer
let mallory; // not a member
let ws;

before(async () => {
  server = await startServer({ args: ['--snapshot-interval', String(SNAPSHOT_INTERVAL)] });
  alice = client(server, 'alice');
  bob = client(server, 'bob');
  carol = client(server, 'carol');
  victor = client(server, 'victor');
  mallory = client(server, 'mallory');
  ws = await createWorkspace(alice, { bob: 'editor', carol: 'commenter', victor: 'viewer' });
});

after(async () => {
  const result = await server.stop();
  assert.equal(result.code, 0, server.output());
  server.cleanup();
});

function assertError(response, status, code) {
  const text = response.text.slice(0, 300);
  assert.equal(response.status, status, text);
  assert.equal(response.body?.error?.code, code, text);
  assert.ok(response.body.error.message.length > 5, text);
}

function submit(request, id, version, op, clientId, seq) {
  return request('POST', `/v1/documents/${id}/ops`, { version, op, client_id: clientId, seq });
}

// Everything a rejected submit could change: the document (content,
// version, author, time) and its whole op log.
async function state(id) {
  const document = await alice('GET', `/v1/documents/${id}`);
  assert.equal(document.status, 200, document.text);
  const ops = await fetchOps(alice, id, 0);
  return { document: document.body, ops };
}

// Runs `attempt` and checks that it changed nothing.
async function assertUnchanged(id, attempt) {
  const before = await state(id);
  await attempt();
  assert.deepEqual(await state(id), before);
}

// Creates a document and commits `count` ops to it as bob.
async function documentWithOps(count, content = { text: 'hello', list: [1, 2, 3], meta: { a: 1 } }) {
  const document = await createDocument(bob, ws, content);
  for (let i = 1; i <= count; i++) {
    const reply = await submit(bob, document.id, i - 1, [{ p: ['text', 0], si: String(i % 10) }], 'setup', i);
    assert.equal(reply.status, 200, reply.text);
  }
  return document;
}

describe('submit', () => {
  test('applies the op and logs it', async () => {
    const document = await createDocument(bob, ws, { text: 'hello', list: [1, 2] });
    assert.equal(document.version, 0);

    const reply = await submit(bob, document.id, 0, [{ p: ['text', 5], si: ' world' }], 'bob-1', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, { version: 1, op: [{ p: ['text', 5], si: ' world' }] });

    const read = await victor('GET', `/v1/documents/${document.id}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.version, 1);
    assert.deepEqual(read.body.content, { text: 'hello world', list: [1, 2] });
    assert.equal(read.body.last_edited_by, 'bob');

    const ops = await fetchOps(victor, document.id, 0);
    assert.equal(ops.length, 1);
    assert.equal(ops[0].version, 1);
    assert.deepEqual(ops[0].op, [{ p: ['text', 5], si: ' world' }]);
    assert.equal(ops[0].user_id, 'bob');
    assert.equal(ops[0].client_id, 'bob-1');
    assert.equal(ops[0].seq, 1);
    assert.ok(!Number.isNaN(Date.parse(ops[0].created_at)), ops[0].created_at);
  });

  test('client_id of 64 bytes is accepted', async () => {
    const document = await createDocument(bob, ws, { n: 1 });
    const reply = await submit(bob, document.id, 0, [{ p: ['n'], na: 1 }], 'é'.repeat(32), 1);
    assert.equal(reply.status, 200, reply.text);
    const ops = await fetchOps(bob, document.id, 0);
    assert.equal(ops[0].client_id, 'é'.repeat(32));
  });

  test('owner may submit too', async () => {
    const document = await createDocument(bob, ws, { n: 1 });
    const reply = await submit(alice, document.id, 0, [{ p: ['n'], na: 2 }], 'alice-1', 0);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((await alice('GET', `/v1/documents/${document.id}`)).body.content, { n: 3 });
  });

  test('stale op is transformed against newer ops', async () => {
    const document = await createDocument(bob, ws, { text: 'abc', list: ['x', 'y', 'z'] });
    const first = [{ p: ['list', 0], li: 'w' }, { p: ['text', 0], si: '12' }];
    const stale = [{ p: ['list', 1], ld: 'y' }, { p: ['text', 1], sd: 'b' }];

    assert.equal((await submit(bob, document.id, 0, first, 'one', 1)).status, 200);
    const reply = await submit(alice, document.id, 0, stale, 'two', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.version, 2);

    // The server puts the incoming op on the left, as ot-json0 computes it.
    const expected = [{ p: ['list', 2], ld: 'y' }, { p: ['text', 3], sd: 'b' }];
    assert.deepEqual(json0.transform(clone(stale), clone(first), 'left'), expected);
    assert.deepEqual(reply.body.op, expected);

    const read = await bob('GET', `/v1/documents/${document.id}`);
    assert.deepEqual(read.body.content, { text: '12ac', list: ['w', 'x', 'z'] });
    const ops = await fetchOps(bob, document.id, 0);
    assert.deepEqual(ops.map((record) => record.op), [first, expected]);
  });

  test('op fully cancelled by a concurrent op commits as a no-op', async () => {
    const document = await createDocument(bob, ws, { list: ['a', 'b'] });
    assert.equal((await submit(bob, document.id, 0, [{ p: ['list', 0], ld: 'a' }], 'one', 1)).status, 200);
    const reply = await submit(alice, document.id, 0, [{ p: ['list', 0], ld: 'a' }], 'two', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, { version: 2, op: [] });
    assert.deepEqual((await bob('GET', `/v1/documents/${document.id}`)).body.content, { list: ['b'] });
  });

  test('non-ASCII text uses UTF-16 offsets', async () => {
    const document = await createDocument(bob, ws, { text: 'a😀b' });
    const reply = await submit(bob, document.id, 0, [{ p: ['text', 3], si: 'é' }, { p: ['text', 1], sd: '😀' }], 'u', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.equal((await bob('GET', `/v1/documents/${document.id}`)).body.content.text, 'aéb');
  });
});

describe('deduplication', () => {
  test('resubmission returns the original result', async () => {
    const document = await documentWithOps(2);
    const op = [{ p: ['list', 0], li: 'new' }];
    const first = await submit(bob, document.id, 1, op, 'dedup', 7);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.version, 3);
    const transformed = first.body.op;

    await assertUnchanged(document.id, async () => {
      const again = await submit(bob, document.id, 1, op, 'dedup', 7);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, { version: 3, op: transformed });
    });
  });

  test('resubmission with other fields still returns the original', async () => {
    const document = await documentWithOps(1);
    const first = await submit(bob, document.id, 1, [{ p: ['meta', 'b'], oi: 2 }], 'dedup', 1);
    assert.equal(first.status, 200, first.text);

    await assertUnchanged(document.id, async () => {
      // A different op at a base version the document does not have yet.
      const again = await submit(bob, document.id, 99, [{ p: ['meta', 'c'], oi: 3 }], 'dedup', 1);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, first.body);
    });
  });

  test('resubmission by another editor returns the original', async () => {
    const document = await documentWithOps(0);
    const first = await submit(bob, document.id, 0, [{ p: ['meta', 'b'], oi: 2 }], 'shared', 1);
    assert.equal(first.status, 200, first.text);
    await assertUnchanged(document.id, async () => {
      const again = await submit(alice, document.id, 0, [{ p: ['meta', 'b'], oi: 2 }], 'shared', 1);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, first.body);
    });
  });

  test('same client_id and seq on another document is a new op', async () => {
    const one = await documentWithOps(0);
    const two = await documentWithOps(0);
    const op = [{ p: ['meta', 'b'], oi: 2 }];
    assert.equal((await submit(bob, one.id, 0, op, 'cross', 1)).status, 200);
    const reply = await submit(bob, two.id, 0, op, 'cross', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((await bob('GET', `/v1/documents/${two.id}`)).body.content.meta, { a: 1, b: 2 });
  });

  test('concurrent resubmissions commit once', async () => {
    const document = await documentWithOps(0);
    const op = [{ p: ['list', 3], li: 4 }];
    const replies = await Promise.all(Array.from({ length: 8 }, () => submit(bob, document.id, 0, op, 'burst', 1)));
    for (const reply of replies) {
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body, { version: 1, op });
    }
    const ops = await fetchOps(bob, document.id, 0);
    assert.equal(ops.length, 1);
    assert.deepEqual((await bob('GET', `/v1/documents/${document.id}`)).body.content.list, [1, 2, 3, 4]);
  });
});

describe('rejections change nothing', () => {
  test('version ahead of the document is 409 with current_version', async () => {
    const document = await documentWithOps(3);
    await assertUnchanged(document.id, async () => {
      for (const version of [4, 5, 1000]) {
        const reply = await submit(bob, document.id, version, [{ p: ['text', 0], si: 'x' }], 'ahead', version);
        assertError(reply, 409, 'version_conflict');
        assert.equal(reply.body.error.current_version, 3, reply.text);
      }
    });
  });

  test('rejected (client_id, seq) can be used again', async () => {
    const document = await documentWithOps(1);
    assertError(await submit(bob, document.id, 5, [{ p: ['text', 0], si: 'x' }], 'retry', 1), 409, 'version_conflict');
    assertError(await submit(bob, document.id, 1, [{ p: ['text', 0], sd: 'zz' }], 'retry', 1), 400, 'invalid_operation');
    const reply = await submit(bob, document.id, 1, [{ p: ['text', 0], si: 'x' }], 'retry', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.version, 2);
  });

  test('op that does not apply is 400 invalid_operation', async () => {
    const document = await documentWithOps(2);
    // Content now: {text: '21hello', list: [1, 2, 3], meta: {a: 1}}.
    const cases = [
      [{ p: ['text', 0], sd: 'xx' }],
      [{ p: ['text', 50], si: 'x' }],
      [{ p: ['text', 5], sd: 'hello' }],
      [{ p: ['list', 0], ld: 9 }],
      [{ p: ['list', 7], li: 1 }],
      [{ p: ['list', 0], lm: 5 }],
      [{ p: ['meta', 'a'], od: 2 }],
      [{ p: ['meta', 'zz'], od: 1 }],
      [{ p: ['missing', 'deep'], oi: 1 }],
      [{ p: ['meta'], si: 'x' }],
      [{ p: ['text'], na: 1 }],
      [{ p: ['list', 'x'], li: 1 }],
      [{ p: ['text', 0], unknown: 1 }],
      [{ si: 'x' }],
      ['not a component'],
      // A valid first component does not stay applied when the second fails.
      [{ p: ['meta', 'b'], oi: 1 }, { p: ['list', 0], ld: 'wrong' }],
      [{ p: ['text', 0], si: 'ok' }, { p: ['text', 0], sd: 'no' }],
    ];
    await assertUnchanged(document.id, async () => {
      for (const [index, op] of cases.entries()) {
        assertError(await submit(bob, document.id, 2, op, 'bad-op', index), 400, 'invalid_operation');
      }
    });
  });

  test('op that fails after transformation is 400', async () => {
    const document = await documentWithOps(0, { list: ['a'] });
    assert.equal((await submit(bob, document.id, 0, [{ p: ['list', 0], li: 'b' }], 'one', 1)).status, 200);
    await assertUnchanged(document.id, async () => {
      // Transformed to index 1, where the deleted value does not match.
      assertError(await submit(bob, document.id, 0, [{ p: ['list', 0], ld: 'zz' }], 'two', 1), 400, 'invalid_operation');
    });
  });

  test('bad fields are 400 invalid_request', async () => {
    const document = await documentWithOps(1);
    const op = [{ p: ['text', 0], si: 'x' }];
    const bodies = [
      { op, client_id: 'c', seq: 1 },
      { version: -1, op, client_id: 'c', seq: 1 },
      { version: '1', op, client_id: 'c', seq: 1 },
      { version: 1.5, op, client_id: 'c', seq: 1 },
      { version: 1, client_id: 'c', seq: 1 },
      { version: 1, op: { p: ['text', 0], si: 'x' }, client_id: 'c', seq: 1 },
      { version: 1, op: 'text', client_id: 'c', seq: 1 },
      { version: 1, op, seq: 1 },
      { version: 1, op, client_id: '', seq: 1 },
      { version: 1, op, client_id: 'c'.repeat(65), seq: 1 },
      { version: 1, op, client_id: 7, seq: 1 },
      { version: 1, op, client_id: 'c' },
      { version: 1, op, client_id: 'c', seq: -1 },
      { version: 1, op, client_id: 'c', seq: 'one' },
      { version: 1, op, client_id: 'c', seq: 1, extra: true },
    ];
    await assertUnchanged(document.id, async () => {
      for (const body of bodies) {
        assertError(await bob('POST', `/v1/documents/${document.id}/ops`, body), 400, 'invalid_request');
      }
      assertError(await bob('POST', `/v1/documents/${document.id}/ops`, '{"version": 1,'), 400, 'invalid_request');
      assertError(await bob('POST', `/v1/documents/${document.id}/ops`, '[]'), 400, 'invalid_request');
      assertError(await bob('POST', `/v1/documents/${document.id}/ops`), 400, 'invalid_request');
    });
  });

  test('oversized op is 413', async () => {
    const document = await documentWithOps(1);
    const manyComponents = Array.from({ length: 1001 }, () => ({ p: ['text', 0], si: 'x' }));
    const manyBytes = [{ p: ['text', 0], si: 'x'.repeat(300 * 1024) }];
    const hugeBody = [{ p: ['text', 0], si: 'x'.repeat(3 * 1024 * 1024) }];
    await assertUnchanged(document.id, async () => {
      assertError(await submit(bob, document.id, 1, manyComponents, 'big', 1), 413, 'payload_too_large');
      assertError(await submit(bob, document.id, 1, manyBytes, 'big', 2), 413, 'payload_too_large');
      const huge = await submit(bob, document.id, 1, hugeBody, 'big', 3);
      assert.equal(huge.status, 413, huge.text.slice(0, 200));
    });
    // Just under both limits is accepted.
    const fits = Array.from({ length: 1000 }, () => ({ p: ['text', 0], si: 'y' }));
    const reply = await submit(bob, document.id, 1, fits, 'big', 4);
    assert.equal(reply.status, 200, reply.text.slice(0, 200));
  });

  test('op growing content past max_content is 413', async () => {
    const small = await startServer({ args: ['--max-content', '4096'] });
    try {
      const owner = client(small, 'owner');
      const workspace = await createWorkspace(owner);
      const document = await createDocument(owner, workspace, { text: 'x'.repeat(3000) });
      const op = [{ p: ['text', 0], si: 'y'.repeat(2000) }];
      const reply = await submit(owner, document.id, 0, op, 'grow', 1);
      assertError(reply, 413, 'payload_too_large');
      const read = await owner('GET', `/v1/documents/${document.id}`);
      assert.equal(read.body.version, 0);
    } finally {
      await small.stop();
      small.cleanup();
    }
  });

  test('commenter, viewer and non-member get 403', async () => {
    const document = await documentWithOps(1);
    await assertUnchanged(document.id, async () => {
      for (const request of [carol, victor, mallory]) {
        assertError(await submit(request, document.id, 1, [{ p: ['text', 0], si: 'x' }], 'nope', 1), 403, 'forbidden');
      }
    });
    // A rejected (client_id, seq) is not remembered.
    const reply = await submit(bob, document.id, 1, [{ p: ['text', 0], si: 'x' }], 'nope', 1);
    assert.equal(reply.status, 200, reply.text);
  });

  test('missing or invalid token is 401', async () => {
    const document = await documentWithOps(1);
    await assertUnchanged(document.id, async () => {
      const body = JSON.stringify({ version: 1, op: [{ p: ['text', 0], si: 'x' }], client_id: 'anon', seq: 1 });
      for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
        const response = await fetch(`${server.url}/v1/documents/${document.id}/ops`, {
          method: 'POST', body, headers: { 'content-type': 'application/json', ...headers },
        });
        assert.equal(response.status, 401);
      }
    });
  });

  test('deleted document logs no error at shutdown', async () => {
    const own = await startServer();
    try {
      const owner = client(own, 'owner');
      const workspace = await createWorkspace(owner);
      const document = await createDocument(owner, workspace, { text: '' });
      assert.equal((await submit(owner, document.id, 0, [{ p: ['text', 0], si: 'x' }], 'gone', 1)).status, 200);
      assert.equal((await owner('DELETE', `/v1/documents/${document.id}`)).status, 204);
    } finally {
      const result = await own.stop();
      own.cleanup();
      assert.equal(result.code, 0, own.output());
      const errors = own.output().split('\n').filter((line) => line.includes('[error]'));
      assert.deepEqual(errors, []);
    }
  });

  test('unknown document is 404', async () => {
    const op = [{ p: ['text', 0], si: 'x' }];
    assertError(await submit(bob, 'd_does_not_exist', 0, op, 'ghost', 1), 404, 'not_found');
    assertError(await bob('GET', '/v1/documents/d_does_not_exist/ops?from=0'), 404, 'not_found');
    assertError(await bob('GET', '/v1/documents/d_does_not_exist?version=0'), 404, 'not_found');
  });

  test('deleted document is 404', async () => {
    // One document edited (so the server keeps it in memory), one never edited.
    const edited = await documentWithOps(2);
    const untouched = await documentWithOps(0);
    for (const document of [edited, untouched]) {
      assert.equal((await bob('DELETE', `/v1/documents/${document.id}`)).status, 204);
      const reply = await submit(bob, document.id, document === edited ? 2 : 0, [{ p: ['text', 0], si: 'x' }], 'late', 1);
      assertError(reply, 404, 'not_found');
      assertError(await bob('GET', `/v1/documents/${document.id}/ops?from=0`), 404, 'not_found');
      assertError(await bob('GET', `/v1/documents/${document.id}?version=0`), 404, 'not_found');
    }
    // Still gone on a second try, after the server noticed the deletion.
    assertError(await submit(bob, edited.id, 2, [{ p: ['text', 0], si: 'x' }], 'late', 2), 404, 'not_found');
  });
});

describe('error order', () => {
  // The documented order: 401, 404, 403, 400 invalid_request and 413, the
  // resubmission rule, 409, 400 invalid_operation.
  const badFields = { version: 0, op: [{ p: ['text', 0], si: 'x' }], client_id: 'order' }; // no seq

  test('unknown document before bad fields', async () => {
    assertError(await bob('POST', '/v1/documents/d_does_not_exist/ops', badFields), 404, 'not_found');
  });

  test('non-member on deleted document is 404', async () => {
    // One document the server has loaded for editing, one it never loaded:
    // the reply must not depend on that.
    const edited = await documentWithOps(1);
    const untouched = await documentWithOps(0);
    for (const document of [untouched, edited]) {
      assert.equal((await bob('DELETE', `/v1/documents/${document.id}`)).status, 204);
      const reply = await submit(mallory, document.id, document.version, [{ p: ['text', 0], si: 'x' }], 'order', 1);
      assertError(reply, 404, 'not_found');
    }
  });

  test('viewer with bad fields is 403', async () => {
    const document = await documentWithOps(1);
    await assertUnchanged(document.id, async () => {
      assertError(await victor('POST', `/v1/documents/${document.id}/ops`, badFields), 403, 'forbidden');
      const tooMany = Array.from({ length: 1001 }, () => ({ p: ['text', 0], si: 'x' }));
      assertError(await submit(victor, document.id, 1, tooMany, 'order', 1), 403, 'forbidden');
    });
  });

  test('version ahead before an op that does not apply', async () => {
    const document = await documentWithOps(1);
    await assertUnchanged(document.id, async () => {
      const reply = await submit(bob, document.id, 5, [{ p: ['text', 0], sd: 'nothing like this' }], 'order', 1);
      assertError(reply, 409, 'version_conflict');
    });
  });
});

describe('reading', () => {
  test('every old version reads back across snapshots', async () => {
    const initial = { text: '', list: [], meta: {} };
    const document = await createDocument(bob, ws, initial);
    const expected = [clone(initial)];
    const total = SNAPSHOT_INTERVAL * 4 + 3;
    for (let version = 1; version <= total; version++) {
      const key = `k${version % 4}`;
      const old = expected.at(-1).meta[key];
      const replace = old === undefined ? { oi: version } : { od: old, oi: version };
      const op = version % 3 === 0
        ? [{ p: ['list', 0], li: version }]
        : [{ p: ['text', 0], si: `${version},` }, { p: ['meta', key], ...replace }];
      const reply = await submit(bob, document.id, version - 1, op, 'history', version);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.version, version);
      expected.push(json0.apply(clone(expected.at(-1)), clone(op)));
    }

    for (let version = 0; version <= total; version++) {
      const read = await victor('GET', `/v1/documents/${document.id}?version=${version}`);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.version, version);
      assert.deepEqual(read.body.content, expected[version], `content at version ${version}`);
    }
    const newest = await victor('GET', `/v1/documents/${document.id}`);
    assert.equal(newest.body.version, total);
    assert.deepEqual(newest.body.content, expected[total]);

    assertError(await victor('GET', `/v1/documents/${document.id}?version=${total + 1}`), 404, 'not_found');
    assertError(await victor('GET', `/v1/documents/${document.id}?version=-1`), 400, 'invalid_request');
    assertError(await victor('GET', `/v1/documents/${document.id}?version=abc`), 400, 'invalid_request');
    assertError(await mallory('GET', `/v1/documents/${document.id}?version=1`), 403, 'forbidden');
  });

  test('op log ranges', async () => {
    const document = await documentWithOps(12);
    const path = `/v1/documents/${document.id}/ops`;
    const versions = async (query) => {
      const response = await victor('GET', `${path}?${query}`);
      assert.equal(response.status, 200, response.text);
      return response.body.ops.map((record) => record.version);
    };
    const range = (first, last) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

    assert.deepEqual(await versions('from=0'), range(1, 12));
    assert.deepEqual(await versions(''), range(1, 12));
    assert.deepEqual(await versions('from=3&to=7'), range(4, 7));
    assert.deepEqual(await versions('from=0&limit=2'), [1, 2]);
    assert.deepEqual(await versions('from=10&to=100'), [11, 12]);
    assert.deepEqual(await versions('from=5&to=5'), []);
    assert.deepEqual(await versions('from=12'), []);
    assert.deepEqual(await versions('from=0&limit=1000'), range(1, 12));

    const all = (await victor('GET', `${path}?from=0`)).body.ops;
    indexLog(all);
    assert.deepEqual(all.map((record) => record.seq), range(1, 12));
    assert.ok(all.every((record) => record.client_id === 'setup' && record.user_id === 'bob'));

    for (const query of ['from=5&to=4', 'from=-1', 'from=x', 'limit=0', 'limit=1001', 'to=-3']) {
      assertError(await victor('GET', `${path}?${query}`), 400, 'invalid_request');
    }
    assertError(await mallory('GET', `${path}?from=0`), 403, 'forbidden');
    assert.equal((await carol('GET', `${path}?from=0`)).status, 200);
  });

  test('long history: paging, old base, old dedup', async () => {
    const document = await createDocument(bob, ws, { n: 0, text: 'abcdef' });
    const total = 1003;
    const batch = 50;
    for (let start = 0; start < total; start += batch) {
      const replies = await Promise.all(Array.from({ length: Math.min(batch, total - start) }, (_, i) =>
        submit(bob, document.id, start, [{ p: ['n'], na: 1 }, { p: ['text', 0], si: 'x' }], 'pager', start + i)));
      for (const reply of replies) assert.equal(reply.status, 200, reply.text);
    }
    const first = await victor('GET', `/v1/documents/${document.id}/ops?from=0`);
    assert.equal(first.body.ops.length, 1000);
    const all = await fetchOps(victor, document.id, 0);
    assert.equal(all.length, total);
    indexLog(all);
    assert.deepEqual((await victor('GET', `/v1/documents/${document.id}`)).body.content,
      { n: total, text: `${'x'.repeat(total)}abcdef` });

    // An op based on version 0 is transformed against all 1003 later ops,
    // more than the server keeps in memory.
    const old = await submit(alice, document.id, 0, [{ p: ['text', 3], si: '!' }], 'late', 1);
    assert.equal(old.status, 200, old.text);
    assert.deepEqual(old.body, { version: total + 1, op: [{ p: ['text', total + 3], si: '!' }] });

    // Version 1 is older than the 1000 ops kept in memory, so its
    // resubmission is deduplicated from the log.
    await assertUnchanged(document.id, async () => {
      const again = await submit(bob, document.id, 0, [{ p: ['n'], na: 1 }], 'pager', all[0].seq);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, { version: 1, op: all[0].op });
    });
  });

  test('metadata changes keep the version', async () => {
    const document = await documentWithOps(2);
    assert.equal((await bob('PATCH', `/v1/documents/${document.id}`, { title: 'Renamed', tags: ['x'] })).status, 200);
    const read = await bob('GET', `/v1/documents/${document.id}`);
    assert.equal(read.body.version, 2);
    assert.equal(read.body.title, 'Renamed');
    const reply = await submit(bob, document.id, 2, [{ p: ['text', 0], si: 'x' }], 'after-meta', 1);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.version, 3);
    const after = await bob('GET', `/v1/documents/${document.id}`);
    assert.equal(after.body.title, 'Renamed');
    assert.deepEqual(after.body.tags, ['x']);
    assert.equal(after.body.content.text, 'x21hello');
  });
});

describe('concurrency', () => {
  test('documents commit independently in parallel', async () => {
    const documents = await Promise.all(Array.from({ length: 10 }, () => createDocument(bob, ws, { list: [] })));
    const perDocument = 6;
    const replies = await Promise.all(documents.flatMap((document, d) =>
      Array.from({ length: perDocument }, (_, i) =>
        submit(bob, document.id, 0, [{ p: ['list', 0], li: `${d}.${i}` }], `parallel-${i}`, 1))));
    for (const reply of replies) assert.equal(reply.status, 200, reply.text);

    for (const [d, document] of documents.entries()) {
      const log = await fetchOps(bob, document.id, 0);
      indexLog(log);
      assert.equal(log.length, perDocument);
      const read = await bob('GET', `/v1/documents/${document.id}`);
      assert.equal(read.body.version, perDocument);
      assert.deepEqual([...read.body.content.list].sort(), Array.from({ length: perDocument }, (_, i) => `${d}.${i}`).sort());
    }
  });

  test('concurrent submits at one base version all commit', async () => {
    const document = await documentWithOps(2, { text: 'base', list: [], meta: {} });
    const base = await bob('GET', `/v1/documents/${document.id}`);
    const editors = 12;
    const ops = Array.from({ length: editors }, (_, i) => [
      { p: ['list', 0], li: `item ${i}` },
      { p: ['text', i % 5], si: `<${i}>` },
      { p: ['meta', `k${i}`], oi: i },
    ]);
    const replies = await Promise.all(ops.map((op, i) => submit(i % 2 ? alice : bob, document.id, 2, op, `editor-${i}`, 1)));

    for (const reply of replies) assert.equal(reply.status, 200, reply.text);
    const versions = replies.map((reply) => reply.body.version).sort((x, y) => x - y);
    assert.deepEqual(versions, Array.from({ length: editors }, (_, i) => 3 + i));

    const log = await fetchOps(bob, document.id, 0);
    const byKey = indexLog(log);
    assert.equal(log.length, 2 + editors);
    for (const [i, reply] of replies.entries()) {
      const record = byKey.get(`editor-${i}/1`);
      assert.ok(record, `editor-${i} is missing from the log`);
      assert.equal(record.version, reply.body.version);
      assert.deepEqual(record.op, reply.body.op);
    }

    // Replaying the log on the base content with ot-json0 gives the server's content.
    let replayed = clone(base.body.content);
    for (const record of log.slice(2)) replayed = json0.apply(replayed, clone(record.op));
    const final = await bob('GET', `/v1/documents/${document.id}`);
    assert.deepEqual(final.body.content, replayed);
    assert.equal(final.body.content.list.length, editors);
    for (let i = 0; i < editors; i++) {
      assert.ok(final.body.content.list.includes(`item ${i}`), `item ${i} was lost`);
      assert.ok(final.body.content.text.includes(`<${i}>`), `text of editor ${i} was lost`);
      assert.equal(final.body.content.meta[`k${i}`], i);
    }
  });
});

describe('restore', () => {
  test('restoring an old version is a new op', async () => {
    const document = await createDocument(alice, ws, { text: 'v0', list: [1] });
    assert.equal((await submit(bob, document.id, 0, [{ p: ['text', 2], si: '+' }, { p: ['extra'], oi: true }], 'rs', 1)).status, 200);
    assert.equal((await submit(bob, document.id, 1, [{ p: ['list', 1], li: 2 }], 'rs', 2)).status, 200);

    const restored = await bob('POST', `/v1/documents/${document.id}/restore`, { version: 0 });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.version, 3);
    const read = await bob('GET', `/v1/documents/${document.id}`);
    assert.deepEqual(read.body.content, { text: 'v0', list: [1] });
    assert.equal(read.body.version, 3);

    // The restore is in the op log like any other op, so it can be undone.
    const ops = await bob('GET', `/v1/documents/${document.id}/ops?from=2`);
    assert.equal(ops.body.ops.length, 1);
    assert.equal(ops.body.ops[0].user_id, 'bob');
  });

  test('restore needs an editor and a real version', async () => {
    const document = await createDocument(alice, ws, { text: 'x' });
    assertError(await carol('POST', `/v1/documents/${document.id}/restore`, { version: 0 }), 403, 'forbidden');
    assertError(await bob('POST', `/v1/documents/${document.id}/restore`, { version: 7 }), 404, 'not_found');
    assertError(await bob('POST', `/v1/documents/${document.id}/restore`, { version: 'old' }), 400, 'invalid_request');
    assertError(await bob('POST', '/v1/documents/d_missing/restore', { version: 0 }), 404, 'not_found');
  });
});

describe('retention', () => {
  test('history older than the retention is dropped', async () => {
    const small = await startServer({ args: ['--snapshot-interval', '5', '--op-retention', '10'] });
    try {
      const owner = client(small, 'owner');
      const workspace = (await owner('POST', '/v1/workspaces', { name: 'Retention' })).body.id;
      const document = await createDocument(owner, workspace, { text: '' });
      for (let i = 0; i < 40; i++) {
        const reply = await submit(owner, document.id, i, [{ p: ['text', i], si: 'x' }], 'keep', i);
        assert.equal(reply.status, 200, reply.text);
      }

      // Pruning follows the debounced reindex; wait until old ops are gone.
      let ops;
      for (let attempt = 0; attempt < 50; attempt++) {
        ops = await owner('GET', `/v1/documents/${document.id}/ops?from=0`);
        if (ops.body.ops[0].version > 1) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const oldest = ops.body.ops[0].version;
      assert.ok(oldest > 1, 'old ops were not pruned');
      assert.ok(oldest <= 40 - 10 + 1, `ops within the retention were pruned (oldest ${oldest})`);

      // Recent versions stay readable; pruned ones are 404.
      assert.equal((await owner('GET', `/v1/documents/${document.id}?version=35`)).body.content.text.length, 35);
      assertError(await owner('GET', `/v1/documents/${document.id}?version=1`), 404, 'not_found');

      // After a restart the in-memory window is gone, so a base version
      // older than the retained history is a conflict.
      await small.stop();
      const again = await startServer({ dataDir: small.dataDir, args: ['--snapshot-interval', '5', '--op-retention', '10'] });
      try {
        const owner2 = client(again, 'owner');
        const stale = await submit(owner2, document.id, 0, [{ p: ['text', 0], si: 'y' }], 'late', 1);
        assertError(stale, 409, 'version_conflict');
        assert.equal(stale.body.error.current_version, 40);
        assert.equal((await owner2('GET', `/v1/documents/${document.id}`)).body.content.text.length, 40);
      } finally {
        await again.stop();
      }
    } finally {
      await small.stop();
      small.cleanup();
    }
  });
});
