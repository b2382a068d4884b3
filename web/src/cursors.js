// Other people's carets and selections in the open document.
//
// Each client publishes {type: "cursor", user_id, client_id, position} on
// cursor:{ws}:{doc}, where position is {block, start, end, version}: a
// range in block `block`'s text as of document version `version`, sent
// only when the sender has no unacknowledged edits (so it describes exactly
// that version). A receiver that is behind keeps it until it reaches that
// version. From then on each op applied locally moves it, until the next
// update replaces it. A null position removes the caret.
import { textOf, transformPosition } from './blocks.js';
import { h } from './dom.js';
import { colorOf } from './people.js';
import { caretRect, rangeFor } from './text_dom.js';

export class RemoteCursors {
  constructor({ editor, people, sync }) {
    this.editor = editor;
    this.people = people;
    this.sync = sync;
    this.cursors = new Map(); // client key -> {user, position}
    this.waiting = new Map(); // client key -> {user, position} for a version not reached yet
  }

  // A cursor message from `user` (the connection's authenticated user).
  receive(key, user, position) {
    this.waiting.delete(key);
    if (!position || typeof position.block !== 'number') {
      this.cursors.delete(key);
    } else if (position.version > this.sync.version) {
      this.waiting.set(key, { user, position });
      return;
    } else {
      this.cursors.set(key, { user, position: this.throughLocalChanges(position) });
    }
    this.draw();
  }

  // Ops the sender had not seen yet: our own unacknowledged edits.
  throughLocalChanges(position) {
    let moved = position;
    for (const op of [this.sync.inflight?.op, this.sync.pending]) {
      if (op && moved) moved = transformPosition(moved, op, 'before');
    }
    return moved;
  }

  remove(key) {
    this.cursors.delete(key);
    this.waiting.delete(key);
    this.draw();
  }

  removeUser(user) {
    for (const [key, cursor] of this.cursors) if (cursor.user === user) this.cursors.delete(key);
    this.draw();
  }

  // An op applied to the local content; `author` typed it.
  transform(op, author) {
    for (const [key, cursor] of this.cursors) {
      const moved = transformPosition(cursor.position, op, cursor.user === author ? 'after' : 'before');
      if (moved) cursor.position = moved;
      else this.cursors.delete(key);
    }
    for (const [key, waiting] of this.waiting) {
      if (waiting.position.version <= this.sync.version) this.receive(key, waiting.user, waiting.position);
    }
    this.draw();
  }

  draw() {
    const layer = this.editor.overlay;
    const box = this.editor.root.getBoundingClientRect();
    const marks = [];
    for (const [key, { user, position }] of this.cursors) {
      const row = this.editor.rows[position.block];
      if (!row) continue;
      const element = row.refs.text;
      const length = textOf(this.editor.blocks[position.block]).length;
      const start = Math.min(position.start, length);
      const end = Math.min(Math.max(position.end ?? start, start), length);
      const color = colorOf(user);
      if (end > start) {
        for (const rect of rangeFor(element, start, end).getClientRects()) {
          const mark = h('div', { class: 'remote-selection', 'data-user': user });
          place(mark, rect, box, color);
          marks.push(mark);
        }
      }
      const rect = caretRect(element, end);
      const caret = h('div', { class: 'remote-caret', 'data-user': user, 'data-client': key },
        h('span', { class: 'remote-label' }, this.people.name(user)));
      place(caret, { left: rect.left, top: rect.top, width: 2, height: rect.height }, box, color);
      marks.push(caret);
    }
    layer.replaceChildren(...marks);
  }
}

function place(element, rect, box, color) {
  element.style.left = `${rect.left - box.left}px`;
  element.style.top = `${rect.top - box.top}px`;
  element.style.width = `${Math.max(2, rect.width)}px`;
  element.style.height = `${rect.height}px`;
  element.style.setProperty('--user-color', color);
}
