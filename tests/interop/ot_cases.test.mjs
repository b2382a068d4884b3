// Hand-written json0 cases. Each tricky transform pair is checked against
// ot-json0 1.1.0 and against a result worked out by hand. The known ot-json0
// non-convergences show what Tandem does instead, and each rule where
// Tandem's apply is stricter than ot-json0's has a rejection test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { OtEngine, json0, reference } from './ot/engine.mjs';

let engine;
before(() => { engine = new OtEngine(); });
after(async () => { await engine.close(); });

const clone = (v) => JSON.parse(JSON.stringify(v));
const list = (...items) => ({ list: items });

// a is the op that arrives later (ShareDB's "left"), b the committed one.
const pairs = [
  { name: 'li vs li at one index: left goes first', doc: list('x'),
    a: [{ p: ['list', 0], li: 'a' }], b: [{ p: ['list', 0], li: 'b' }],
    aLeft: [{ p: ['list', 0], li: 'a' }], bRight: [{ p: ['list', 1], li: 'b' }], final: list('a', 'b', 'x') },
  { name: 'lm onto the index of a concurrent li', doc: list('a', 'b', 'c'),
    a: [{ p: ['list', 0], lm: 2 }], b: [{ p: ['list', 2], li: 'X' }],
    aLeft: [{ p: ['list', 0], lm: 3 }], bRight: [{ p: ['list', 1], li: 'X' }], final: list('b', 'X', 'c', 'a') },
  { name: 'lm from the index of a concurrent li', doc: list('a', 'b', 'c'),
    a: [{ p: ['list', 1], lm: 2 }], b: [{ p: ['list', 1], li: 'X' }],
    aLeft: [{ p: ['list', 2], lm: 3 }], bRight: [{ p: ['list', 1], li: 'X' }], final: list('a', 'X', 'c', 'b') },
  { name: 'lm of an element the other deletes', doc: list('a', 'b', 'c'),
    a: [{ p: ['list', 1], lm: 0 }], b: [{ p: ['list', 1], ld: 'b' }],
    aLeft: [], bRight: [{ p: ['list', 0], ld: 'b' }], final: list('a', 'c') },
  { name: 'lm past a concurrent ld', doc: list('a', 'b', 'c', 'd'),
    a: [{ p: ['list', 0], lm: 2 }], b: [{ p: ['list', 1], ld: 'b' }],
    aLeft: [{ p: ['list', 0], lm: 1 }], bRight: [{ p: ['list', 0], ld: 'b' }], final: list('c', 'a', 'd') },
  { name: 'lm vs lm of one element: left wins', doc: list('a', 'b', 'c'),
    a: [{ p: ['list', 0], lm: 2 }], b: [{ p: ['list', 0], lm: 1 }],
    aLeft: [{ p: ['list', 1], lm: 2 }], bRight: [], final: list('b', 'c', 'a') },
  { name: 'ld of a list item while the other edits text inside it', doc: list({ text: 'hi' }),
    a: [{ p: ['list', 0], ld: { text: 'hi' } }], b: [{ p: ['list', 0, 'text', 2], si: '!' }],
    aLeft: [{ p: ['list', 0], ld: { text: 'hi!' } }], bRight: [], final: list() },
  { name: 'od of an object while the other adds inside it', doc: { obj: { n: 1 } },
    a: [{ p: ['obj'], od: { n: 1 } }], b: [{ p: ['obj', 'n'], na: 2 }],
    aLeft: [{ p: ['obj'], od: { n: 3 } }], bRight: [], final: {} },
  { name: 'concurrent replaces of one key: left wins', doc: { k: 1 },
    a: [{ p: ['k'], od: 1, oi: 'a' }], b: [{ p: ['k'], od: 1, oi: 'b' }],
    aLeft: [{ p: ['k'], od: 'b', oi: 'a' }], bRight: [], final: { k: 'a' } },
  { name: 'concurrent oi of one new key: left wins as a replace', doc: {},
    a: [{ p: ['k'], oi: 'a' }], b: [{ p: ['k'], oi: 'b' }],
    aLeft: [{ p: ['k'], od: 'b', oi: 'a' }], bRight: [], final: { k: 'a' } },
  { name: 'concurrent list replaces at one index: left wins', doc: list('x'),
    a: [{ p: ['list', 0], ld: 'x', li: 'a' }], b: [{ p: ['list', 0], ld: 'x', li: 'b' }],
    aLeft: [{ p: ['list', 0], ld: 'b', li: 'a' }], bRight: [], final: list('a') },
  { name: 'list replace vs delete of one element: the replace inserts', doc: list('x', 'y'),
    a: [{ p: ['list', 0], ld: 'x', li: 'n' }], b: [{ p: ['list', 0], ld: 'x' }],
    aLeft: [{ p: ['list', 0], li: 'n' }], bRight: [], final: list('n', 'y') },
  { name: 'si vs si at one offset: left goes first', doc: { text: 'ab' },
    a: [{ p: ['text', 1], si: 'X' }], b: [{ p: ['text', 1], si: 'Y' }],
    aLeft: [{ p: ['text', 1], si: 'X' }], bRight: [{ p: ['text', 2], si: 'Y' }], final: { text: 'aXYb' } },
  { name: 'text0 inserts at one offset: left goes first', doc: { text: 'ab' },
    a: [{ p: ['text'], t: 'text0', o: [{ p: 1, i: 'X' }] }], b: [{ p: ['text'], t: 'text0', o: [{ p: 1, i: 'Y' }] }],
    aLeft: [{ p: ['text'], t: 'text0', o: [{ p: 1, i: 'X' }] }],
    bRight: [{ p: ['text'], t: 'text0', o: [{ p: 2, i: 'Y' }] }], final: { text: 'aXYb' } },
  { name: 'sd across a concurrent si splits in two', doc: { text: 'abcd' },
    a: [{ p: ['text', 1], sd: 'bc' }], b: [{ p: ['text', 2], si: 'X' }],
    aLeft: [{ p: ['text', 1], sd: 'b' }, { p: ['text', 2], sd: 'c' }],
    bRight: [{ p: ['text', 1], si: 'X' }], final: { text: 'aXd' } },
  { name: 'overlapping sd: each removes only what is left', doc: { text: 'abcdef' },
    a: [{ p: ['text', 1], sd: 'bcd' }], b: [{ p: ['text', 2], sd: 'cde' }],
    aLeft: [{ p: ['text', 1], sd: 'b' }], bRight: [{ p: ['text', 1], sd: 'e' }], final: { text: 'af' } },
  { name: 'astral characters count two UTF-16 units', doc: { text: '😀a' },
    a: [{ p: ['text', 2], si: 'X' }], b: [{ p: ['text', 0], si: '🎉' }],
    aLeft: [{ p: ['text', 4], si: 'X' }], bRight: [{ p: ['text', 0], si: '🎉' }], final: { text: '🎉😀Xa' } },
  { name: 'na vs na: both add', doc: { n: 1 },
    a: [{ p: ['n'], na: 2 }], b: [{ p: ['n'], na: 3 }],
    aLeft: [{ p: ['n'], na: 2 }], bRight: [{ p: ['n'], na: 3 }], final: { n: 6 } },
];

