// Maps between a block's text (a string with `<@user_id>` tokens) and the
// DOM of its editable element: text nodes, plus one non-editable span per
// mention that shows the person's name. Offsets on the model side count
// UTF-16 units of the stored text, so a mention span stands for its whole
// token. Zero-width spaces give the caret a place before a leading mention
// and after a trailing one; they count for nothing.
import { MENTION } from './blocks.js';
import { h } from './dom.js';
import { colorOf } from './people.js';

const ZWSP = '\u200b';

const isMention = (node) => node.nodeType === Node.ELEMENT_NODE && node.classList.contains('mention');
const visibleLength = (text) => text.length - (text.split(ZWSP).length - 1);

export function renderText(element, text, people) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    else nodes.push(document.createTextNode(ZWSP));
    const span = h('span', { class: 'mention', contenteditable: 'false', 'data-user': match[1],
      'data-token': match[0] }, `@${people.name(match[1])}`);
    span.style.setProperty('--user-color', colorOf(match[1]));
    nodes.push(span);
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  else if (last > 0) nodes.push(document.createTextNode(ZWSP));
  element.replaceChildren(...nodes);
}

// The model text the DOM shows (what a composition left behind, say).
export function readText(element) {
  let text = '';
  for (const node of element.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) text += node.data.replaceAll(ZWSP, '');
    else if (isMention(node)) text += node.dataset.token;
    else text += (node.textContent ?? '').replaceAll(ZWSP, '');
  }
  return text;
}

// The model offset of a DOM position inside `element`.
export function toModelOffset(element, node, offset) {
  if (!element.contains(node)) return node.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING
    ? 0 : readText(element).length;
  let total = 0;
  const children = [...element.childNodes];
  for (let index = 0; index < children.length; index++) {
    const child = children[index];
    if (node === element && index === offset) return total;
    if (child === node && child.nodeType === Node.TEXT_NODE) return total + visibleLength(child.data.slice(0, offset));
    const length = child.nodeType === Node.TEXT_NODE ? visibleLength(child.data)
      : isMention(child) ? child.dataset.token.length : visibleLength(child.textContent ?? '');
    if (child !== node && child.contains(node)) {
      // Inside a mention (or another element): before it at its start, else after.
      return total + (offset > 0 || node !== child.firstChild ? length : 0);
    }
    total += length;
  }
  return total;
}

// The DOM position {node, offset} for a model offset inside `element`.
export function toDomPosition(element, modelOffset) {
  let remaining = modelOffset;
  const children = [...element.childNodes];
  for (let index = 0; index < children.length; index++) {
    const child = children[index];
    if (child.nodeType === Node.TEXT_NODE) {
      const length = visibleLength(child.data);
      if (remaining <= length) return { node: child, offset: domIndex(child.data, remaining) };
      remaining -= length;
    } else {
      const length = isMention(child) ? child.dataset.token.length : visibleLength(child.textContent ?? '');
      if (remaining <= 0) return { node: element, offset: index };
      remaining -= Math.min(remaining, length);
      if (remaining === 0 && index === children.length - 1) return { node: element, offset: index + 1 };
    }
  }
  return { node: element, offset: children.length };
}

// The index in `data` after `count` visible units, skipping zero-width spaces.
function domIndex(data, count) {
  let seen = 0;
  let index = 0;
  while (index < data.length && seen < count) {
    if (data[index] !== ZWSP) seen++;
    index++;
  }
  while (index < data.length && data[index] === ZWSP) index++;
  return index;
}

export function rangeFor(element, start, end) {
  const from = toDomPosition(element, start);
  const to = toDomPosition(element, end);
  const range = document.createRange();
  range.setStart(from.node, from.offset);
  range.setEnd(to.node, to.offset);
  return range;
}

// The rectangle of a caret at `offset`, falling back to the element's
// first line when the browser gives no box (an empty block).
export function caretRect(element, offset) {
  const range = rangeFor(element, offset, offset);
  const rects = range.getClientRects();
  if (rects.length > 0 && rects[0].height > 0) return rects[0];
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4 || 20;
  return { left: box.left + (parseFloat(style.paddingLeft) || 0), top: box.top + (parseFloat(style.paddingTop) || 0),
    height: lineHeight, width: 0, bottom: box.top + lineHeight };
}
