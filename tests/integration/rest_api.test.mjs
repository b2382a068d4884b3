// The REST contract against the real binary: every route, every 4xx path,
// and the guarantee that a rejected request writes nothing.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, token, SECRET } from '../lib/server.mjs';

let server;
let alice; // owner of the main workspace
let bob; // editor
let carol; // viewer
let mallory; // not a member
let ws;

before(async () => {
  server = await startServer({ args: ['--max-content', '4096', '--max-body', '8192'] });
  alice = client(server, 'alice', { name: 'Alice', email: 'alice@example.com' });
  bob = client(server, 'bob', { name: 'Bob' });
  carol = client(server, 'carol', { name: 'Carol' });
  mallory = client(server, 'mallory');

  const created = await alice('POST', '/v1/workspaces', { name: 'Team' });
  assert.equal(created.status, 201, created.text);
  ws = created.body.id;
  await bob('GET', '/v1/workspaces'); // records Bob's name
  assert.equal((await alice('PUT', `/v1/workspaces/${ws}/members/bob`, { role: 'editor' })).status, 200);
  assert.equal((await alice('PUT', `/v1/workspaces/${ws}/members/carol`, { role: 'viewer' })).status, 200);
});

after(async () => {
  const result = await server.stop();
  assert.equal(result.code, 0, server.output());
  server.cleanup();
});

function assertError(response, status, code) {
  assert.equal(response.status, status, response.text);
  assert.equal(response.body?.error?.code, code, response.text);
  assert.equal(typeof response.body.error.message, 'string');
  assert.ok(response.body.error.message.length > 5, response.text);
}

// Returns everything a workspace holds, to compare before and after a
// rejected request.
async function snapshot() {
  const members = await alice('GET', `/v1/workspaces/${ws}/members`);
  const documents = await alice('GET', `/v1/workspaces/${ws}/documents?limit=100`);
  const workspaces = await alice('GET', '/v1/workspaces');
  const full = [];
  for (const document of documents.body.documents) {
    full.push((await alice('GET', `/v1/documents/${document.id}`)).body);
  }
  return JSON.stringify({ members: members.body, documents: full, workspaces: workspaces.body });
}

describe('probes', () => {
  test('health and ready answer 200', async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).status, 'ready');
  });

  test('metrics are Prometheus text with request counters', async () => {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /text\/plain/);
    const text = await response.text();
    assert.match(text, /tandem_http_requests_total\{route="\/v1\/workspaces",method="POST",status="201"\} \d+/);
    assert.match(text, /tandem_http_request_duration_seconds_bucket\{route="[^"]+",le="0.005"\} \d+/);
    assert.match(text, /tandem_http_open_connections \d+/);
    assert.match(text, /tandem_db_commit_duration_seconds_count [1-9]\d*/);
  });

  test('unknown route is 404 and wrong method is 405', async () => {
    assertError(await alice('GET', '/v1/nothing-here'), 404, 'not_found');
    const wrong = await alice('POST', '/v1/documents/abc');
    assert.equal(wrong.status, 405);
  });
});

describe('authentication', () => {
  const cases = [
    ['missing header', {}],
    ['wrong scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['bad signature', { authorization: `Bearer ${token('alice', {}, 'another-secret-entirely')}` }],
    ['expired', { authorization: `Bearer ${token('alice', { exp: Math.floor(Date.now() / 1000) - 3600 })}` }],
    ['missing sub', { authorization: `Bearer ${token(undefined)}` }],
    ['not a jwt', { authorization: 'Bearer abc.def' }],
  ];
  for (const [name, headers] of cases) {
    test(`rejects ${name} with 401`, async () => {
      const response = await fetch(`${server.url}/v1/workspaces`, { headers });
      const body = await response.json();
      assert.equal(response.status, 401);
      assert.equal(body.error.code, 'unauthorized');
      assert.ok(body.error.message.length > 5);
    });
  }

  test('rejects alg none with 401 naming the algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const response = await fetch(`${server.url}/v1/workspaces`, { headers: { authorization: `Bearer ${header}.${payload}.` } });
    const body = await response.json();
    assert.equal(response.status, 401);
    assert.match(body.error.message, /none/);
  });

  test('tolerates small clock skew on exp', async () => {
    const skewed = token('alice', { exp: Math.floor(Date.now() / 1000) - 5 });
    const response = await fetch(`${server.url}/v1/workspaces`, { headers: { authorization: `Bearer ${skewed}` } });
    assert.equal(response.status, 200);
  });

  test('the secret is never in the log', () => {
    assert.ok(!server.output().includes(SECRET));
  });
});