describe('tricky transform pairs', () => {
  for (const pair of pairs) {
    test(pair.name, async () => {
      const [aLeft, bRight] = await engine.batch([
        ['transform', [pair.a, pair.b, 'left']],
        ['transform', [pair.b, pair.a, 'right']],
      ]);
      assert.deepEqual(aLeft, { result: pair.aLeft });
      assert.deepEqual(bRight, { result: pair.bRight });
      assert.deepEqual(aLeft, reference('transform', [pair.a, pair.b, 'left']), 'left differs from ot-json0');
      assert.deepEqual(bRight, reference('transform', [pair.b, pair.a, 'right']), 'right differs from ot-json0');

      const [viaA, viaB] = await engine.batch([
        ['apply', [pair.doc, [...pair.a, ...pair.bRight]]],
        ['apply', [pair.doc, [...pair.b, ...pair.aLeft]]],
      ]);
      assert.deepEqual(viaA, { result: pair.final });
      assert.deepEqual(viaB, { result: pair.final });
    });
  }
});

// What two replicas reach with ot-json0: doc·a·transform(b, a, right) and
// doc·b·transform(a, b, left).
function referenceReplicas(doc, a, b) {
  const viaA = json0.apply(json0.apply(clone(doc), clone(a)), json0.transform(clone(b), clone(a), 'right'));
  const viaB = json0.apply(json0.apply(clone(doc), clone(b)), json0.transform(clone(a), clone(b), 'left'));
  return [viaA, viaB];
}

