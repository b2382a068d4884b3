// The block editor. The DOM is always drawn from the model (sync.content):
// every keystroke is caught in `beforeinput`, turned into a json0 op on
// {"blocks": [...]}, submitted through DocSync and drawn again, so what a
// person sees is exactly what the server will hold. Each block's text is
// its own contenteditable element; the caret is kept as a model position
// {block, start, end} and moved through remote ops, so a remote edit never
// drags it along wrongly.
import otJson0 from 'ot-json0';
import {
  BLOCK_TYPES, deletionRange, diffTextOp, insertBlockOp, insertLinesOp, mentionToken, mergeWithPreviousOp,
  replaceTextOp, setKeyOp, setTypeOp, splitOp, textOf, transformPosition, widenToTokens,
} from './blocks.js';
import { h } from './dom.js';
import { MentionPicker } from './mentions.js';
import { caretRect, rangeFor, readText, renderText, toModelOffset } from './text_dom.js';

const json0 = otJson0.type;
const UNDO_GROUP_MS = 800;
const SHORTCUTS = { '#': 'heading', '-': 'bullet', '*': 'bullet', '[]': 'todo', '[ ]': 'todo' };
const PLACEHOLDERS = { paragraph: 'Write something, or type @ to mention someone', heading: 'Heading',
  bullet: 'List item', todo: 'To-do' };

export class Editor {
  // onSelection(position|null): the local caret moved (for cursor sharing).
  // onRender(): the blocks were drawn again (remote cursors follow).
  // onLeaveTop(): ArrowUp on the first line of the first block.
  constructor({ sync, people, readOnly, onSelection, onRender, onLeaveTop }) {
    this.onLeaveTop = onLeaveTop;
    this.sync = sync;
    this.people = people;
    this.readOnly = readOnly;
    this.onSelection = onSelection;
    this.onRender = onRender;
    this.rows = [];
    this.undoStack = [];
    this.redoStack = [];
    this.lastUndoAt = 0;
    this.mentionAt = null; // {block, offset} of the '@' while the picker is open

    this.list = h('div', { class: 'blocks', role: 'group', 'aria-label': 'Document content' });
    this.overlay = h('div', { class: 'cursor-layer', 'aria-hidden': 'true' });
    this.root = h('div', { class: 'editor' }, this.list, this.overlay);
    this.picker = new MentionPicker({ people, container: this.root, onPick: (userId) => this.insertMention(userId) });

    this.list.addEventListener('beforeinput', (event) => this.onBeforeInput(event));
    this.list.addEventListener('input', (event) => this.onInput(event));
    this.list.addEventListener('compositionend', (event) => this.syncFromDom(event.target.closest('.block-text')));
    this.list.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.list.addEventListener('change', (event) => this.onControlChange(event));
    this.list.addEventListener('focusout', () => setTimeout(() => this.afterFocusChange(), 0));
    this.onSelectionChange = () => this.afterSelectionChange();
    document.addEventListener('selectionchange', this.onSelectionChange);
  }

  destroy() {
    document.removeEventListener('selectionchange', this.onSelectionChange);
    this.picker.close();
  }

  get blocks() {
    return Array.isArray(this.sync.content?.blocks) ? this.sync.content.blocks : [];
  }

  // Gives a document without blocks its first, empty paragraph.
  ensureShape() {
    if (this.readOnly) return;
    if (!Array.isArray(this.sync.content?.blocks)) {
      const old = this.sync.content?.blocks;
      const component = { p: ['blocks'], oi: [{ type: 'paragraph', text: '' }] };
      if (old !== undefined) component.od = old;
      this.sync.submit([component]);
    } else if (this.sync.content.blocks.length === 0) {
      this.sync.submit(insertBlockOp(0, { type: 'paragraph', text: '' }));
    }
  }

  // --- drawing ---

  render() {
    const blocks = this.blocks;
    for (let index = 0; index < blocks.length; index++) {
      const block = blocks[index];
      let row = this.rows[index];
      if (!row || row.dataset.type !== rowType(block)) {
        const fresh = this.buildRow(block);
        if (row) row.replaceWith(fresh);
        else this.list.append(fresh);
        row = fresh;
        this.rows[index] = row;
      }
      this.updateRow(row, block, index);
    }
    for (const extra of this.rows.splice(blocks.length)) extra.remove();
    this.onRender?.();
  }