describe('workspaces and members', () => {
  test('creator is owner and sees the workspace', async () => {
    const list = await alice('GET', '/v1/workspaces');
    assert.equal(list.status, 200);
    const team = list.body.find((w) => w.id === ws);
    assert.equal(team.name, 'Team');
    assert.equal(team.role, 'owner');
    const others = await mallory('GET', '/v1/workspaces');
    assert.ok(!others.body.some((w) => w.id === ws));
  });

  test('members list names and roles', async () => {
    const members = await carol('GET', `/v1/workspaces/${ws}/members`);
    assert.equal(members.status, 200);
    const byId = Object.fromEntries(members.body.map((m) => [m.user_id, m]));
    assert.equal(byId.alice.role, 'owner');
    assert.equal(byId.alice.name, 'Alice');
    assert.equal(byId.bob.role, 'editor');
    assert.equal(byId.bob.name, 'Bob');
    assert.equal(byId.carol.role, 'viewer');
  });

  test('user name is updated when the token changes it', async () => {
    const renamed = client(server, 'carol', { name: 'Carol Renamed' });
    await renamed('GET', '/v1/workspaces');
    const members = await alice('GET', `/v1/workspaces/${ws}/members`);
    assert.equal(members.body.find((m) => m.user_id === 'carol').name, 'Carol Renamed');
  });

  test('non-member cannot list members', async () => {
    assertError(await mallory('GET', `/v1/workspaces/${ws}/members`), 403, 'forbidden');
  });

  test('unknown workspace is 404', async () => {
    assertError(await alice('GET', '/v1/workspaces/w_missing/members'), 404, 'not_found');
  });

  test('only owners manage members', async () => {
    const before = await snapshot();
    assertError(await bob('PUT', `/v1/workspaces/${ws}/members/dave`, { role: 'viewer' }), 403, 'forbidden');
    assertError(await bob('DELETE', `/v1/workspaces/${ws}/members/carol`), 403, 'forbidden');
    assert.equal(await snapshot(), before);
  });

  test('bad member requests are rejected and change nothing', async () => {
    const before = await snapshot();
    const bad = [
      [{ role: 'admin' }, /admin/],
      [{ role: 5 }, /role/],
      [{}, /role/],
      [{ role: 'viewer', extra: 1 }, /extra/],
    ];
    for (const [body, pattern] of bad) {
      const response = await alice('PUT', `/v1/workspaces/${ws}/members/dave`, body);
      assertError(response, 400, 'invalid_request');
      assert.match(response.body.error.message, pattern);
    }
    assert.equal(await snapshot(), before);
  });

  test('last owner cannot be demoted or removed', async () => {
    const before = await snapshot();
    assertError(await alice('PUT', `/v1/workspaces/${ws}/members/alice`, { role: 'editor' }), 400, 'invalid_request');
    assertError(await alice('DELETE', `/v1/workspaces/${ws}/members/alice`), 400, 'invalid_request');
    assert.equal(await snapshot(), before);
  });

  test('owner adds, changes and removes a member', async () => {
    const added = await alice('PUT', `/v1/workspaces/${ws}/members/erin`, { role: 'commenter' });
    assert.equal(added.status, 200);
    assert.equal(added.body.role, 'commenter');
    const changed = await alice('PUT', `/v1/workspaces/${ws}/members/erin`, { role: 'editor' });
    assert.equal(changed.body.role, 'editor');
    assert.equal((await alice('DELETE', `/v1/workspaces/${ws}/members/erin`)).status, 204);
    assertError(await alice('DELETE', `/v1/workspaces/${ws}/members/erin`), 404, 'not_found');
  });

  test('a second owner lets the first step down', async () => {
    const created = await alice('POST', '/v1/workspaces', { name: 'Handover' });
    const id = created.body.id;
    assert.equal((await alice('PUT', `/v1/workspaces/${id}/members/bob`, { role: 'owner' })).status, 200);
    assert.equal((await alice('PUT', `/v1/workspaces/${id}/members/alice`, { role: 'viewer' })).status, 200);
    assertError(await bob('DELETE', `/v1/workspaces/${id}/members/bob`), 400, 'invalid_request');
  });

  test('bad workspace bodies are rejected', async () => {
    const before = await snapshot();
    const cases = [
      ['', /empty/],
      ['{not json', /JSON/],
      ['[1,2]', /object/],
      [JSON.stringify({ name: '' }), /name/],
      [JSON.stringify({ name: '   ' }), /name/],
      [JSON.stringify({ name: 42 }), /name/],
      [JSON.stringify({}), /name/],
      [JSON.stringify({ name: 'x'.repeat(201) }), /name/],
      [JSON.stringify({ name: 'ok', color: 'red' }), /color/],
    ];
    for (const [body, pattern] of cases) {
      const response = await alice('POST', '/v1/workspaces', body);
      assertError(response, 400, 'invalid_request');
      assert.match(response.body.error.message, pattern, `body ${body}`);
    }
    assert.equal(await snapshot(), before);
  });

  test('invalid UTF-8 in a body is rejected', async () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const response = await fetch(`${server.url}/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('alice')}`, 'content-type': 'application/json' },
      body: bytes,
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error.code, 'invalid_request');
  });
});

