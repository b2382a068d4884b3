// The document model the page edits, {"blocks": [...]}, and the json0 ops
// that change it. Every function here is pure: it reads a block list and
// returns ops or positions; the caller submits and applies them.
//
// A block is {type, text} plus, for to-dos, `done` and an optional
// `assignee` (a user id). Text may hold mention tokens `<@user_id>`.

export const BLOCK_TYPES = [
  { type: 'paragraph', label: 'Text' },
  { type: 'heading', label: 'Heading' },
  { type: 'bullet', label: 'Bulleted list' },
  { type: 'todo', label: 'To-do' },
];

export const MENTION = /<@([^<>\s]{1,128})>/g;

export function textOf(block) {
  return typeof block?.text === 'string' ? block.text : '';
}

export function mentionToken(userId) {
  return `<@${userId}>`;
}

const textPath = (index) => ['blocks', index, 'text'];

// Replaces text[start, end) of block `index` with `insert`.
export function replaceTextOp(blocks, index, start, end, insert) {
  const block = blocks[index];
  const op = [];
  if (typeof block.text !== 'string') op.push({ p: textPath(index), oi: '' });
  const text = textOf(block);
  if (end > start) op.push({ p: [...textPath(index), start], sd: text.slice(start, end) });
  if (insert) op.push({ p: [...textPath(index), start], si: insert });
  return op;
}

// Sets `key` of block `index` to `value` (undefined removes the key).
export function setKeyOp(blocks, index, key, value) {
  const block = blocks[index];
  const path = ['blocks', index, key];
  const has = Object.prototype.hasOwnProperty.call(block, key);
  if (value === undefined) return has ? [{ p: path, od: block[key] }] : [];
  if (!has) return [{ p: path, oi: value }];
  if (JSON.stringify(block[key]) === JSON.stringify(value)) return [];
  return [{ p: path, od: block[key], oi: value }];
}

// Changes a block's type. A to-do gains `done`; a block that stops being a
// to-do loses `done` and `assignee`, so no stale assignment stays behind.
export function setTypeOp(blocks, index, type) {
  const op = setKeyOp(blocks, index, 'type', type);
  if (type === 'todo' && !Object.prototype.hasOwnProperty.call(blocks[index], 'done')) {
    op.push({ p: ['blocks', index, 'done'], oi: false });
  }
  if (type !== 'todo') {
    for (const key of ['done', 'assignee']) op.push(...setKeyOp(blocks, index, key, undefined));
  }
  return op;
}

// Enter at [start, end): the text after the caret moves to a new block below.
// Lists and to-dos continue as the same type; a heading continues as text.
export function splitOp(blocks, index, start, end) {
  const block = blocks[index];
  const text = textOf(block);
  const op = replaceTextOp(blocks, index, start, text.length, '');
  const type = block.type === 'bullet' || block.type === 'todo' ? block.type : 'paragraph';
  const created = { type, text: text.slice(end) };
  if (type === 'todo') created.done = false;
  op.push({ p: ['blocks', index + 1], li: created });
  return op;
}

// Pasting several lines at [start, end): the first joins the block, each
// further line becomes a block of the same kind (a list stays a list), and
// the text after the selection ends the last one.
export function insertLinesOp(blocks, index, start, end, lines) {
  const block = blocks[index];
  const text = textOf(block);
  const op = replaceTextOp(blocks, index, start, text.length, lines[0]);
  const type = block.type === 'bullet' || block.type === 'todo' ? block.type : 'paragraph';
  for (let line = 1; line < lines.length; line++) {
    const last = line === lines.length - 1;
    const created = { type, text: lines[line] + (last ? text.slice(end) : '') };
    if (type === 'todo') created.done = false;
    op.push({ p: ['blocks', index + line], li: created });
  }
  return op;
}

// Backspace at the start of block `index`: its text joins the block above.
export function mergeWithPreviousOp(blocks, index) {
  const previous = textOf(blocks[index - 1]);
  const text = textOf(blocks[index]);
  const op = [];
  if (text) op.push(...replaceTextOp(blocks, index - 1, previous.length, previous.length, text));
  op.push({ p: ['blocks', index], ld: blocks[index] });
  return op;
}

export function insertBlockOp(index, block) {
  return [{ p: ['blocks', index], li: block }];
}

