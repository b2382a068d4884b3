// The workspace sidebar: pages newest first (create, open), and who is
// online with the page each person has open.
//
// Online people come from presence on workspace:{ws}; the page each has
// open comes from GET /v1/workspaces/{ws}/presence, read again when the
// server announces on workspace:{ws} that someone opened or closed a page
// ({type: "presence"}), when someone joins or leaves the workspace channel,
// and when the list of pages changes.
import { debounce, h, timeAgo } from './dom.js';
import { avatar } from './people.js';

export class Sidebar {
  constructor({ app }) {
    this.app = app;
    this.documents = [];
    this.online = new Map(); // connection id -> user id
    this.viewing = {}; // doc id -> [{user_id, name}]
    this.pageList = h('ul', { class: 'page-list', 'aria-label': 'Pages' });
    this.onlineList = h('ul', { class: 'online-list', 'aria-label': 'Online' });
    this.newButton = h('button', { type: 'button', class: 'primary new-page', onclick: () => this.createPage() },
      '+ New page');
    this.element = h('nav', { class: 'sidebar', id: 'sidebar', 'aria-label': 'Workspace' },
      this.newButton,
      h('h2', {}, 'Pages'), this.pageList,
      h('h2', {}, 'Online'), this.onlineList);
    this.refreshSoon = debounce(() => this.refresh(), 150);
    this.presenceSoon = debounce(() => this.loadPresence(), 150);
  }

  start() {
    const { client, workspace } = this.app;
    this.newButton.disabled = !this.app.canEdit();
    this.sub = client.newSubscription(`workspace:${workspace.id}`, { joinLeave: true });
    this.sub.on('publication', (ctx) => {
      if (ctx.data?.type === 'meta') {
        this.refreshSoon();
        this.presenceSoon();
      } else if (ctx.data?.type === 'presence') {
        this.presenceSoon();
      }
    });
    this.sub.on('subscribed', async () => {
      // Also after a reconnect: the list may have changed meanwhile.
      this.refreshSoon();
      try {
        const { clients } = await this.sub.presence();
        this.online = new Map(Object.values(clients).map((info) => [info.client, info.user]));
      } catch (error) {
        this.app.toast(`could not read who is online: ${error.message}`, 'error');
      }
      this.presenceSoon();
    });
    this.sub.on('join', (ctx) => {
      this.online.set(ctx.info.client, ctx.info.user);
      this.presenceSoon();
    });
    this.sub.on('leave', (ctx) => {
      this.online.delete(ctx.info.client);
      this.presenceSoon();
    });
    this.sub.subscribe();
  }

  stop() {
    this.refreshSoon.cancel();
    this.presenceSoon.cancel();
    if (this.sub) {
      this.sub.removeAllListeners();
      this.sub.unsubscribe();
      this.app.client.removeSubscription(this.sub);
    }
  }

  async refresh() {
    if (!navigator.onLine) return;
    try {
      const page = await this.app.api.documents(this.app.workspace.id, { limit: 100 });
      this.documents = page.documents;
      this.drawPages();
    } catch (error) {
      this.app.toast(`pages could not be loaded: ${error.message}`, 'error');
    }
  }

  async loadPresence() {
    if (!navigator.onLine) return; // read again after the reconnect
    try {
      this.viewing = await this.app.api.presence(this.app.workspace.id);
      this.drawOnline();
    } catch (error) {
      if (error.status !== 0) this.app.toast(`presence could not be loaded: ${error.message}`, 'error');
    }
  }

  drawPages() {
    const current = this.app.currentDocumentId();
    if (this.documents.length === 0) {
      this.pageList.replaceChildren(h('li', { class: 'empty' }, 'No pages yet'));
      return;
    }
    this.pageList.replaceChildren(...this.documents.map((document) => h('li', {},
      h('a', { href: `/w/${document.workspace_id}/d/${document.id}`, 'data-link': '', 'data-doc': document.id,
        class: document.id === current ? 'active' : '', 'aria-current': document.id === current ? 'page' : false },
      h('span', { class: 'page-title' }, document.title || 'Untitled'),
      h('span', { class: 'page-meta' }, [
        ...document.tags.map((tag) => h('span', { class: 'tag' }, tag)),
        h('time', { datetime: document.updated_at }, timeAgo(document.updated_at)),
      ])))));
  }

  drawOnline() {
    const openBy = new Map(); // user -> titles
    for (const [docId, viewers] of Object.entries(this.viewing)) {
      const title = this.documents.find((document) => document.id === docId)?.title || 'Untitled';
      for (const viewer of viewers) openBy.set(viewer.user_id, [...(openBy.get(viewer.user_id) ?? []), title]);
    }
    const users = [...new Set([...this.online.values(), ...openBy.keys()])].sort();
    if (users.length === 0) {
      this.onlineList.replaceChildren(h('li', { class: 'empty' }, 'Nobody'));
      return;
    }
    this.onlineList.replaceChildren(...users.map((user) => {
      const name = this.app.people.name(user);
      const titles = openBy.get(user);
      return h('li', { 'data-user': user }, avatar(user, name, 'small'),
        h('span', { class: 'online-name' }, name + (user === this.app.user.id ? ' (you)' : '')),
        h('span', { class: 'online-doc' }, titles ? `viewing ${titles.join(', ')}` : 'online'));
    }));
  }

  async createPage() {
    try {
      const document = await this.app.api.createDocument(this.app.workspace.id, {
        title: '', content: { blocks: [{ type: 'paragraph', text: '' }] },
      });
      await this.refresh();
      this.app.navigate(`/w/${document.workspace_id}/d/${document.id}`, { focusTitle: true });
    } catch (error) {
      this.app.toast(`page not created: ${error.message}`, 'error');
    }
  }
}