describe('documents', () => {
  test('create returns the full document at version 0', async () => {
    const content = { blocks: [{ type: 'paragraph', text: 'Hello 👋 world' }] };
    const response = await bob('POST', `/v1/workspaces/${ws}/documents`, { title: 'First', content, tags: ['a', 'b', 'a'] });
    assert.equal(response.status, 201, response.text);
    const document = response.body;
    assert.match(document.id, /^d_/);
    assert.equal(document.workspace_id, ws);
    assert.equal(document.title, 'First');
    assert.deepEqual(document.content, content);
    assert.equal(document.version, 0);
    assert.deepEqual(document.tags, ['a', 'b']);
    assert.equal(document.created_by, 'bob');
    assert.equal(document.last_edited_by, 'bob');
    assert.ok(!Number.isNaN(Date.parse(document.created_at)));
    assert.equal(document.created_at, document.updated_at);

    const read = await carol('GET', `/v1/documents/${document.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, document);
  });

  test('content defaults to an empty object', async () => {
    const response = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: '' });
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(response.body.content, {});
    assert.deepEqual(response.body.tags, []);
  });

  test('viewers and non-members cannot create', async () => {
    const before = await snapshot();
    assertError(await carol('POST', `/v1/workspaces/${ws}/documents`, { title: 'x' }), 403, 'forbidden');
    assertError(await mallory('POST', `/v1/workspaces/${ws}/documents`, { title: 'x' }), 403, 'forbidden');
    assertError(await alice('POST', '/v1/workspaces/w_missing/documents', { title: 'x' }), 404, 'not_found');
    assert.equal(await snapshot(), before);
  });

  test('bad document bodies are rejected and change nothing', async () => {
    const before = await snapshot();
    const cases = [
      [{ content: {} }, /title/],
      [{ title: 7 }, /title/],
      [{ title: 'x', content: [1] }, /content/],
      [{ title: 'x', content: 'text' }, /content/],
      [{ title: 'x', tags: 'a' }, /tags/],
      [{ title: 'x', tags: [1] }, /tags/],
      [{ title: 'x', tags: [''] }, /tag/],
      [{ title: 'x', tags: [' padded'] }, /tag/],
      [{ title: 'x', tags: ['x'.repeat(65)] }, /tag/],
      [{ title: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, /tags/],
      [{ title: 'x'.repeat(501) }, /title/],
      [{ title: 'bad\u0001title' }, /title/],
      [{ title: 'x', owner: 'me' }, /owner/],
    ];
    for (const [body, pattern] of cases) {
      const response = await alice('POST', `/v1/workspaces/${ws}/documents`, body);
      assertError(response, 400, 'invalid_request');
      assert.match(response.body.error.message, pattern, JSON.stringify(body));
    }
    assert.equal(await snapshot(), before);
  });

  test('oversized content is 413 and oversized body is 413', async () => {
    const before = await snapshot();
    const big = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'big', content: { text: 'x'.repeat(5000) } });
    assertError(big, 413, 'payload_too_large');
    assert.match(big.body.error.message, /4096/);
    const huge = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'huge', content: { text: 'x'.repeat(20000) } });
    assertError(huge, 413, 'payload_too_large');
    assert.equal(await snapshot(), before);
  });

  test('version query reads the current version only', async () => {
    const created = await bob('POST', `/v1/workspaces/${ws}/documents`, { title: 'Versioned' });
    const id = created.body.id;
    assert.equal((await bob('GET', `/v1/documents/${id}?version=0`)).status, 200);
    assertError(await bob('GET', `/v1/documents/${id}?version=3`), 404, 'not_found');
    assertError(await bob('GET', `/v1/documents/${id}?version=abc`), 400, 'invalid_request');
    assertError(await bob('GET', `/v1/documents/${id}?version=-1`), 400, 'invalid_request');
  });

  test('patch changes title and tags and tracks the editor', async () => {
    const created = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'Old', tags: ['x'] });
    const id = created.body.id;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const patched = await bob('PATCH', `/v1/documents/${id}`, { title: 'New', tags: ['y', 'z'] });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.title, 'New');
    assert.deepEqual(patched.body.tags, ['y', 'z']);
    assert.equal(patched.body.last_edited_by, 'bob');
    assert.equal(patched.body.created_by, 'alice');
    assert.ok(Date.parse(patched.body.updated_at) > Date.parse(created.body.updated_at));

    const titleOnly = await bob('PATCH', `/v1/documents/${id}`, { title: 'Newer' });
    assert.deepEqual(titleOnly.body.tags, ['y', 'z']);
  });

  test('bad patches change nothing', async () => {
    const created = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'Stable', tags: ['keep'] });
    const id = created.body.id;
    const before = await snapshot();
    assertError(await bob('PATCH', `/v1/documents/${id}`, {}), 400, 'invalid_request');
    assertError(await bob('PATCH', `/v1/documents/${id}`, { title: 1 }), 400, 'invalid_request');
    assertError(await bob('PATCH', `/v1/documents/${id}`, { content: {} }), 400, 'invalid_request');
    assertError(await bob('PATCH', `/v1/documents/${id}`, { tags: [''] }), 400, 'invalid_request');
    assertError(await carol('PATCH', `/v1/documents/${id}`, { title: 'Viewer edit' }), 403, 'forbidden');
    assertError(await mallory('PATCH', `/v1/documents/${id}`, { title: 'Outsider' }), 403, 'forbidden');
    assertError(await bob('PATCH', '/v1/documents/d_missing', { title: 'x' }), 404, 'not_found');
    assert.equal(await snapshot(), before);
  });

  test('delete hides the document', async () => {
    const created = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'Doomed' });
    const id = created.body.id;
    assertError(await carol('DELETE', `/v1/documents/${id}`), 403, 'forbidden');
    assert.equal((await bob('DELETE', `/v1/documents/${id}`)).status, 204);
    assertError(await alice('GET', `/v1/documents/${id}`), 404, 'not_found');
    assertError(await alice('DELETE', `/v1/documents/${id}`), 404, 'not_found');
    const list = await alice('GET', `/v1/workspaces/${ws}/documents?limit=100`);
    assert.ok(!list.body.documents.some((d) => d.id === id));
  });

  test('non-members cannot read a document', async () => {
    const created = await alice('POST', `/v1/workspaces/${ws}/documents`, { title: 'Private' });
    assertError(await mallory('GET', `/v1/documents/${created.body.id}`), 403, 'forbidden');
  });
});

describe('listing', () => {
  let listWs;
  const titles = [];

  before(async () => {
    listWs = (await alice('POST', '/v1/workspaces', { name: 'Listing' })).body.id;
    for (let i = 0; i < 12; i += 1) {
      const response = await alice('POST', `/v1/workspaces/${listWs}/documents`, {
        title: `doc ${i}`, tags: i % 3 === 0 ? ['third'] : [],
      });
      assert.equal(response.status, 201);
      titles.push(response.body.id);
    }
  });

  async function listAll(path) {
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 50; page += 1) {
      const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const response = await alice('GET', `${path}${query}`);
      assert.equal(response.status, 200, response.text);
      seen.push(...response.body.documents.map((d) => d.id));
      cursor = response.body.next_cursor;
      if (!cursor) break;
    }
    return seen;
  }

  test('newest updated first, without content', async () => {
    const response = await alice('GET', `/v1/workspaces/${listWs}/documents?limit=100`);
    const ids = response.body.documents.map((d) => d.id);
    assert.deepEqual(ids, [...titles].reverse());
    assert.equal(response.body.documents[0].content, undefined);
    assert.equal(response.body.next_cursor, null);
  });

  test('cursor pages cover everything once', async () => {
    const ids = await listAll(`/v1/workspaces/${listWs}/documents?limit=5`);
    assert.deepEqual(ids, [...titles].reverse());
  });

  test('pages stay correct while documents change', async () => {
    const first = await alice('GET', `/v1/workspaces/${listWs}/documents?limit=4`);
    const seen = first.body.documents.map((d) => d.id);
    // Touch a document already returned and one not yet returned.
    await alice('PATCH', `/v1/documents/${seen[1]}`, { title: 'touched early' });
    const unseen = titles[2];
    await alice('PATCH', `/v1/documents/${unseen}`, { title: 'touched late' });
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await alice('GET', `/v1/workspaces/${listWs}/documents?limit=4&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.body.documents.map((d) => d.id));
      cursor = page.body.next_cursor;
    }
    assert.equal(new Set(seen).size, seen.length, 'no document twice');
    for (const id of titles) {
      if (id === unseen) continue; // moved ahead of the cursor: legitimately on an earlier page now
      assert.ok(seen.includes(id), `unchanged document ${id} was skipped`);
    }
  });

  test('tag filter', async () => {
    const ids = await listAll(`/v1/workspaces/${listWs}/documents?limit=2&tag=third`);
    assert.equal(ids.length, 4);
  });

  test('bad list parameters are 400', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=', 'cursor=%%%', 'cursor=not-a-cursor', 'tag=']) {
      const response = await alice('GET', `/v1/workspaces/${listWs}/documents?${query}`);
      assertError(response, 400, 'invalid_request');
    }
  });
});

