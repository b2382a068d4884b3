// The search box: results as you type (title and snippet, matches marked),
// arrow keys to move, Enter to open, Escape to close. Ctrl+K or "/" focuses it.
import { debounce, h } from './dom.js';

const DELAY_MS = 120;

export class SearchBox {
  constructor({ app }) {
    this.app = app;
    this.results = [];
    this.active = -1;
    this.requestNumber = 0;
    this.input = h('input', { type: 'search', class: 'search-input', placeholder: 'Search pages  (Ctrl+K)',
      role: 'combobox', 'aria-label': 'Search pages', 'aria-expanded': 'false', 'aria-controls': 'search-results',
      'aria-autocomplete': 'list', autocomplete: 'off' });
    this.list = h('ul', { id: 'search-results', class: 'search-results', role: 'listbox', hidden: true });
    this.element = h('div', { class: 'search', role: 'search' }, this.input, this.list);

    const run = debounce(() => this.run(), DELAY_MS);
    this.input.addEventListener('input', run);
    this.input.addEventListener('keydown', (event) => this.onKey(event));
    this.input.addEventListener('focus', () => { if (this.results.length) this.open(); });
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.list.addEventListener('mousedown', (event) => {
      const item = event.target.closest('[data-doc]');
      if (!item) return;
      event.preventDefault();
      this.choose(this.results[Number(item.dataset.index)]);
    });
    this.onGlobalKey = (event) => {
      const typing = event.target.closest?.('input, textarea, select, [contenteditable="true"]');
      if ((event.key === 'k' && (event.ctrlKey || event.metaKey)) || (event.key === '/' && !typing)) {
        event.preventDefault();
        this.input.focus();
        this.input.select();
      }
    };
    document.addEventListener('keydown', this.onGlobalKey);
  }

  destroy() {
    document.removeEventListener('keydown', this.onGlobalKey);
  }

  async run() {
    const query = this.input.value.trim();
    const number = ++this.requestNumber;
    if (!query || !this.app.workspace) {
      this.results = [];
      this.close();
      return;
    }
    try {
      const page = await this.app.api.search(this.app.workspace.id, { q: query, limit: 10, sort: 'relevance' });
      if (number !== this.requestNumber) return; // a newer query has been sent
      this.results = page.results;
      this.active = this.results.length ? 0 : -1;
      this.draw(page);
      this.open();
    } catch (error) {
      if (number === this.requestNumber) this.app.toast(`search failed: ${error.message}`, 'error');
    }
  }

  draw(page) {
    if (this.results.length === 0) {
      this.list.replaceChildren(h('li', { class: 'search-empty', role: 'option', 'aria-disabled': 'true' },
        'No page matches'));
      return;
    }
    const items = this.results.map((result, index) => h('li', {
      role: 'option', id: `search-option-${index}`, 'data-doc': result.id, 'data-index': index,
      'aria-selected': index === this.active ? 'true' : 'false', class: index === this.active ? 'active' : '',
    }, h('div', { class: 'search-title' }, result.title || 'Untitled'),
    h('div', { class: 'search-snippet' }, snippetNodes(result.snippet))));
    if (!page.total_is_exact) items.push(h('li', { class: 'search-more', role: 'presentation' }, '100+ matches'));
    this.list.replaceChildren(...items);
    this.input.setAttribute('aria-activedescendant', this.active >= 0 ? `search-option-${this.active}` : '');
  }

  onKey(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      if (this.list.hidden) this.input.blur();
      this.close();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && this.results.length) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + step + this.results.length) % this.results.length;
      this.draw({ total_is_exact: true });
      this.open();
    } else if (event.key === 'Enter' && this.active >= 0 && !this.list.hidden) {
      event.preventDefault();
      this.choose(this.results[this.active]);
    }
  }

  choose(result) {
    if (!result) return;
    this.close();
    this.input.value = '';
    this.results = [];
    this.app.navigate(`/w/${this.app.workspace.id}/d/${result.id}`, { focusEditor: true });
  }

  open() {
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
  }
}

// The server's snippet is HTML-escaped text with <mark> around matches.
// It is rebuilt as DOM nodes rather than assigned as HTML, so nothing but
// the marks can ever become markup.
export function snippetNodes(snippet) {
  const nodes = [];
  let marked = false;
  for (const part of String(snippet ?? '').split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) nodes.push(marked ? h('mark', {}, unescapeHtml(part)) : document.createTextNode(unescapeHtml(part)));
  }
  return nodes;
}

function unescapeHtml(text) {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, entity) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[entity]);
}
