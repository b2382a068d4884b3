// The web client's block model (web/src/blocks.js): every op it builds
// applies with the real ot-json0 and does what the editor promises, and
// positions move through ops as the caret should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import otJson0 from 'ot-json0';
import {
  deletionRange, diffTextOp, insertLinesOp, mergeWithPreviousOp, replaceTextOp, setKeyOp, setTypeOp, splitOp, transformPosition,
  widenToTokens,
} from '../../web/src/blocks.js';

const json0 = otJson0.type;

function doc(...blocks) {
  return { blocks: blocks.map((block) => (typeof block === 'string' ? { type: 'paragraph', text: block } : block)) };
}

function applied(document, op) {
  return json0.apply(structuredClone(document), op);
}

test('replaceTextOp inserts, deletes and replaces', () => {
  const d = doc('hello world');
  assert.equal(applied(d, replaceTextOp(d.blocks, 0, 5, 5, ',')).blocks[0].text, 'hello, world');
  assert.equal(applied(d, replaceTextOp(d.blocks, 0, 0, 6, '')).blocks[0].text, 'world');
  assert.equal(applied(d, replaceTextOp(d.blocks, 0, 6, 11, 'there')).blocks[0].text, 'hello there');
  assert.deepEqual(replaceTextOp(d.blocks, 0, 3, 3, ''), []);
  // A block without text gets one first.
  const bare = doc({ type: 'paragraph' });
  assert.equal(applied(bare, replaceTextOp(bare.blocks, 0, 0, 0, 'x')).blocks[0].text, 'x');
});

test('splitOp moves the tail to a new block of the right type', () => {
  const d = doc({ type: 'todo', text: 'buy milk', done: true, assignee: 'bob' }, { type: 'heading', text: 'Title' });
  const split = applied(d, splitOp(d.blocks, 0, 3, 4));
  assert.deepEqual(split.blocks.slice(0, 2), [
    { type: 'todo', text: 'buy', done: true, assignee: 'bob' },
    { type: 'todo', text: 'milk', done: false },
  ]);
  const heading = applied(d, splitOp(d.blocks, 1, 5, 5));
  assert.deepEqual(heading.blocks.slice(1), [{ type: 'heading', text: 'Title' }, { type: 'paragraph', text: '' }]);
});

test('insertLinesOp turns pasted lines into blocks', () => {
  const d = doc('start [old] end', { type: 'bullet', text: 'item' });
  const pasted = applied(d, insertLinesOp(d.blocks, 0, 6, 11, ['one', 'two', 'three']));
  assert.deepEqual(pasted.blocks.map(({ type, text }) => [type, text]), [
    ['paragraph', 'start one'], ['paragraph', 'two'], ['paragraph', 'three end'], ['bullet', 'item']]);
  const list = applied(d, insertLinesOp(d.blocks, 1, 4, 4, ['', 'next']));
  assert.deepEqual(list.blocks.slice(1), [{ type: 'bullet', text: 'item' }, { type: 'bullet', text: 'next' }]);
});

test('mergeWithPreviousOp joins a block onto the one above', () => {
  const d = doc('one', 'two', '');
  assert.deepEqual(applied(d, mergeWithPreviousOp(d.blocks, 1)).blocks.map((b) => b.text), ['onetwo', '']);
  assert.deepEqual(applied(d, mergeWithPreviousOp(d.blocks, 2)).blocks.map((b) => b.text), ['one', 'two']);
});

test('setTypeOp and setKeyOp change keys with exact old values', () => {
  const d = doc({ type: 'todo', text: 't', done: true, assignee: 'bob' }, 'p');
  assert.deepEqual(applied(d, setTypeOp(d.blocks, 0, 'bullet')).blocks[0], { type: 'bullet', text: 't' });
  assert.deepEqual(applied(d, setTypeOp(d.blocks, 1, 'todo')).blocks[1], { type: 'todo', text: 'p', done: false });
  assert.deepEqual(applied(d, setKeyOp(d.blocks, 0, 'assignee', 'carol')).blocks[0].assignee, 'carol');
  assert.equal('assignee' in applied(d, setKeyOp(d.blocks, 0, 'assignee', undefined)).blocks[0], false);
  assert.deepEqual(setKeyOp(d.blocks, 0, 'done', true), []);
  assert.deepEqual(setKeyOp(d.blocks, 1, 'done', undefined), []);
});

test('deletions take whole mention tokens and surrogate pairs', () => {
  const text = 'hi <@bob> 😀!';
  assert.deepEqual(deletionRange(text, 9, -1), [3, 9]);
  assert.deepEqual(deletionRange(text, 3, 1), [3, 9]);
  assert.deepEqual(deletionRange(text, 12, -1), [10, 12]);
  assert.deepEqual(deletionRange(text, 10, 1), [10, 12]);
  assert.deepEqual(deletionRange(text, 2, -1), [1, 2]);
  assert.deepEqual(widenToTokens(text, 5, 7), [3, 9]);
  assert.deepEqual(widenToTokens(text, 1, 2), [1, 2]);
});

test('diffTextOp turns one text into another with one delete and one insert', () => {
  const d = doc('the quick fox');
  for (const after of ['the quick brown fox', 'the fox', 'a quick fox!', '', 'the quick fox']) {
    assert.equal(applied(d, diffTextOp(d.blocks, 0, d.blocks[0].text, after)).blocks[0].text, after);
  }
});

test('positions move through inserts and deletes', () => {
  const at = (block, start, end = start) => ({ block, start, end });
  const insert = [{ p: ['blocks', 0, 'text', 2], si: 'xy' }];
  assert.deepEqual(transformPosition(at(0, 2), insert, 'before'), at(0, 2));
  assert.deepEqual(transformPosition(at(0, 2), insert, 'after'), at(0, 4));
  assert.deepEqual(transformPosition(at(0, 1, 5), insert), at(0, 1, 7));
  assert.deepEqual(transformPosition(at(1, 2), insert), at(1, 2));
  const remove = [{ p: ['blocks', 0, 'text', 1], sd: 'abc' }];
  assert.deepEqual(transformPosition(at(0, 3), remove), at(0, 1));
  assert.deepEqual(transformPosition(at(0, 6), remove), at(0, 3));
});

test('positions follow blocks inserted, deleted, split and merged', () => {
  const at = (block, start, end = start) => ({ block, start, end });
  assert.deepEqual(transformPosition(at(2, 1), [{ p: ['blocks', 1], li: { type: 'paragraph', text: '' } }]), at(3, 1));
  assert.deepEqual(transformPosition(at(2, 1), [{ p: ['blocks', 0], ld: { type: 'paragraph', text: 'x' } }]), at(1, 1));
  assert.equal(transformPosition(at(1, 1), [{ p: ['blocks', 1], ld: { type: 'paragraph', text: 'x' } }]), null);
  assert.equal(transformPosition(at(1, 1), [{ p: ['blocks'], od: [], oi: [] }]), null);

  const d = doc('hello world', 'next');
  const split = splitOp(d.blocks, 0, 5, 5);
  assert.deepEqual(transformPosition(at(0, 8), split), at(1, 3));
  assert.deepEqual(transformPosition(at(0, 2), split), at(0, 2));
  assert.deepEqual(transformPosition(at(1, 2), split), at(2, 2));

  const merge = mergeWithPreviousOp(d.blocks, 1);
  assert.deepEqual(transformPosition(at(1, 2), merge), at(0, 13));
  assert.deepEqual(applied(d, merge).blocks[0].text.slice(13), 'xt');
});
