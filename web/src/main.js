// Tandem's reference web client. It talks to the server only through the
// public API: REST under /v1, the Centrifugo protocol (the `centrifuge`
// SDK) on /connection/websocket, and json0 ops (`ot-json0`) for content.
//
// Routes: / (sign-in, then the first workspace), /w/{ws} and /w/{ws}/d/{doc}.
// The server returns index.html for every such path.
import './style.css';
import { Centrifuge, UnauthorizedError } from 'centrifuge';
import { createApi } from './api.js';
import { DocView } from './doc_view.js';
import { h } from './dom.js';
import { MENTION } from './blocks.js';
import { NotificationBell } from './notifications.js';
import { People, avatar } from './people.js';
import { SearchBox } from './search.js';
import { Sidebar } from './sidebar.js';
import { readClaims, showSignIn } from './signin.js';

const TOKEN_KEY = 'tandem.token';
const DEV_KEY = 'tandem.dev';
const TOAST_MS = 6000;
const CONNECTION_TEXT = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…',
  offline: 'Offline' };

class App {
  constructor(root) {
    this.root = root;
    this.people = new People();
    this.view = null;
    this.workspace = null;
    this.routeNumber = 0;
    this.routeOptions = {};
    this.toasts = h('div', { class: 'toasts' });
  }

