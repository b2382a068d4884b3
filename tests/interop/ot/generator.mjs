// Seeded random documents and random valid json0 ops for differential tests.
// "Valid" means valid under Tandem's stricter apply: indexes in range, ld/od/sd
// values equal to the document, oi only on new keys, lm targets inside the
// list, and string offsets on code point boundaries.
import { json0 } from './engine.mjs';

// mulberry32: small, fast and good enough to spread test cases.
export function makeRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return {
    next,
    int,
    range: (lo, hi) => lo + int(hi - lo + 1),
    pick: (list) => list[int(list.length)],
    chance: (p) => next() < p,
  };
}

// Derives the seed of case `index` so one case replays without the others.
export function caseSeed(seed, index) {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// Characters of 1, 2 and 3 UTF-8 bytes, astral ones (UTF-16 surrogate pairs)
// and a combining sequence, so offsets in UTF-16 units, code points and bytes differ.
const CHARS = ['a', 'b', 'c', 'x', ' ', '\n', 'é', 'ß', '中', '文', '😀', '🎉', '𝄞', 'e\u0301', '👍🏽'];
const KEYS = ['a', 'b', 'c', 'd', 'text', 'list', 'n', 'é', '😀'];

export function randomText(rng, max = 6) {
  let text = '';
  const count = rng.int(max + 1);
  for (let i = 0; i < count; i++) text += rng.pick(CHARS);
  return text;
}

export function randomValue(rng, depth = 0) {
  const roll = rng.int(depth >= 2 ? 6 : 9);
  switch (roll) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.range(-20, 20);
    case 3: return rng.range(-100, 100) / 4;
    case 4: case 5: return randomText(rng);
    case 6: case 7: {
      const list = [];
      const n = rng.int(4);
      for (let i = 0; i < n; i++) list.push(randomValue(rng, depth + 1));
      return list;
    }
    default: {
      const object = {};
      const n = rng.int(4);
      for (let i = 0; i < n; i++) object[rng.pick(KEYS)] = randomValue(rng, depth + 1);
      return object;
    }
  }
}

export function randomDocument(rng) {
  // A few documents are a bare string or number, for root-level edits.
  if (rng.chance(0.03)) return randomText(rng, 10);
  if (rng.chance(0.02)) return rng.range(-5, 5);
  const doc = { text: randomText(rng, 10), list: [], n: rng.range(-5, 5) };
  const items = rng.int(5);
  for (let i = 0; i < items; i++) doc.list.push(randomValue(rng, 1));
  const extra = rng.int(3);
  for (let i = 0; i < extra; i++) doc[rng.pick(KEYS)] = randomValue(rng, 0);
  return doc;
}

// Every value in the document with its path.
function collect(value, path, out) {
  out.push({ path, value });
  if (Array.isArray(value)) value.forEach((v, i) => collect(v, path.concat([i]), out));
  else if (value && typeof value === 'object') for (const k of Object.keys(value)) collect(value[k], path.concat([k]), out);
  return out;
}

// UTF-16 offsets of the code point boundaries of `text`, 0 and length included.
function boundaries(text) {
  const offsets = [0];
  let at = 0;
  for (const ch of text) {
    at += ch.length;
    offsets.push(at);
  }
  return offsets;
}

function textEdit(rng, text) {
  const bounds = boundaries(text);
  if (bounds.length > 1 && rng.chance(0.45)) {
    const start = rng.int(bounds.length - 1);
    const end = start + 1 + rng.int(Math.min(4, bounds.length - 1 - start));
    return { p: bounds[start], d: text.slice(bounds[start], bounds[end]) };
  }
  let inserted = randomText(rng, 3);
  if (inserted === '') inserted = rng.pick(CHARS);
  return { p: rng.pick(bounds), i: inserted };
}

const clone = (v) => JSON.parse(JSON.stringify(v));

// One random component valid on `doc`, or null if the pick did not fit.
// `form` is 'legacy' (si/sd) or 'subtype' (t: text0) for string edits.
export function randomComponent(rng, doc, form) {
  const node = rng.pick(collect(doc, [], []));
  const { path, value } = node;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const kind = rng.int(10);

  if (typeof value === 'string' && kind < 5) {
    if (form === 'legacy') {
      const edit = textEdit(rng, value);
      return edit.i !== undefined ? { p: path.concat([edit.p]), si: edit.i } : { p: path.concat([edit.p]), sd: edit.d };
    }
    const edits = [];
    let text = value;
    const count = 1 + rng.int(rng.chance(0.3) ? 3 : 1);
    for (let i = 0; i < count; i++) {
      const edit = textEdit(rng, text);
      edits.push(edit);
      text = edit.i !== undefined ? text.slice(0, edit.p) + edit.i + text.slice(edit.p) : text.slice(0, edit.p) + text.slice(edit.p + edit.d.length);
    }
    return { p: path, t: 'text0', o: edits };
  }
  if (typeof value === 'number' && kind < 4) {
    return { p: path, na: rng.chance(0.8) ? rng.range(-5, 5) : rng.range(-8, 8) / 4 };
  }
  if (Array.isArray(value) && kind < 4) {
    return { p: path.concat([rng.int(value.length + 1)]), li: randomValue(rng, 1) };
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && kind < 3) {
    const key = rng.pick(KEYS);
    if (!(key in value)) return { p: path.concat([key]), oi: randomValue(rng, 1) };
  }
  if (path.length === 0) return null;

  const parent = parentPath.reduce((v, step) => v[step], doc);
  if (Array.isArray(parent)) {
    const roll = rng.int(3);
    if (roll === 0) return { p: path, ld: clone(value) };
    if (roll === 1) return { p: path, ld: clone(value), li: randomValue(rng, 1) };
    return { p: path, lm: rng.int(parent.length) };
  }
  if (rng.chance(0.5)) return { p: path, od: clone(value) };
  return { p: path, od: clone(value), oi: randomValue(rng, 1) };
}

// An op of 1 to 6 components (mostly 1 to 3); each one is valid after the
// ones before it.
export function randomOp(rng, doc, form) {
  let current = clone(doc);
  const op = [];
  const length = rng.chance(0.6) ? 1 : 1 + rng.int(rng.chance(0.2) ? 6 : 3);
  for (let attempts = 0; op.length < length && attempts < 20; attempts++) {
    const c = randomComponent(rng, current, form);
    if (!c) continue;
    current = json0.apply(current, [clone(c)]);
    op.push(c);
  }
  return op;
}

// A cursor inside a random string of the document, or null if there is none.
export function randomCursor(rng, doc) {
  const strings = collect(doc, [], []).filter((node) => typeof node.value === 'string');
  if (strings.length === 0) return null;
  const { path, value } = rng.pick(strings);
  return { path, offset: rng.pick(boundaries(value)) };
}
