// Real input: replays every editing trace through `tandem ot` as json0 string
// edits on {"text": ""} and checks the final text against the trace's
// endContent. Each chunk of transactions goes as one op, so long
// multi-component ops are exercised too. Chunks alternate between the legacy
// si/sd form and the t:"text0" form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { OtEngine } from './ot/engine.mjs';
import { loadTrace, traceEdits, traceFiles, traceOps, tracesDir } from './ot/traces.mjs';

const CHUNK = 5000;
const dir = tracesDir();
const files = traceFiles(dir);

if (files === null) {
  test('editing traces', { skip: `SKIPPED: no editing traces at ${dir}` }, () => {});
  console.log(`ot traces: SKIPPED, folder ${dir} does not exist`);
} else {
  let engine;
  before(() => { engine = new OtEngine(); });
  after(async () => { await engine.close(); });

  test('traces folder is not empty', () => assert.ok(files.length > 0, `no *.json.gz in ${dir}`));

  for (const file of files) {
    test(`trace ${file} replays to its endContent`, { timeout: 5 * 60 * 1000 }, async () => {
      const trace = loadTrace(dir, file);
      const { txns, endContent } = traceEdits(trace);
      assert.equal(endContent, trace.endContent, 'the patch conversion itself reproduces endContent');

      let doc = { text: trace.startContent || '' };
      for (let start = 0, chunk = 0; start < txns.length; start += CHUNK, chunk++) {
        const form = chunk % 2 === 0 ? 'legacy' : 'subtype';
        const op = traceOps(txns.slice(start, start + CHUNK), form).flat();
        const reply = await engine.call('apply', doc, op);
        assert.ok(reply.result, `chunk at transaction ${start} failed: ${JSON.stringify(reply.error)}`);
        doc = reply.result;
      }
      assert.equal(doc.text.length, trace.endContent.length);
      assert.equal(doc.text, trace.endContent);
    });
  }
}
