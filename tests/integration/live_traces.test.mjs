// Replays real keystroke traces (josephg/editing-traces, CC BY 4.0) through
// POST /ops as json0 string ops on {"text": ""} and compares the result with
// the trace's endContent. Keystrokes are sent in batches: one multi-component
// op per request, applied in order by the server.
//
// Trace positions count Unicode code points, json0 string offsets count
// UTF-16 code units, so positions are converted against the text so far.
//
// Every full trace is replayed, smallest first, within a shared time budget:
// all of them (about 550,000 keystrokes in about 560 requests) took 26 s
// against a Debug build and 60 s against the sanitizer build on a busy
// 2-core machine. A trace still running when the budget is spent stops at a
// batch boundary and is compared with the local replay of the same prefix,
// which the output reports. The `.ascii` variants repeat the same edits and
// are skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startServer } from '../lib/server.mjs';
import { createDocument, createWorkspace, fetchOps, indexLog, liveClient } from '../lib/live.mjs';

const TRACES_DIR = process.env.TANDEM_TRACES_DIR
  ?? join(process.env.TANDEM_SOURCE_DIR ?? '.', '..', 'shared', 'data', 'editing-traces');
// Components per request; the server accepts at most 1000.
const MAX_COMPONENTS = 1000;
// Serialized op size per request, well below the server's 256 KiB op limit.
const MAX_BATCH_BYTES = 128 * 1024;

const TIME_BUDGET_MS = 60000;
const budgetEnd = Date.now() + TIME_BUDGET_MS;

const traceFiles = existsSync(TRACES_DIR)
  ? readdirSync(TRACES_DIR)
    .filter((name) => name.endsWith('.json.gz') && !name.endsWith('.ascii.json.gz'))
    .sort((a, b) => statSync(join(TRACES_DIR, a)).size - statSync(join(TRACES_DIR, b)).size)
  : [];
if (traceFiles.length === 0) {
  const reason = `no *.json.gz traces in ${TRACES_DIR}; set TANDEM_TRACES_DIR to replay them`;
  console.log(`skipping trace replay: ${reason}`);
  test('editing traces replay', { skip: reason }, () => {});
}

let server;
let request;
let ws;

before(async () => {
  server = await startServer();
  request = liveClient(server, 'typist');
  ws = await createWorkspace(request);
});

after(async () => {
  const result = await server.stop();
  assert.equal(result.code, 0, server.output());
  server.cleanup();
});

const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;

// The text being typed, with code point positions mapped to UTF-16 offsets.
// While the text has no character outside the BMP both units agree, so the
// scan is needed only after such a character was typed.
class TraceText {
  constructor() {
    this.text = '';
    this.maybeAstral = false;
  }

  utf16Offset(position, from = 0) {
    if (!this.maybeAstral) return from + position;
    let offset = from;
    for (let n = 0; n < position; n++) {
      const code = this.text.codePointAt(offset);
      assert.ok(code !== undefined, `position ${position} is past the end of the text`);
      offset += code > 0xffff ? 2 : 1;
    }
    return offset;
  }

  // Applies one trace patch and returns its json0 components.
  patch(position, deleteCount, inserted) {
    const offset = this.utf16Offset(position);
    const end = this.utf16Offset(deleteCount, offset);
    const components = [];
    if (end > offset) components.push({ p: ['text', offset], sd: this.text.slice(offset, end) });
    if (inserted.length > 0) components.push({ p: ['text', offset], si: inserted });
    this.text = this.text.slice(0, offset) + inserted + this.text.slice(end);
    if (ASTRAL.test(inserted)) this.maybeAstral = true;
    return components;
  }
}

// Compares long texts, reporting the first difference instead of both texts.
function assertSameText(actual, expected, label) {
  if (actual === expected) return;
  let index = 0;
  while (index < actual.length && actual[index] === expected[index]) index++;
  const context = (text) => JSON.stringify(text.slice(Math.max(0, index - 20), index + 20));
  assert.fail(`${label}: texts differ at UTF-16 offset ${index} (lengths ${actual.length} and ` +
    `${expected.length}): got ${context(actual)}, expected ${context(expected)}`);
}

