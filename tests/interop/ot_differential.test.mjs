// Differential test: random documents and ops run through `tandem ot` and
// through ot-json0 1.1.0 must give identical results, and concurrent ops must
// converge after transform.
//   OT_SEED=n    replay a run (the seed is printed at the start)
//   OT_CASES=n   number of cases (default 100000; millions for a long run)
//   OT_CASE=i    run only case i of the seed
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { OtEngine, reference } from './ot/engine.mjs';
import { caseSeed, makeRandom, randomCursor, randomDocument, randomOp } from './ot/generator.mjs';

const seed = process.env.OT_SEED ? Number(process.env.OT_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const cases = Number(process.env.OT_CASES || 100000);
const only = process.env.OT_CASE !== undefined ? Number(process.env.OT_CASE) : null;
const BATCH = 500;

function makeCase(index) {
  const rng = makeRandom(caseSeed(seed, index));
  const form = rng.chance(0.5) ? 'legacy' : 'subtype';
  const doc = randomDocument(rng);
  const a = randomOp(rng, doc, form);
  const b = randomOp(rng, doc, form);
  const docA = reference('apply', [doc, a]).result;
  const a2 = randomOp(rng, docA, form);
  const cursor = randomCursor(rng, doc);
  return { index, form, doc, a, b, a2, docA, cursor };
}

function describe(c) {
  return `seed ${seed} case ${c.index} (replay: OT_SEED=${seed} OT_CASE=${c.index})\n` +
    JSON.stringify({ doc: c.doc, a: c.a, b: c.b, a2: c.a2, cursor: c.cursor });
}

// The requests whose replies must equal ot-json0's, per case.
function comparedRequests(c) {
  const requests = [
    ['apply', [c.doc, c.a]],
    ['transform', [c.a, c.b, 'left']],
    ['transform', [c.a, c.b, 'right']],
    ['transform', [c.b, c.a, 'left']],
    ['transform', [c.b, c.a, 'right']],
    ['compose', [c.a, c.a2]],
    ['invert', [c.a]],
    ['normalize', [c.a]],
  ];
  if (c.cursor) requests.push(['transformCursor', [c.cursor, c.b, 'left']], ['transformCursor', [c.cursor, c.b, 'right']]);
  return requests;
}

const stats = { cases: 0, compared: 0, referenceThrew: 0, converged: 0 };

async function runBatch(engine, batch) {
  const perCase = batch.map(comparedRequests);
  const replies = await engine.batch(perCase.flat());

  // 1. Every reply equals ot-json0's, unless ot-json0 itself throws.
  let at = 0;
  const results = batch.map((c, i) => {
    const mine = replies.slice(at, at + perCase[i].length);
    at += perCase[i].length;
    perCase[i].forEach(([fn, args], k) => {
      const expected = reference(fn, args);
      if (expected.error) {
        stats.referenceThrew++;
        return;
      }
      stats.compared++;
      assert.deepEqual(mine[k], expected, `${fn} differs from ot-json0 for ${describe(c)}`);
    });
    return mine;
  });

  // 2. Convergence: doc·a·b' = doc·b·a' with a left and b right (TP1), and
  //    doc·a·a2 = doc·compose(a, a2), and doc·a·invert(a) = doc.
  const followUps = [];
  batch.forEach((c, i) => {
    const [, aLeft, , , bRight, composed, inverted] = results[i];
    followUps.push(
      ['apply', [c.doc, [...c.a, ...bRight.result]]],
      ['apply', [c.doc, [...c.b, ...aLeft.result]]],
      ['apply', [c.doc, composed.result]],
      ['apply', [c.docA, c.a2]],
      ['apply', [c.docA, inverted.result]],
    );
  });
  const checks = await engine.batch(followUps);
  batch.forEach((c, i) => {
    const [ab, ba, composedDoc, stepwiseDoc, restored] = checks.slice(i * 5, i * 5 + 5);
    assert.ok(ab.result !== undefined, `a then b' failed: ${JSON.stringify(ab.error)} for ${describe(c)}`);
    assert.deepEqual(ab, ba, `a·b' and b·a' diverge for ${describe(c)}`);
    assert.deepEqual(composedDoc, stepwiseDoc, `compose(a, a2) differs from a then a2 for ${describe(c)}`);
    assert.deepEqual(restored, { result: c.doc }, `invert(a) does not restore the document for ${describe(c)}`);
    stats.converged++;
  });
}

test(`json0 engine matches ot-json0 on ${only === null ? cases : 1} random cases`, { timeout: 60 * 60 * 1000 }, async () => {
  console.log(`ot differential: seed ${seed}, ${cases} cases (replay with OT_SEED=${seed})`);
  const engine = new OtEngine();
  try {
    const indexes = only === null ? Array.from({ length: cases }, (_, i) => i) : [only];
    for (let start = 0; start < indexes.length; start += BATCH) {
      const batch = indexes.slice(start, start + BATCH).map(makeCase);
      stats.cases += batch.length;
      await runBatch(engine, batch);
    }
  } finally {
    await engine.close();
    console.log(`ot differential: ${JSON.stringify(stats)}`);
  }
  assert.equal(stats.cases, only === null ? cases : 1);
  assert.ok(stats.compared > stats.cases * 5, 'too few replies were compared with ot-json0');
});
