// One open document: its header (title, tags, viewers, save state), the
// block editor, live sync of its content and everyone's cursors.
import { DocSync } from './doc_sync.js';
import { debounce, h, throttle } from './dom.js';
import { Editor } from './editor.js';
import { RemoteCursors } from './cursors.js';
import { avatar } from './people.js';

const CURSOR_INTERVAL_MS = 80;
const TITLE_SAVE_MS = 600;

export class DocView {
  constructor({ app, documentId }) {
    this.app = app;
    this.documentId = documentId;
    this.viewers = new Map(); // connection id -> user id
    this.lastSelection = null;
    this.cursorDirty = false;
    this.publishCursorSoon = throttle(() => this.publishCursor(), CURSOR_INTERVAL_MS);
    this.onResize = () => this.cursors?.draw();
  }

  async mount(container) {
    const { api, people } = this.app;
    const document = await api.document(this.documentId);
    this.document = document;
    const readOnly = !this.app.canEdit();

    this.title = h('input', { class: 'doc-title', 'aria-label': 'Title', placeholder: 'Untitled', maxlength: 500,
      value: document.title, readonly: readOnly });
    this.tags = h('input', { class: 'doc-tags', 'aria-label': 'Tags, separated by commas', placeholder: 'Add tags',
      value: document.tags.join(', '), readonly: readOnly });
    this.viewerList = h('div', { class: 'viewers', 'aria-label': 'People viewing this page' });
    this.saveState = h('span', { class: 'save-state', role: 'status' });
    const remove = h('button', { class: 'danger subtle', type: 'button', disabled: readOnly,
      onclick: () => this.deleteDocument() }, 'Delete');
    // The title is saved as the person types (after a pause), so leaving the
    // page right after typing keeps it; `change` covers the last keystrokes.
    this.savedTitle = document.title;
    const saveTitle = () => {
      if (this.title.value === this.savedTitle) return;
      this.savedTitle = this.title.value;
      this.saveMeta({ title: this.title.value });
    };
    this.saveTitleSoon = debounce(saveTitle, TITLE_SAVE_MS);
    this.title.addEventListener('input', this.saveTitleSoon);
    this.title.addEventListener('change', saveTitle);
    this.title.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === 'ArrowDown') {
        event.preventDefault();
        this.editor.focusStart();
      }
    });
    this.tags.addEventListener('change', () => this.saveMeta({ tags: parseTags(this.tags.value) }));

    const handlers = {
      onLocalOp: (op) => this.cursors?.transform(op, this.app.user.id),
      onRemoteOp: (op, record) => {
        this.editor.applyRemote(op);
        this.cursors.transform(op, record.user_id);
      },
      onMeta: (data) => this.onMeta(data),
      onReset: () => this.editor.render(),
      onError: (message) => this.app.toast(message, 'error'),
      onStateChange: () => this.onSyncState(),
    };
    this.sync = await this.restoreUnsent(handlers) ??
      new DocSync({ client: this.app.client, api, document, userId: this.app.user.id, handlers });
    this.editor = new Editor({ sync: this.sync, people, readOnly,
      onSelection: (position) => {
        this.lastSelection = position;
        this.publishCursorSoon();
      },
      onRender: () => this.cursors?.draw(),
      onLeaveTop: () => this.title.focus() });
    this.cursors = new RemoteCursors({ editor: this.editor, people, sync: this.sync });

    const header = h('header', { class: 'doc-header' },
      h('div', { class: 'doc-header-row' }, this.viewerList, this.saveState, remove),
      this.title, this.tags);
    this.element = h('article', { class: 'doc', 'data-doc': document.id }, header, this.editor.root);
    container.replaceChildren(this.element);

    this.editor.render();
    this.editor.ensureShape();
    this.editor.render();
    this.subscribe();
    this.onSyncState();
    window.addEventListener('resize', this.onResize);
  }

  // Edits this tab had not sent before a reload, rebased by DocSync.
  async restoreUnsent(handlers) {
    try {
      const sync = await DocSync.restore({ client: this.app.client, api: this.app.api, documentId: this.documentId,
        userId: this.app.user.id, handlers });
      if (sync) this.app.toast('Sending the edits that were not saved before the page was reloaded.');
      return sync;
    } catch (error) {
      this.app.toast(`edits not saved before the reload are lost: ${error.message}`, 'error');
      return null;
    }
  }

  subscribe() {
    const { client } = this.app;
    this.sync.start((sub) => {
      sub.on('subscribed', () => {
        this.loadViewers(sub);
        this.app.sidebar.presenceSoon(); // the sidebar shows which page we have open
      });
      sub.on('join', (ctx) => {
        this.viewers.set(ctx.info.client, ctx.info.user);
        this.drawViewers();
        this.publishCursor(); // so the newcomer sees where everyone is
      });
      sub.on('leave', (ctx) => {
        this.viewers.delete(ctx.info.client);
        this.cursors.remove(ctx.info.client);
        this.drawViewers();
      });
    });
    const channel = `cursor:${this.document.workspace_id}:${this.document.id}`;
    this.cursorSub = client.newSubscription(channel);
    this.cursorSub.on('publication', (ctx) => {
      const data = ctx.data;
      if (data?.type !== 'cursor' || data.client_id === this.sync.clientId) return;
      const user = ctx.info?.user ?? data.user_id;
      this.cursors.receive(ctx.info?.client ?? data.client_id, user, data.position);
    });
    this.cursorSub.on('subscribed', () => this.publishCursor());
    this.cursorSub.subscribe();
  }

  async loadViewers(sub) {
    try {
      const { clients } = await sub.presence();
      this.viewers = new Map(Object.values(clients).map((info) => [info.client, info.user]));
      this.drawViewers();
    } catch (error) {
      this.app.toast(`could not read who is viewing: ${error.message}`, 'error');
    }
  }

  drawViewers() {
    const users = [...new Set(this.viewers.values())];
    this.viewerList.replaceChildren(...users.map((user) => {
      const name = this.app.people.name(user);
      return avatar(user, name, 'viewer', user === this.app.user.id ? `${name} (you)` : name);
    }));
  }

  // Shares the caret, or its absence once the focus leaves the text (so
  // others stop seeing a caret the person no longer has).
  publishCursor() {
    if (!this.cursorSub) return;
    if (!this.lastSelection) {
      if (this.sharedCaret) this.sendCursor(null);
      return;
    }
    if (this.sync.hasUnsavedChanges()) {
      this.cursorDirty = true; // sent once the server has our edits
      return;
    }
    this.cursorDirty = false;
    this.sendCursor({ ...this.lastSelection, version: this.sync.version });
  }

  sendCursor(position) {
    this.sharedCaret = position !== null;
    const data = { type: 'cursor', user_id: this.app.user.id, client_id: this.sync.clientId, position };
    this.app.client.publish(this.cursorSub.channel, data).catch(() => {
      // Offline: sent again once the connection is back.
      this.cursorDirty = true;
      if (position === null) this.sharedCaret = true;
    });
  }

  onSyncState() {
    const waiting = this.sync.hasUnsavedChanges();
    const online = this.app.client.state === 'connected';
    let state = 'saved';
    if (waiting) state = online ? 'saving' : 'unsaved';
    this.saveState.dataset.state = state;
    this.saveState.textContent = { saved: 'Saved', saving: 'Saving…', unsaved: 'Offline: changes kept, not sent yet' }[state];
    if (!waiting && this.cursorDirty) this.publishCursor();
  }

  onMeta(data) {
    if (data.event === 'deleted') {
      this.app.toast(`"${this.title.value || 'Untitled'}" was deleted by ${this.app.people.name(data.user_id)}`);
      this.app.navigate(`/w/${this.document.workspace_id}`);
      return;
    }
    if (document.activeElement !== this.title) {
      this.title.value = data.title;
      this.savedTitle = data.title;
    }
    if (document.activeElement !== this.tags) this.tags.value = (data.tags ?? []).join(', ');
  }

  async saveMeta(change) {
    try {
      await this.app.api.updateDocument(this.documentId, change);
    } catch (error) {
      this.app.toast(`not saved: ${error.message}`, 'error');
    }
  }

  async deleteDocument() {
    const name = this.title.value || 'Untitled';
    if (!window.confirm(`Delete "${name}"? Everyone loses access to it.`)) return;
    try {
      await this.app.api.deleteDocument(this.documentId);
      this.app.navigate(`/w/${this.document.workspace_id}`);
    } catch (error) {
      this.app.toast(`not deleted: ${error.message}`, 'error');
    }
  }

  // Puts the caret at the start of block `index` (a link from a notification).
  focusBlock(index) {
    this.editor.setSelection({ block: index, start: 0, end: 0 });
  }

  unmount() {
    window.removeEventListener('resize', this.onResize);
    this.saveTitleSoon?.cancel();
    if (this.title && this.title.value !== this.savedTitle) this.saveMeta({ title: this.title.value });
    this.sync?.stop();
    if (this.cursorSub) {
      this.cursorSub.removeAllListeners();
      this.cursorSub.unsubscribe();
      this.app.client.removeSubscription(this.cursorSub);
    }
    this.editor?.destroy();
  }
}

function parseTags(text) {
  return [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))];
}
