// The bell: unread count, a list of mentions and assignments with links
// into the document, mark one or all as read. New notifications arrive live
// on the user's channel user:{id}.
import { h, timeAgo } from './dom.js';
import { avatar } from './people.js';

const PAGE = 20;

// An inbox item nests the event (doc_id, actor_id, excerpt, ...) under
// `payload`; the bell reads those fields next to the item's own.
function flatten(item) {
  return { ...item.payload, id: item.id, type: item.type, read: item.read,
    created_at: item.created_at, read_at: item.read_at };
}

export class NotificationBell {
  constructor({ app }) {
    this.app = app;
    this.items = [];
    this.unread = 0;
    this.badge = h('span', { class: 'badge', hidden: true });
    this.button = h('button', { class: 'bell icon-button', type: 'button', 'aria-haspopup': 'true',
      'aria-expanded': 'false', 'aria-controls': 'notification-panel', onclick: () => this.toggle() },
    bellIcon(), h('span', { class: 'visually-hidden' }, 'Notifications'), this.badge);
    this.list = h('ul', { class: 'notification-list' });
    this.panel = h('section', { id: 'notification-panel', class: 'notification-panel', hidden: true,
      'aria-label': 'Notifications' },
    h('header', {}, h('h2', {}, 'Notifications'),
      h('button', { type: 'button', class: 'subtle', onclick: () => this.markAll() }, 'Mark all as read')),
    this.list);
    this.element = h('div', { class: 'notifications' }, this.button, this.panel);
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        this.close();
        this.button.focus();
      }
    });
    this.onOutside = (event) => { if (!this.element.contains(event.target)) this.close(); };
    document.addEventListener('mousedown', this.onOutside);
  }

  destroy() {
    document.removeEventListener('mousedown', this.onOutside);
    if (this.sub) {
      this.sub.removeAllListeners();
      this.sub.unsubscribe();
      this.app.client.removeSubscription(this.sub);
    }
  }

  async start() {
    this.sub = this.app.client.newSubscription(`user:${this.app.user.id}`);
    this.sub.on('publication', (ctx) => {
      if (ctx.data?.type === 'notification') this.receive(flatten(ctx.data.notification));
    });
    this.sub.on('subscribed', (ctx) => { if (!ctx.recovered) this.load(); });
    this.sub.subscribe();
  }

  async load() {
    try {
      const page = await this.app.api.notifications({ limit: PAGE });
      this.items = page.items.map(flatten);
      this.unread = page.unread_count;
      this.draw();
    } catch (error) {
      this.app.toast(`notifications could not be loaded: ${error.message}`, 'error');
    }
  }

  receive(item) {
    if (!item?.id) return;
    const known = this.items.findIndex((existing) => existing.id === item.id);
    if (known >= 0) {
      if (!this.items[known].read && item.read) this.unread = Math.max(0, this.unread - 1);
      this.items[known] = item;
    } else {
      this.items.unshift(item);
      if (!item.read) this.unread++;
    }
    this.draw();
  }

  draw() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 99 ? '99+' : String(this.unread);
    this.button.setAttribute('aria-label', `Notifications, ${this.unread} unread`);
    if (this.items.length === 0) {
      this.list.replaceChildren(h('li', { class: 'empty' }, 'Nothing yet. Mentions and assignments show up here.'));
      return;
    }
    this.list.replaceChildren(...this.items.map((item) => this.drawItem(item)));
  }

  drawItem(item) {
    const actor = this.app.people.name(item.actor_id);
    const what = item.type === 'assign' ? 'assigned you a to-do in' : 'mentioned you in';
    const link = h('a', { href: `/w/${item.workspace_id}/d/${item.doc_id}`, class: 'notification-link',
      onclick: (event) => {
        event.preventDefault();
        this.open(item);
      } },
    avatar(item.actor_id, actor, 'small'),
    h('span', { class: 'notification-text' },
      h('span', {}, h('strong', {}, actor), ` ${what} `, h('strong', {}, item.doc_title || 'Untitled')),
      item.excerpt ? h('span', { class: 'excerpt' }, this.app.displayText(item.excerpt)) : null,
      h('time', { datetime: item.created_at }, timeAgo(item.created_at))));
    return h('li', { class: item.read ? 'read' : 'unread', 'data-id': item.id }, link);
  }

  async open(item) {
    this.close();
    if (!item.read) await this.markRead(item);
    const block = Array.isArray(item.path) && item.path[0] === 'blocks' ? item.path[1] : undefined;
    this.app.navigate(`/w/${item.workspace_id}/d/${item.doc_id}`, { focusBlock: block });
  }

  async markRead(item) {
    try {
      await this.app.api.markNotificationRead(item.id);
      if (!item.read) this.unread = Math.max(0, this.unread - 1);
      item.read = true;
      this.draw();
    } catch (error) {
      this.app.toast(`could not mark as read: ${error.message}`, 'error');
    }
  }

  async markAll() {
    try {
      await this.app.api.markAllNotificationsRead();
      for (const item of this.items) item.read = true;
      this.unread = 0;
      this.draw();
    } catch (error) {
      this.app.toast(`could not mark as read: ${error.message}`, 'error');
    }
  }

  toggle() {
    if (this.panel.hidden) {
      this.panel.hidden = false;
      this.button.setAttribute('aria-expanded', 'true');
      this.panel.querySelector('a, button')?.focus();
    } else {
      this.close();
    }
  }

  close() {
    this.panel.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
  }
}

function bellIcon() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.8');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}