  buildRow(block) {
    const type = rowType(block);
    const typeSelect = h('select', { class: 'block-type', 'aria-label': 'Block type', disabled: this.readOnly },
      BLOCK_TYPES.map((entry) => h('option', { value: entry.type }, entry.label)));
    const text = h('div', { class: 'block-text', contenteditable: this.readOnly ? 'false' : 'true', role: 'textbox',
      'aria-label': BLOCK_TYPES.find((entry) => entry.type === type)?.label ?? 'Text', spellcheck: 'true',
      'data-placeholder': PLACEHOLDERS[type] ?? '' });
    const row = h('div', { class: `block block-${type}`, 'data-type': type }, typeSelect);
    row.refs = { text, typeSelect };
    if (type === 'bullet') row.append(h('span', { class: 'bullet', 'aria-hidden': 'true' }, '•'));
    if (type === 'todo') {
      row.refs.check = h('input', { type: 'checkbox', class: 'todo-check', 'aria-label': 'Done',
        disabled: this.readOnly });
      row.append(row.refs.check);
    }
    row.append(text);
    if (type === 'todo') {
      row.refs.assignee = h('select', { class: 'assignee', 'aria-label': 'Assignee', disabled: this.readOnly });
      row.append(row.refs.assignee);
    }
    return row;
  }

  updateRow(row, block, index) {
    row.dataset.index = String(index);
    const { text, typeSelect, check, assignee } = row.refs;
    typeSelect.value = rowType(block);
    const value = textOf(block);
    if (row.renderedText !== value || row.renderedNames !== this.people.version) {
      renderText(text, value, this.people);
      row.renderedText = value;
      row.renderedNames = this.people.version;
    }
    if (check) check.checked = block.done === true;
    if (check) row.classList.toggle('done', block.done === true);
    if (assignee) this.updateAssignee(assignee, block.assignee);
  }

  updateAssignee(select, assignee) {
    const options = [['', 'Unassigned'], ...this.people.list().map((member) => [member.user_id, member.name || member.user_id])];
    if (assignee && !this.people.members.has(assignee)) options.push([assignee, assignee]);
    const signature = JSON.stringify(options);
    if (select.dataset.options !== signature) {
      select.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
      select.dataset.options = signature;
    }
    select.value = assignee ?? '';
  }

  // --- the caret ---