  async start() {
    window.addEventListener('popstate', () => {
      this.routeOptions = {};
      this.route();
    });
    document.addEventListener('click', (event) => {
      const link = event.target.closest?.('a[data-link]');
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      this.navigate(link.getAttribute('href'));
    });
    // While the browser is offline the client stays disconnected instead of
    // retrying; subscriptions resume (with recovery) when it is back.
    window.addEventListener('offline', () => {
      this.client?.disconnect();
      this.setConnection('offline');
    });
    window.addEventListener('online', () => {
      if (this.client?.state === 'disconnected') this.client.connect();
      this.setConnection(this.client?.state === 'connected' ? 'connected' : 'reconnecting');
    });
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) await this.signIn(token, { dev: sessionStorage.getItem(DEV_KEY) === '1' });
    else this.showSignIn();
  }

  // --- signing in and out ---

  showSignIn(message) {
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    document.title = 'Sign in · Tandem';
    showSignIn({ container: this.root, api: createApi(() => null), message,
      onToken: (token, options) => this.signIn(token, options) });
  }

  async signIn(token, { dev }) {
    const claims = readClaims(token);
    if (!claims?.sub) return this.showSignIn('That is not a token: expected three base64url parts (a JWT).');
    this.token = token;
    this.dev = dev;
    this.user = { id: claims.sub, name: claims.name || claims.sub };
    this.api = createApi(() => this.token, {
      refreshToken: dev ? () => this.refreshToken() : undefined,
      onUnauthorized: () => this.signOut('Your session has ended; sign in again.'),
    });
    try {
      this.workspaces = await this.api.workspaces();
    } catch (error) {
      return this.showSignIn(`Sign-in failed: ${error.message}`);
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(DEV_KEY, dev ? '1' : '0');
    this.connect();
    this.buildShell();
    await this.route();
  }

  signOut(message) {
    if (!this.client) return;
    this.view?.unmount();
    this.view = null;
    this.sidebar?.stop();
    this.bell?.destroy();
    this.search?.destroy();
    this.client.disconnect();
    this.client = null;
    this.workspace = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(DEV_KEY);
    this.showSignIn(message);
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.everConnected = false;
    this.client = new Centrifuge(`${scheme}://${location.host}/connection/websocket`, {
      token: this.token,
      getToken: () => this.refreshToken(),
      minReconnectDelay: 300,
      maxReconnectDelay: 5000,
    });
    this.client.on('connecting', () => this.setConnection(this.everConnected ? 'reconnecting' : 'connecting'));
    this.client.on('connected', () => {
      this.everConnected = true;
      this.setConnection('connected');
    });
    this.client.on('disconnected', () => this.setConnection('offline'));
    this.client.connect();
  }

  // Gets a new token when the SDK or a REST call needs one. A pasted token
  // cannot be renewed, so the person signs in again.
  async refreshToken() {
    if (!this.dev) throw new UnauthorizedError('the token has expired');
    const { token } = await createApi(() => null).devToken(this.user.id);
    this.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    return token;
  }

  setConnection(state) {
    if (!this.connection) return;
    if (!navigator.onLine && state !== 'connected') state = 'offline';
    this.connection.dataset.state = state;
    this.connection.textContent = CONNECTION_TEXT[state];
    this.view?.onSyncState?.();
  }

  // --- the page frame ---

  buildShell() {
    this.search = new SearchBox({ app: this });
    this.bell = new NotificationBell({ app: this });
    this.sidebar = new Sidebar({ app: this });
    this.connection = h('span', { class: 'connection', role: 'status', 'aria-label': 'Connection' });
    this.setConnection('connecting');
    this.menuButton = h('button', { type: 'button', class: 'icon-button menu-button', 'aria-controls': 'sidebar',
      'aria-expanded': 'false', 'aria-label': 'Show pages', onclick: () => this.toggleSidebar() }, '☰');
    this.workspaceSelect = h('select', { class: 'workspace-select', 'aria-label': 'Workspace',
      onchange: () => this.navigate(`/w/${this.workspaceSelect.value}`) },
    this.workspaces.map((membership) => h('option', { value: membership.id }, membership.name)));
    const me = h('div', { class: 'me' }, avatar(this.user.id, this.user.name),
      h('button', { type: 'button', class: 'subtle', onclick: () => this.signOut() }, 'Sign out'));
    const topbar = h('header', { class: 'topbar' }, this.menuButton,
      h('span', { class: 'brand' }, 'Tandem'), this.workspaceSelect, this.search.element, this.connection,
      this.bell.element, me);
    this.main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
    this.shell = h('div', { class: 'shell' },
      h('a', { class: 'skip-link', href: '#main' }, 'Skip to the page'), topbar, this.sidebar.element, this.main);
    this.root.replaceChildren(this.shell, this.toasts);
    // On a phone the sidebar covers the page: Escape or a tap beside it closes it.
    this.shell.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.shell.classList.contains('sidebar-open')) {
        this.toggleSidebar(false);
        this.menuButton.focus();
      }
    });
    this.main.addEventListener('mousedown', () => {
      if (this.shell.classList.contains('sidebar-open')) this.toggleSidebar(false);
    });
    this.bell.start();
  }

  toggleSidebar(open = !this.shell.classList.contains('sidebar-open')) {
    this.shell.classList.toggle('sidebar-open', open);
    this.menuButton.setAttribute('aria-expanded', String(open));
    if (open) this.sidebar.element.querySelector('a, button')?.focus();
  }

  // --- routing ---

  navigate(path, options = {}) {
    if (location.pathname !== path) history.pushState(null, '', path);
    this.routeOptions = options;
    return this.route();
  }

  async route() {
    const number = ++this.routeNumber;
    const match = location.pathname.match(/^\/w\/([^/]+)(?:\/d\/([^/]+))?\/?$/);
    if (!match) {
      const first = this.workspaces[0];
      if (!first) return this.showNoWorkspace();
      history.replaceState(null, '', `/w/${first.id}`);
      return this.route();
    }
    const workspaceId = decodeURIComponent(match[1]);
    const documentId = match[2] ? decodeURIComponent(match[2]) : null;
    if (this.workspace?.id !== workspaceId && !(await this.openWorkspace(workspaceId))) return;
    if (number !== this.routeNumber) return;
    await this.openDocument(documentId, this.routeOptions, number);
  }

  async openWorkspace(workspaceId) {
    const membership = this.workspaces.find((workspace) => workspace.id === workspaceId);
    if (!membership) {
      this.toast('You are not a member of that workspace.', 'error');
      history.replaceState(null, '', '/');
      await this.route();
      return false;
    }
    this.sidebar.stop();
    this.workspace = membership;
    this.workspaceSelect.value = membership.id;
    try {
      this.people.setMembers(await this.api.members(membership.id));
    } catch (error) {
      this.toast(`members could not be loaded: ${error.message}`, 'error');
    }
    this.sidebar.start();
    return true;
  }

  async openDocument(documentId, options, number) {
    this.view?.unmount();
    this.view = null;
    this.sidebar.drawPages();
    this.sidebar.refreshSoon(); // edits reorder the list, and they publish nothing there
    this.toggleSidebar(false);
    if (!documentId) {
      document.title = `${this.workspace.name} · Tandem`;
      this.main.replaceChildren(h('section', { class: 'empty-state' },
        h('h1', {}, this.workspace.name),
        h('p', { class: 'muted' }, 'Open a page from the list, search with Ctrl+K, or start a new one.'),
        h('button', { type: 'button', class: 'primary', disabled: !this.canEdit(),
          onclick: () => this.sidebar.createPage() }, '+ New page')));
      return;
    }
    const view = new DocView({ app: this, documentId });
    this.view = view;
    try {
      await view.mount(this.main);
    } catch (error) {
      if (this.view !== view) return;
      this.view = null;
      const text = error.status === 404 ? 'This page does not exist or was deleted.' : `The page could not be opened: ${error.message}`;
      this.main.replaceChildren(h('section', { class: 'empty-state' }, h('p', { role: 'alert' }, text)));
      return;
    }
    if (number !== this.routeNumber) return;
    document.title = `${view.title.value || 'Untitled'} · Tandem`;
    if (options.focusTitle) view.title.focus();
    else if (options.focusBlock !== undefined) view.focusBlock(options.focusBlock);
    else if (options.focusEditor) view.editor.focusStart();
  }

  showNoWorkspace() {
    const name = h('input', { id: 'workspace-name', required: true, maxlength: 200, placeholder: 'Team notes' });
    const form = h('form', { class: 'empty-state' }, h('h1', {}, 'No workspace yet'),
      h('label', { for: 'workspace-name' }, 'Create one'), name, h('button', { type: 'submit', class: 'primary' }, 'Create'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const created = await this.api.createWorkspace(name.value.trim());
        this.workspaces.push(created);
        this.workspaceSelect.append(h('option', { value: created.id }, created.name));
        this.navigate(`/w/${created.id}`);
      } catch (error) {
        this.toast(error.message, 'error');
      }
    });
    this.main.replaceChildren(form);
    name.focus();
  }

  // --- helpers for the views ---

  currentDocumentId() {
    return location.pathname.match(/\/d\/([^/]+)/)?.[1] ?? null;
  }

  canEdit() {
    return this.workspace?.role === 'owner' || this.workspace?.role === 'editor';
  }

  // Text with `<@user_id>` tokens shown as "@Name".
  displayText(text) {
    return String(text).replace(MENTION, (_, userId) => `@${this.people.name(userId)}`);
  }

  toast(message, kind = 'info') {
    const element = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
    this.toasts.append(element);
    setTimeout(() => element.remove(), TOAST_MS);
  }
}

new App(document.getElementById('app')).start();