describe('ot-json0 non-convergences', () => {
  test('lm target past the end diverges; Tandem rejects it', async () => {
    const doc = list('a', 'b', 'c');
    const a = [{ p: ['list', 0], lm: 1 }];
    const b = [{ p: ['list', 0], lm: 3 }];
    const [viaA, viaB] = referenceReplicas(doc, a, b);
    assert.notDeepEqual(viaA, viaB);
    const reply = await engine.call('apply', doc, b);
    assert.equal(reply.error?.code, 'out_of_range');
  });

  test('string list index diverges; Tandem rejects it', async () => {
    const doc = list('x');
    const a = [{ p: ['list', '0'], li: 'A' }];
    const b = [{ p: ['list', 0], li: 'B' }];
    const [viaA, viaB] = referenceReplicas(doc, a, b);
    assert.notDeepEqual(viaA, viaB);
    const reply = await engine.call('apply', doc, a);
    assert.equal(reply.error?.code, 'invalid_path');
    assert.match(reply.error.message, /list index must be an integer/);
  });

  test('legacy si vs text0 on one string: ot-json0 diverges, Tandem converges', async () => {
    const doc = { text: 'ab' };
    const a = [{ p: ['text', 1], si: 'X' }];
    const b = [{ p: ['text'], t: 'text0', o: [{ p: 0, i: 'Y' }] }];
    const [viaA, viaB] = referenceReplicas(doc, a, b);
    assert.notDeepEqual(viaA, viaB);

    const [aLeft, bRight] = await engine.batch([['transform', [a, b, 'left']], ['transform', [b, a, 'right']]]);
    assert.deepEqual(aLeft, { result: [{ p: ['text', 2], si: 'X' }] });
    assert.deepEqual(bRight, { result: [{ p: ['text'], t: 'text0', o: [{ p: 0, i: 'Y' }] }] });
    const [x, y] = await engine.batch([
      ['apply', [doc, [...a, ...bRight.result]]],
      ['apply', [doc, [...b, ...aLeft.result]]],
    ]);
    assert.deepEqual(x, { result: { text: 'YaXb' } });
    assert.deepEqual(y, x);
  });

  test('oi on an existing key inverts to a delete; Tandem rejects it', async () => {
    const doc = { k: 1 };
    const op = [{ p: ['k'], oi: 2 }];
    const restored = json0.apply(json0.apply(clone(doc), clone(op)), json0.invert(clone(op)));
    assert.deepEqual(restored, {}, 'ot-json0 loses the key instead of restoring it');
    const reply = await engine.call('apply', doc, op);
    assert.equal(reply.error?.code, 'key_exists');
  });
});

