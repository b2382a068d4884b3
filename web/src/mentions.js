// The @ picker: a list of workspace members filtered by what follows the
// '@'. Arrow keys move, Enter or Tab picks, Escape closes; a click picks too.
import { h } from './dom.js';
import { avatar } from './people.js';

const MAX_ITEMS = 8;

export class MentionPicker {
  constructor({ people, container, onPick }) {
    this.people = people;
    this.onPick = onPick;
    this.items = [];
    this.active = 0;
    this.element = h('ul', { class: 'mention-picker', role: 'listbox', 'aria-label': 'Mention someone', hidden: true });
    // mousedown, not click: picking must not move the focus out of the text.
    this.element.addEventListener('mousedown', (event) => {
      const item = event.target.closest('[data-user]');
      if (!item) return;
      event.preventDefault();
      this.onPick(item.dataset.user);
    });
    container.append(this.element);
  }

  get isOpen() {
    return !this.element.hidden;
  }

  show(query, { left, top }) {
    const needle = query.toLowerCase();
    this.items = this.people.list()
      .filter((member) => member.user_id.toLowerCase().includes(needle) ||
        (member.name ?? '').toLowerCase().includes(needle))
      .slice(0, MAX_ITEMS);
    this.active = Math.min(this.active, Math.max(0, this.items.length - 1));
    this.element.style.left = `${Math.max(0, left)}px`;
    this.element.style.top = `${top}px`;
    this.draw();
    this.element.hidden = false;
  }

  draw() {
    if (this.items.length === 0) {
      this.element.replaceChildren(h('li', { class: 'mention-empty', role: 'option', 'aria-disabled': 'true' },
        'No matching member'));
      return;
    }
    this.element.replaceChildren(...this.items.map((member, index) => h('li', {
      role: 'option', id: `mention-option-${index}`, 'data-user': member.user_id,
      'aria-selected': index === this.active ? 'true' : 'false',
      class: index === this.active ? 'active' : '',
    }, avatar(member.user_id, member.name || member.user_id, 'small'), h('span', {}, member.name || member.user_id),
    h('span', { class: 'muted' }, member.user_id))));
  }

  close() {
    this.element.hidden = true;
    this.active = 0;
  }

  // Handles a key while open; true when the key was used.
  handleKey(event) {
    if (event.key === 'Escape') {
      this.close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (this.items.length === 0) return false;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + step + this.items.length) % this.items.length;
      this.draw();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      const member = this.items[this.active];
      if (!member) return false;
      this.onPick(member.user_id);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }
}
