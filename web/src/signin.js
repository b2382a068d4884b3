// The sign-in screen. With the server's development sign-in on
// (`--dev-login`), it lists the demo users and asks the server for a token;
// otherwise a person pastes a token minted with `tandem token`.
import { h } from './dom.js';
import { avatar } from './people.js';

export async function showSignIn({ container, api, onToken, message }) {
  const error = h('p', { class: 'form-error', role: 'alert' }, message ?? '');
  const tokenInput = h('textarea', { id: 'token-input', rows: 3, placeholder: 'eyJhbGciOiJIUzI1NiIs…',
    spellcheck: 'false', 'aria-describedby': 'token-help' });
  const pasteForm = h('form', { class: 'token-form' },
    h('label', { for: 'token-input' }, 'Token'),
    tokenInput,
    h('p', { id: 'token-help', class: 'muted' }, 'Mint one with ',
      h('code', {}, 'tandem token --user ID --name "Your Name"'), '.'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in with token'));
  pasteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (token) onToken(token, { dev: false });
  });

  const devSection = h('section', { class: 'dev-login', hidden: true, 'aria-labelledby': 'dev-login-title' });
  const card = h('main', { class: 'signin' },
    h('h1', {}, 'Tandem'),
    h('p', { class: 'muted' }, 'Live editing, cursors, presence, search and notifications, all through the public API.'),
    error, devSection, pasteForm);
  container.replaceChildren(card);

  try {
    const { users } = await api.devUsers();
    const otherInput = h('input', { id: 'dev-user-id', placeholder: 'another user id', autocomplete: 'off' });
    const otherForm = h('form', { class: 'dev-other' }, h('label', { for: 'dev-user-id', class: 'visually-hidden' },
      'User id'), otherInput, h('button', { type: 'submit' }, 'Sign in'));
    const signIn = async (userId) => {
      try {
        const { token } = await api.devToken(userId);
        onToken(token, { dev: true });
      } catch (failure) {
        error.textContent = failure.message;
      }
    };
    otherForm.addEventListener('submit', (event) => {
      event.preventDefault();
      if (otherInput.value.trim()) signIn(otherInput.value.trim());
    });
    devSection.replaceChildren(
      h('h2', { id: 'dev-login-title' }, 'Development sign-in'),
      h('p', { class: 'muted' }, 'This server issues tokens to anyone (dev login is on). Pick a demo user:'),
      h('ul', { class: 'dev-users' }, users.map((user) => h('li', {},
        h('button', { type: 'button', class: 'dev-user', 'data-user': user.user_id, onclick: () => signIn(user.user_id) },
          avatar(user.user_id, user.name), h('span', {}, user.name), h('span', { class: 'muted' }, user.role))))),
      otherForm);
    devSection.hidden = false;
    devSection.querySelector('button')?.focus();
  } catch {
    // Development sign-in is off (404): only the token form is offered.
    tokenInput.focus();
  }
}

// The claims of a JWT, read without verifying it (the server verifies).
export function readClaims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent([...atob(payload)].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    return JSON.parse(json);
  } catch {
    return null;
  }
}