// Each row: an op ot-json0's apply accepts (or handles differently), and the
// error Tandem returns instead.
const rejections = [
  { name: 'ld value differs', doc: list('a'), op: [{ p: ['list', 0], ld: 'b' }], code: 'value_mismatch', lenient: true },
  { name: 'od value differs', doc: { k: 1 }, op: [{ p: ['k'], od: 2 }], code: 'value_mismatch', lenient: true },
  { name: 'od of a missing key', doc: {}, op: [{ p: ['k'], od: 2 }], code: 'value_mismatch', lenient: true },
  { name: 'li+ld value differs', doc: list('a'), op: [{ p: ['list', 0], ld: 'z', li: 'b' }], code: 'value_mismatch', lenient: true },
  { name: 'li past the end', doc: list('a'), op: [{ p: ['list', 2], li: 'b' }], code: 'out_of_range', lenient: true },
  { name: 'ld past the end', doc: list('a'), op: [{ p: ['list', 1], ld: null }], code: 'out_of_range', lenient: true },
  { name: 'lm target at the length', doc: list('a', 'b'), op: [{ p: ['list', 0], lm: 2 }], code: 'out_of_range', lenient: true },
  { name: 'lm source past the end', doc: list('a', 'b'), op: [{ p: ['list', 2], lm: 0 }], code: 'out_of_range', lenient: true },
  { name: 'string list index', doc: list('a'), op: [{ p: ['list', '0'], ld: 'a' }], code: 'invalid_path', lenient: true },
  { name: 'number as object key', doc: { 0: 'a' }, op: [{ p: [0], od: 'a' }], code: 'invalid_path', lenient: true },
  { name: 'oi on an existing key without od', doc: { k: 1 }, op: [{ p: ['k'], oi: 2 }], code: 'key_exists', lenient: true },
  { name: 'si past the end of the string', doc: { text: 'ab' }, op: [{ p: ['text', 5], si: 'x' }], code: 'out_of_range', lenient: true },
  { name: 'si inside a surrogate pair', doc: { text: '😀' }, op: [{ p: ['text', 1], si: 'x' }], code: 'invalid_text', lenient: true },
  { name: 'sd text differs', doc: { text: 'ab' }, op: [{ p: ['text', 0], sd: 'b' }], code: 'value_mismatch', lenient: false },
  { name: 'na on a string', doc: { n: 'x' }, op: [{ p: ['n'], na: 1 }], code: 'type_mismatch', lenient: false },
  { name: 'na overflowing to infinity', doc: { n: 1e308 }, op: [{ p: ['n'], na: 1e308 }], code: 'not_finite', lenient: true },
  { name: 'non-integer list index', doc: list('a'), op: [{ p: ['list', 0.5], ld: 'a' }], code: 'invalid_op', lenient: true },
  { name: 'li into an object', doc: { k: {} }, op: [{ p: ['k', 'x'], li: 1 }], code: 'type_mismatch', lenient: false },
  { name: 'path through a missing key', doc: {}, op: [{ p: ['a', 'b'], oi: 1 }], code: 'invalid_path', lenient: false },
  { name: 'two instructions in one component', doc: list('a'), op: [{ p: ['list', 0], li: 1, oi: 2 }], code: 'invalid_op', lenient: true },
  { name: 'unknown subtype', doc: { text: '' }, op: [{ p: ['text'], t: 'rich-text', o: [] }], code: 'invalid_op', lenient: false },
  { name: 'empty path for oi', doc: {}, op: [{ p: [], oi: {} }], code: 'invalid_op', lenient: true },
];

describe('stricter apply rejects', () => {
  for (const row of rejections) {
    test(row.name, async () => {
      const reply = await engine.call('apply', row.doc, row.op);
      assert.equal(reply.error?.code, row.code, `reply: ${JSON.stringify(reply)}`);
      assert.ok(reply.error.message.length > 10, 'the error message explains the problem');
      const lenient = reference('apply', [row.doc, row.op]);
      assert.equal(lenient.result !== undefined, row.lenient, `ot-json0 ${row.lenient ? 'accepts' : 'rejects'} this op`);
    });
  }

  test('a failing component leaves no partial edit', async () => {
    // The CLI is stateless, so check that the reply carries no document and
    // that the same op without its bad component applies fully.
    const doc = { text: 'ab', list: [1] };
    const good = [{ p: ['text', 0], si: 'x' }, { p: ['list', 0], ld: 1 }];
    const bad = [...good, { p: ['list', 0], ld: 1 }];
    const [applied, rejected] = await engine.batch([['apply', [doc, good]], ['apply', [doc, bad]]]);
    assert.deepEqual(applied, { result: { text: 'xab', list: [] } });
    assert.equal(rejected.error?.code, 'out_of_range');
    assert.match(rejected.error.message, /^component 2: /);
  });

  test('lone surrogates in the input are rejected', async () => {
    const reply = await engine.call('apply', { text: '' }, [{ p: ['text', 0], si: '\ud800' }]);
    assert.equal(reply.error?.code, 'invalid_request');
    assert.match(reply.error.message, /lone surrogates/);
  });

  test('invalid UTF-8 in the input is rejected', async () => {
    const head = Buffer.from('{"fn":"apply","args":[{"text":""},[{"p":["text",0],"si":"');
    const tail = Buffer.from('"}]]}');
    const reply = await engine.raw(Buffer.concat([head, Buffer.from([0xc3, 0x28]), tail]));
    assert.equal(reply.error?.code, 'invalid_request');
    const valid = await engine.raw(Buffer.concat([head, Buffer.from([0xc3, 0xa9]), tail]));
    assert.deepEqual(valid, { result: { text: 'é' } });
  });

  test('unknown fn and wrong arity get clear errors', async () => {
    const [unknown, arity] = await engine.batch([['merge', []], ['apply', [{}]]]);
    assert.equal(unknown.error?.code, 'invalid_request');
    assert.match(unknown.error.message, /unknown fn "merge"/);
    assert.match(arity.error.message, /apply takes 2 arguments, got 1/);
  });
});