// Replays `trace` ({txns, endContent}) on a new document and checks the
// final text and a sample of older versions. Stops early once the time
// budget is spent.
async function replay(file, trace) {
  assert.equal(trace.startContent ?? '', '', `${file} does not start from an empty text`);
  const document = await createDocument(request, ws, { text: '' }, file);
  const typed = new TraceText();
  const checkpoints = new Map(); // version -> text then
  const started = Date.now();

  let version = 0;
  let batch = [];
  let batchBytes = 0;
  let batchText = ''; // the text once the batch is applied
  let patches = 0;
  const submit = async () => {
    const body = { version, op: batch, client_id: file, seq: version + 1 };
    const reply = await request('POST', `/v1/documents/${document.id}/ops`, body);
    assert.equal(reply.status, 200, `${file} batch ${version + 1}: ${reply.text.slice(0, 500)}`);
    assert.equal(reply.body.version, version + 1);
    version = reply.body.version;
    if (version % 10 === 0) checkpoints.set(version, batchText);
    batch = [];
    batchBytes = 0;
  };

  let complete = true;
  replaying: for (const txn of trace.txns) {
    for (const [position, deleteCount, inserted] of txn.patches) {
      const components = typed.patch(position, deleteCount, inserted);
      const bytes = JSON.stringify(components).length;
      if (batch.length + components.length > MAX_COMPONENTS || batchBytes + bytes > MAX_BATCH_BYTES) {
        await submit();
        // Stop with everything submitted; `batchText` excludes this patch.
        if (Date.now() > budgetEnd) {
          complete = false;
          break replaying;
        }
      }
      batch.push(...components);
      batchBytes += bytes;
      batchText = typed.text;
      patches++;
    }
  }
  if (batch.length > 0) await submit();
  const expected = complete ? trace.endContent : batchText;
  if (complete) assertSameText(typed.text, trace.endContent, `${file}: local replay against endContent`);

  const final = await request('GET', `/v1/documents/${document.id}`);
  assert.equal(final.status, 200, final.text);
  assert.equal(final.body.version, version);
  assertSameText(final.body.content.text, expected,
    complete ? `${file}: server text against endContent` : `${file}: server text against the replayed prefix`);

  // Old versions read back as they were typed. Each read replays up to a
  // snapshot interval of large ops, so only four are sampled.
  const sampled = [...checkpoints].filter((_, index, all) => index % Math.ceil(all.length / 4) === 0);
  for (const [at, text] of sampled) {
    const old = await request('GET', `/v1/documents/${document.id}?version=${at}`);
    assert.equal(old.status, 200, old.text);
    assertSameText(old.body.content.text, text, `${file} at version ${at}`);
  }
  indexLog(await fetchOps(request, document.id, 0));

  const total = trace.txns.reduce((sum, txn) => sum + txn.patches.length, 0);
  const scope = complete
    ? `all ${total} patches`
    : `${patches} of ${total} patches (time budget spent, compared with the local replay, not endContent)`;
  console.log(`${file}: ${scope} in ${version} requests, ${expected.length} UTF-16 units, ${Date.now() - started} ms`);
}

for (const file of traceFiles) {
  test(`trace ${file} replays to its endContent`, async () => {
    const trace = JSON.parse(gunzipSync(readFileSync(join(TRACES_DIR, file))).toString('utf8'));
    await replay(file, trace);
  });
}

// The traces above contain no character outside the BMP, so this small
// trace exercises the code point to UTF-16 conversion on both sides.
test('trace with emoji replays by code points', async () => {
  const trace = {
    endContent: 'a🎉bb😀 é',
    txns: [
      { patches: [[0, 0, 'a😀b']] },
      { patches: [[2, 0, '🎉'], [1, 1, '']] },
      { patches: [[3, 0, '😀 é'], [3, 0, '👍']] },
      { patches: [[4, 3, ''], [3, 1, 'b😀 é']] },
    ],
  };
  await replay('emoji', trace);
});
