// Workspace members: names for user ids, a stable color per user, avatars.
import { h } from './dom.js';

export class People {
  constructor() {
    this.members = new Map(); // user_id -> {user_id, name, role}
    this.version = 0; // grows on every change, so views know to redraw names
  }

  setMembers(list) {
    this.members = new Map(list.map((member) => [member.user_id, member]));
    this.version++;
  }

  list() {
    return [...this.members.values()];
  }

  name(userId) {
    const member = this.members.get(userId);
    return member?.name || userId;
  }
}

// A hue derived from the user id, so everyone sees the same color for a person.
export function colorOf(userId) {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 42%)`;
}

export function initials(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...words[0]][0] ?? '';
  const second = words.length > 1 ? [...words[words.length - 1]][0] ?? '' : '';
  return (first + second).toUpperCase();
}

// A round badge with the person's initials; `label` (default: the name) is
// its tooltip and accessible name.
export function avatar(userId, name, extraClass = '', label = name) {
  const element = h('span', { class: `avatar ${extraClass}`.trim(), title: label, 'data-user': userId, role: 'img',
    'aria-label': label }, initials(name));
  element.style.setProperty('--user-color', colorOf(userId));
  return element;
}