describe('search', () => {
  let searchWs;
  let otherWs;
  let ids;

  before(async () => {
    searchWs = (await alice('POST', '/v1/workspaces', { name: 'Search' })).body.id;
    otherWs = (await alice('POST', '/v1/workspaces', { name: 'Elsewhere' })).body.id;
    const make = async (workspace, title, text, tags = []) => {
      const response = await alice('POST', `/v1/workspaces/${workspace}/documents`, {
        title, tags, content: { blocks: [{ type: 'paragraph', text }, { nested: { deeper: [text.split(' ')[0]] } }] },
      });
      assert.equal(response.status, 201, response.text);
      return response.body.id;
    };
    ids = {
      collab: await make(searchWs, 'Collaboration guide', 'how teams edit together', ['guide']),
      budget: await make(searchWs, 'Budget', 'quarterly collaboration costs and travel', ['finance']),
      zebra: await make(searchWs, 'Animals', 'the zebra crossed the road'),
      secret: await make(otherWs, 'Collaboration secrets', 'never shown to the Search workspace'),
    };
  });

  const search = (query) => alice('GET', `/v1/workspaces/${searchWs}/search?${query}`);

  test('finds words in title and content with snippets', async () => {
    const response = await search('q=zebra');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.total, 1);
    const [hit] = response.body.results;
    assert.equal(hit.id, ids.zebra);
    assert.equal(hit.title, 'Animals');
    assert.match(hit.snippet, /<mark>zebra<\/mark>/);
    assert.ok(!Number.isNaN(Date.parse(hit.updated_at)));
  });

  test('last word matches as a prefix', async () => {
    const response = await search('q=collab');
    const found = response.body.results.map((r) => r.id).sort();
    assert.deepEqual(found, [ids.collab, ids.budget].sort());
  });

  test('never returns another workspace', async () => {
    const response = await search('q=secrets');
    assert.equal(response.body.total, 0);
    assert.deepEqual(response.body.results, []);
  });

  test('relevance ranks the title match first', async () => {
    const response = await search('q=collaboration&sort=relevance');
    assert.equal(response.body.results[0].id, ids.collab);
  });

  test('default sort is newest first', async () => {
    const response = await search('q=collaboration');
    assert.deepEqual(response.body.results.map((r) => r.id), [ids.budget, ids.collab]);
  });

  test('tag filter, limit and offset', async () => {
    const tagged = await search('q=collaboration&tag=finance');
    assert.deepEqual(tagged.body.results.map((r) => r.id), [ids.budget]);
    const first = await search('q=collaboration&limit=1');
    assert.equal(first.body.results.length, 1);
    assert.equal(first.body.total, 2);
    const second = await search('q=collaboration&limit=1&offset=1');
    assert.notEqual(second.body.results[0].id, first.body.results[0].id);
  });

  test('reflects updates and deletes immediately', async () => {
    await alice('PATCH', `/v1/documents/${ids.zebra}`, { title: 'Okapi sightings' });
    const renamed = await search('q=okapi');
    assert.deepEqual(renamed.body.results.map((r) => r.id), [ids.zebra]);
    const created = await alice('POST', `/v1/workspaces/${searchWs}/documents`, { title: 'Ephemeral xylophone' });
    assert.equal((await search('q=xylophone')).body.total, 1);
    await alice('DELETE', `/v1/documents/${created.body.id}`);
    assert.equal((await search('q=xylophone')).body.total, 0);
  });

  test('hostile queries never fail', async () => {
    const hostile = ['"', '""', '"unbalanced', '*', 'collab*', '-', '-collab', 'title:collab', 'NEAR', 'NEAR(a b)',
      'AND', 'OR OR', 'NOT', 'a AND', '(', ')', '((collab', '^', '{}', '[]', '😀', 'co😀llab', '   ', '',
      '\'; DROP TABLE documents; --', 'collab -guide', '+', ':', '.', '\\', '%', 'a'.repeat(900)];
    for (const q of hostile) {
      const response = await search(`q=${encodeURIComponent(q)}`);
      assert.equal(response.status, 200, `query ${JSON.stringify(q)}: ${response.text}`);
      assert.ok(Array.isArray(response.body.results));
      assert.equal(typeof response.body.total, 'number');
    }
  });

  test('empty or missing query returns nothing', async () => {
    for (const query of ['q=', '', 'q=%20%20']) {
      const response = await search(query);
      assert.equal(response.status, 200);
      assert.equal(response.body.total, 0);
    }
  });

  test('bad search parameters are 400', async () => {
    for (const query of ['q=a&limit=0', 'q=a&limit=1000', 'q=a&offset=-1', 'q=a&offset=x', 'q=a&sort=random',
      `q=${'a'.repeat(1001)}`, 'q=%C3%28']) {
      assertError(await search(query), 400, 'invalid_request');
    }
  });

  test('non-members cannot search', async () => {
    assertError(await mallory('GET', `/v1/workspaces/${searchWs}/search?q=collab`), 403, 'forbidden');
  });
});