// The range to delete for Backspace (direction -1) or Delete (+1) at
// `offset`: a whole mention token, a whole surrogate pair, else one unit.
export function deletionRange(text, offset, direction) {
  MENTION.lastIndex = 0;
  for (const match of text.matchAll(MENTION)) {
    const start = match.index;
    const end = start + match[0].length;
    if (direction < 0 && offset > start && offset <= end) return [start, end];
    if (direction > 0 && offset >= start && offset < end) return [start, end];
  }
  if (direction < 0) {
    const low = text.charCodeAt(offset - 1);
    const pair = low >= 0xdc00 && low <= 0xdfff && offset >= 2;
    return [offset - (pair ? 2 : 1), offset];
  }
  const high = text.charCodeAt(offset);
  const pair = high >= 0xd800 && high <= 0xdbff && offset + 2 <= text.length;
  return [offset, offset + (pair ? 2 : 1)];
}

// Widens [start, end) so it never cuts a mention token in half.
export function widenToTokens(text, start, end) {
  for (const match of text.matchAll(MENTION)) {
    const tokenStart = match.index;
    const tokenEnd = tokenStart + match[0].length;
    if (start > tokenStart && start < tokenEnd) start = tokenStart;
    if (end > tokenStart && end < tokenEnd) end = tokenEnd;
  }
  return [start, end];
}

// The smallest op that turns `before` into `after` (one delete, one insert).
export function diffTextOp(blocks, index, before, after) {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < before.length - prefix && suffix < after.length - prefix &&
         before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  return replaceTextOp(blocks, index, prefix, before.length - suffix, after.slice(prefix, after.length - suffix));
}

// Moves a position {block, start, end} through an op applied to the same
// document. `stick` decides what a caret does when text is inserted exactly
// at it: 'before' keeps it in place (the local caret under a remote edit),
// 'after' moves it past the insert (a caret of the op's own author).
// Returns null when the block is gone.
export function transformPosition(position, op, stick = 'before') {
  if (!position) return null;
  let { block, start, end } = position;
  for (let i = 0; i < op.length; i++) {
    const c = op[i];
    const p = c.p;
    if (p[0] !== 'blocks') continue;
    if (p.length === 1) return null; // the whole list was replaced
    if (p.length === 4 && p[2] === 'text' && p[1] === block) {
      const at = p[3];
      const next = op[i + 1];
      if (c.sd !== undefined && next?.li && next.p.length === 2 && next.p[1] === block + 1 &&
          next.li.text === c.sd.slice(c.sd.length - textOf(next.li).length) && start > at + c.sd.length - textOf(next.li).length) {
        // A split: a caret in the moved tail follows it into the new block.
        const moved = at + c.sd.length - textOf(next.li).length;
        block += 1;
        start -= moved;
        end = Math.max(start, end - moved);
        i++;
        continue;
      }
      const move = (x) => {
        if (c.si !== undefined) return x > at || (x === at && stick === 'after') ? x + c.si.length : x;
        if (c.sd !== undefined) return x > at ? Math.max(at, x - c.sd.length) : x;
        return x;
      };
      start = move(start);
      end = move(end);
      continue;
    }
    if (p.length !== 2) continue;
    const index = p[1];
    if (c.ld !== undefined && c.li === undefined) {
      if (index < block) block -= 1;
      else if (index === block) {
        // A merge (the text was appended to the block above first) keeps
        // the caret in the merged text; any other delete removes it.
        const previous = op[i - 1];
        if (previous?.si !== undefined && previous.p[1] === block - 1 && previous.si === textOf(c.ld)) {
          block -= 1;
          start += previous.p[3];
          end += previous.p[3];
        } else if (!textOf(c.ld) && index > 0) {
          block -= 1;
          start = end = Number.MAX_SAFE_INTEGER; // clamped to the end by the caller
        } else {
          return null;
        }
      }
    } else if (c.li !== undefined && c.ld === undefined) {
      if (index <= block) block += 1;
    } else if (c.lm !== undefined) {
      if (index === block) block = c.lm;
      else {
        if (index < block) block -= 1;
        if (c.lm <= block) block += 1;
      }
    }
  }
  return { ...position, block, start, end };
}