// compose and normalize quirks, each compared with ot-json0 and with the
// result worked out by hand.
const composeCases = [
  { name: 'merges only with the last component',
    fn: 'compose', args: [[{ p: ['n'], na: 1 }, { p: ['m'], na: 1 }], [{ p: ['n'], na: 2 }]],
    result: [{ p: ['n'], na: 1 }, { p: ['m'], na: 1 }, { p: ['n'], na: 2 }] },
  { name: 'li then ld of a primitive cancels',
    fn: 'compose', args: [[{ p: ['l', 0], li: 1 }], [{ p: ['l', 0], ld: 1 }]], result: [] },
  { name: 'li then ld of an object stays',
    fn: 'compose', args: [[{ p: ['l', 0], li: {} }], [{ p: ['l', 0], ld: {} }]],
    result: [{ p: ['l', 0], li: {} }, { p: ['l', 0], ld: {} }] },
  { name: 'od then oi becomes a replace',
    fn: 'compose', args: [[{ p: ['k'], od: 1 }], [{ p: ['k'], oi: 2 }]], result: [{ p: ['k'], od: 1, oi: 2 }] },
  { name: 'oi then od cancels',
    fn: 'compose', args: [[{ p: ['k'], oi: 1 }], [{ p: ['k'], od: 1 }]], result: [] },
  { name: 'no-op lm dropped after the same path',
    fn: 'compose', args: [[{ p: ['l', 1], ld: 'x' }], [{ p: ['l', 1], lm: 1 }]], result: [{ p: ['l', 1], ld: 'x' }] },
  { name: 'no-op lm kept as the first component',
    fn: 'normalize', args: [[{ p: ['l', 1], lm: 1 }]], result: [{ p: ['l', 1], lm: 1 }] },
  { name: 'empty si kept as the first component',
    fn: 'normalize', args: [[{ p: ['s', 0], si: '' }]], result: [{ p: ['s', 0], si: '' }] },
  { name: 'empty si dropped after an edit of the string',
    fn: 'normalize', args: [[{ p: ['s', 0], si: 'a' }, { p: ['s', 1], si: '' }]], result: [{ p: ['s', 0], si: 'a' }] },
  { name: 'sd then sd at one offset merge',
    fn: 'compose', args: [[{ p: ['s', 2], sd: 'cd' }], [{ p: ['s', 1], sd: 'b' }]], result: [{ p: ['s', 1], sd: 'bcd' }] },
  { name: 'legacy and text0 edits do not merge',
    fn: 'compose', args: [[{ p: ['s', 0], si: 'a' }], [{ p: ['s'], t: 'text0', o: [{ p: 1, i: 'b' }] }]],
    result: [{ p: ['s', 0], si: 'a' }, { p: ['s'], t: 'text0', o: [{ p: 1, i: 'b' }] }] },
];

describe('compose and normalize quirks', () => {
  for (const row of composeCases) {
    test(row.name, async () => {
      const reply = await engine.call(row.fn, ...row.args);
      assert.deepEqual(reply, { result: row.result });
      assert.deepEqual(reply, reference(row.fn, row.args), 'differs from ot-json0');
    });
  }
});