  selection() {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0) return null;
    const range = selection.getRangeAt(0);
    const element = textElementOf(range.startContainer);
    if (!element || !this.list.contains(element)) return null;
    const block = Number(element.closest('.block').dataset.index);
    const start = toModelOffset(element, range.startContainer, range.startOffset);
    const end = textElementOf(range.endContainer) === element
      ? toModelOffset(element, range.endContainer, range.endOffset) : textOf(this.blocks[block]).length;
    return { block, start: Math.min(start, end), end: Math.max(start, end) };
  }

  setSelection(position) {
    const blocks = this.blocks;
    if (!position || blocks.length === 0) return;
    const block = Math.max(0, Math.min(position.block, blocks.length - 1));
    const length = textOf(blocks[block]).length;
    const start = Math.max(0, Math.min(position.start, length));
    const end = Math.max(start, Math.min(position.end ?? start, length));
    const element = this.rows[block].refs.text;
    if (document.activeElement !== element) element.focus({ preventScroll: true });
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(rangeFor(element, start, end));
    const rect = caretRect(element, end);
    if (rect.top < 0 || rect.bottom > window.innerHeight) element.scrollIntoView({ block: 'nearest' });
  }

  focusStart() {
    this.setSelection({ block: 0, start: 0, end: 0 });
  }

  // --- applying ops ---

  // Submits a local op, draws the blocks and puts the caret at `caret`.
  apply(op, caret, { undoable = true } = {}) {
    if (op.length === 0) return;
    this.sync.submit(op);
    if (undoable) this.recordUndo(op);
    this.render();
    if (caret) this.setSelection(caret);
    this.afterSelectionChange();
  }

  // Draws a remote op (already applied to sync.content and transformed
  // against local changes), keeping the caret where the person left it.
  applyRemote(op) {
    const focused = this.list.contains(document.activeElement) && document.activeElement.isContentEditable;
    const caret = focused ? this.selection() : null;
    this.transformUndo(op);
    this.render();
    if (caret) this.setSelection(transformPosition(caret, op, 'before') ?? { block: caret.block, start: 0 });
    if (this.mentionAt) {
      const { block, offset } = this.mentionAt;
      const moved = transformPosition({ block, start: offset, end: offset }, op, 'before');
      this.mentionAt = moved ? { block: moved.block, offset: moved.start } : null;
      this.updateMentions();
    }
  }

  recordUndo(op) {
    const inverse = json0.invert(op);
    const now = Date.now();
    const top = this.undoStack.at(-1);
    if (top && now - this.lastUndoAt < UNDO_GROUP_MS) {
      this.undoStack[this.undoStack.length - 1] = json0.compose(inverse, top);
    } else {
      this.undoStack.push(inverse);
      if (this.undoStack.length > 200) this.undoStack.shift();
    }
    this.lastUndoAt = now;
    this.redoStack = [];
  }

  // Rebases the undo and redo history onto a remote op. The top entry
  // applies to the current content, and each deeper one applies after the
  // entries above it. So the remote op is carried down through them.
  transformUndo(op) {
    for (const stack of [this.undoStack, this.redoStack]) {
      let remote = op;
      try {
        for (let i = stack.length - 1; i >= 0; i--) {
          const entry = stack[i];
          stack[i] = json0.transform(entry, remote, 'left');
          remote = json0.transform(remote, entry, 'right');
        }
      } catch {
        stack.length = 0; // an entry no longer fits the document: drop the history
      }
    }
  }

  undo(from = this.undoStack, to = this.redoStack) {
    const op = from.pop();
    if (!op) return;
    this.sync.submit(op);
    to.push(json0.invert(op));
    this.lastUndoAt = 0;
    this.render();
    this.setSelection(caretAfter(op));
  }

  // --- input ---

  onBeforeInput(event) {
    const element = textElementOf(event.target);
    if (!element) return;
    if (this.readOnly) {
      event.preventDefault();
      return;
    }
    const type = event.inputType;
    if (event.isComposing || type === 'insertCompositionText') return; // read back on compositionend
    event.preventDefault();
    const caret = this.selection();
    if (!caret) return;
    const blocks = this.blocks;
    const index = caret.block;
    const text = textOf(blocks[index]);
    let [start, end] = widenToTokens(text, caret.start, caret.end);
    if (type === 'insertReplacementText' || type === 'insertFromDrop') {
      // A spelling fix or a drop replaces the browser's target range, which
      // need not be the selection.
      const target = event.getTargetRanges?.()[0];
      if (target && element.contains(target.startContainer) && element.contains(target.endContainer)) {
        [start, end] = widenToTokens(text, toModelOffset(element, target.startContainer, target.startOffset),
          toModelOffset(element, target.endContainer, target.endOffset));
      }
    }

    if (type === 'insertParagraph' || type === 'insertLineBreak') return this.split(index, start, end);
    if (type === 'historyUndo') return this.undo();
    if (type === 'historyRedo') return this.undo(this.redoStack, this.undoStack);
    if (type.startsWith('insert')) {
      const data = (event.data ?? event.dataTransfer?.getData('text/plain') ?? '').replaceAll('\u200b', '');
      if (!data && start === end) return;
      const lines = data.split(/\r\n?|\n/);
      if (lines.length > 1) {
        const last = index + lines.length - 1;
        const offset = lines.at(-1).length;
        return this.apply(insertLinesOp(blocks, index, start, end, lines), { block: last, start: offset, end: offset });
      }
      if (this.applyShortcut(index, start, end, data)) return;
      const offset = start + data.length;
      this.apply(replaceTextOp(blocks, index, start, end, data), { block: index, start: offset, end: offset });
      if (data === '@') this.openMentions(index, start);
      else this.updateMentions();
      return;
    }
    if (type.startsWith('delete')) return this.delete(event, element, index, text, start, end);
    // Formatting commands (bold and so on) are not part of this model.
  }

  delete(event, element, index, text, start, end) {
    const blocks = this.blocks;
    if (start === end) {
      const target = event.getTargetRanges?.()[0];
      if (target && !target.collapsed && element.contains(target.startContainer) &&
          element.contains(target.endContainer)) {
        [start, end] = widenToTokens(text, toModelOffset(element, target.startContainer, target.startOffset),
          toModelOffset(element, target.endContainer, target.endOffset));
      }
    }
    if (start === end) {
      const backward = event.inputType.includes('Backward');
      if (backward && start === 0) return this.mergeBackward(index);
      if (!backward && start === text.length) return this.mergeForward(index);
      [start, end] = deletionRange(text, start, backward ? -1 : 1);
    }
    this.apply(replaceTextOp(blocks, index, start, end, ''), { block: index, start, end: start });
    this.updateMentions();
  }

  // Text the browser put in the DOM itself (an input method's composition).
  onInput(event) {
    if (event.isComposing) return;
    this.syncFromDom(textElementOf(event.target));
  }

  syncFromDom(element) {
    if (!element || this.readOnly) return;
    const row = element.closest('.block');
    const index = Number(row?.dataset.index);
    const blocks = this.blocks;
    if (!row || !blocks[index]) return;
    const shown = readText(element);
    const stored = textOf(blocks[index]);
    if (shown === stored) return;
    const caret = this.selection();
    const op = diffTextOp(blocks, index, stored, shown);
    row.renderedText = null;
    this.apply(op, caret);
  }

  split(index, start, end) {
    const block = this.blocks[index];
    const listLike = block.type === 'bullet' || block.type === 'todo';
    if (listLike && textOf(block) === '') {
      // Enter on an empty list item ends the list, as in most editors.
      return this.apply(setTypeOp(this.blocks, index, 'paragraph'), { block: index, start: 0, end: 0 });
    }
    this.closeMentions();
    this.apply(splitOp(this.blocks, index, start, end), { block: index + 1, start: 0, end: 0 });
  }

  mergeBackward(index) {
    const blocks = this.blocks;
    if (blocks[index].type !== 'paragraph' && blocks[index].type !== undefined) {
      return this.apply(setTypeOp(blocks, index, 'paragraph'), { block: index, start: 0, end: 0 });
    }
    if (index === 0) return;
    const offset = textOf(blocks[index - 1]).length;
    this.apply(mergeWithPreviousOp(blocks, index), { block: index - 1, start: offset, end: offset });
  }

  mergeForward(index) {
    const blocks = this.blocks;
    if (index + 1 >= blocks.length) return;
    const offset = textOf(blocks[index]).length;
    this.apply(mergeWithPreviousOp(blocks, index + 1), { block: index, start: offset, end: offset });
  }

  // "# ", "- ", "* ", "[] " at the start of a paragraph change its type.
  applyShortcut(index, start, end, data) {
    const block = this.blocks[index];
    if (data !== ' ' || start !== end || (block.type ?? 'paragraph') !== 'paragraph') return false;
    const type = SHORTCUTS[textOf(block).slice(0, start)];
    if (!type) return false;
    const op = [...replaceTextOp(this.blocks, index, 0, start, '')];
    const afterDelete = structuredClone(this.blocks);
    afterDelete[index].text = textOf(block).slice(start);
    op.push(...setTypeOp(afterDelete, index, type));
    this.apply(op, { block: index, start: 0, end: 0 });
    return true;
  }

  onKeyDown(event) {
    if (this.picker.isOpen && this.picker.handleKey(event)) return;
    const element = textElementOf(event.target);
    if (!element || event.altKey) return;
    const caret = this.selection();
    if (!caret) return;
    const index = caret.block;
    const length = textOf(this.blocks[index]).length;
    const last = this.blocks.length - 1;
    const collapsed = caret.start === caret.end;
    const go = (block, offset) => {
      event.preventDefault();
      this.setSelection({ block, start: offset, end: offset });
    };

    // The browser's own undo history is empty (every input is handled here),
    // so it may not send historyUndo: the keys are taken directly.
    const command = event.ctrlKey || event.metaKey;
    if (command && !this.readOnly && (event.key.toLowerCase() === 'z' || event.key.toLowerCase() === 'y')) {
      event.preventDefault();
      const redo = event.key.toLowerCase() === 'y' || event.shiftKey;
      return redo ? this.undo(this.redoStack, this.undoStack) : this.undo();
    }
    if (event.key === 'Enter' && command && this.blocks[index].type === 'todo') {
      event.preventDefault();
      return this.setKey(index, 'done', !(this.blocks[index].done === true));
    }
    if (event.shiftKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowUp' && onEdgeLine(element, caret.start, 'first')) {
      if (index > 0) return go(index - 1, Math.min(caret.start, textOf(this.blocks[index - 1]).length));
      if (this.onLeaveTop) {
        event.preventDefault();
        return this.onLeaveTop();
      }
    }
    if (event.key === 'ArrowDown' && index < last && onEdgeLine(element, caret.end, 'last')) {
      return go(index + 1, Math.min(caret.end, textOf(this.blocks[index + 1]).length));
    }
    if (event.key === 'ArrowLeft' && collapsed && caret.start === 0 && index > 0) {
      return go(index - 1, textOf(this.blocks[index - 1]).length);
    }
    if (event.key === 'ArrowRight' && collapsed && caret.end === length && index < last) return go(index + 1, 0);
  }

  onControlChange(event) {
    const row = event.target.closest('.block');
    if (!row || this.readOnly) return;
    const index = Number(row.dataset.index);
    const target = event.target;
    if (target.classList.contains('block-type')) {
      this.apply(setTypeOp(this.blocks, index, target.value));
      this.rows[index]?.refs.typeSelect.focus();
    } else if (target.classList.contains('todo-check')) {
      this.setKey(index, 'done', target.checked);
      this.rows[index]?.refs.check?.focus();
    } else if (target.classList.contains('assignee')) {
      this.setKey(index, 'assignee', target.value || undefined);
      this.rows[index]?.refs.assignee?.focus();
    }
  }

  setKey(index, key, value) {
    this.apply(setKeyOp(this.blocks, index, key, value));
  }

  afterSelectionChange() {
    this.onSelection?.(this.selection());
    this.updateMentions();
  }

  afterFocusChange() {
    if (!this.list.contains(document.activeElement)) this.closeMentions();
  }

  // --- mentions ---

  openMentions(block, offset) {
    this.mentionAt = { block, offset };
    this.updateMentions();
  }

  updateMentions() {
    if (!this.mentionAt) return;
    const caret = this.selection();
    const text = textOf(this.blocks[this.mentionAt.block]);
    const { block, offset } = this.mentionAt;
    const query = caret && caret.block === block && caret.start === caret.end && caret.start > offset
      ? text.slice(offset + 1, caret.start) : null;
    if (query === null || text[offset] !== '@' || /\s/.test(query) || query.length > 40) {
      this.closeMentions();
      return;
    }
    const element = this.rows[block].refs.text;
    const rect = caretRect(element, caret.start);
    const box = this.root.getBoundingClientRect();
    this.picker.show(query, { left: rect.left - box.left, top: rect.top - box.top + rect.height + 4 });
  }

  closeMentions() {
    this.mentionAt = null;
    this.picker.close();
  }

  insertMention(userId) {
    const caret = this.selection();
    if (!this.mentionAt || !caret) return this.closeMentions();
    const { block, offset } = this.mentionAt;
    const insert = `${mentionToken(userId)} `;
    this.closeMentions();
    const end = offset + insert.length;
    this.apply(replaceTextOp(this.blocks, block, offset, caret.start, insert), { block, start: end, end });
  }
}

function rowType(block) {
  const type = block?.type;
  return BLOCK_TYPES.some((entry) => entry.type === type) ? type : 'paragraph';
}

function textElementOf(node) {
  const element = node?.nodeType === Node.ELEMENT_NODE ? node : node?.parentElement;
  return element?.closest?.('.block-text') ?? null;
}

// Whether the caret at `offset` is on the first (or last) visual line.
function onEdgeLine(element, offset, edge) {
  const caret = caretRect(element, offset);
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  const lineHeight = parseFloat(style.lineHeight) || caret.height || 20;
  if (edge === 'first') return caret.top - box.top < lineHeight * 0.9;
  return box.bottom - (caret.top + caret.height) < lineHeight * 0.9;
}

// Returns the caret position after an undo or redo: at its first text edit.
function caretAfter(op) {
  for (const component of op) {
    const [root, block, key, offset] = component.p;
    if (root !== 'blocks' || typeof block !== 'number') continue;
    if (key === 'text' && typeof offset === 'number') {
      const at = offset + (component.si?.length ?? 0);
      return { block, start: at, end: at };
    }
    return { block, start: 0, end: 0 };
  }
  return { block: 0, start: 0, end: 0 };
}
