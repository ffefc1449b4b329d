// People search: a labelled input with a result list below it, by handle or
// display name prefix. Used in the top bar (results link to profiles) and in
// the group forms (results pick a member).

import { h, avatar, displayName, debounce } from './dom.js';

// opts: id, label, placeholder, onPick(account), links (render results as
// profile links), exclude() -> Set of account ids to leave out, visibleLabel.
export function searchBox(app, opts) {
  const listId = opts.id + '-results';
  const input = h('input', {
    id: opts.id,
    type: 'search',
    class: 'search-input',
    placeholder: opts.placeholder || '',
    autocomplete: 'off',
    spellcheck: 'false',
    role: 'combobox',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-autocomplete': 'list',
  });
  const list = h('ul', { id: listId, class: 'search-results', role: 'listbox', 'aria-label': opts.label + ' results', hidden: true });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  const label = h('label', { for: opts.id, class: opts.visibleLabel ? 'field-label' : 'sr-only' }, opts.label);
  const root = h('div', { class: 'search' + (opts.links ? ' search-top' : '') }, label, input, list, status);
  let seq = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  };

  const pick = (a) => {
    close();
    input.value = '';
    opts.onPick(a);
  };

  const show = (accounts, q) => {
    const exclude = opts.exclude ? opts.exclude() : new Set();
    const items = accounts.filter((a) => !exclude.has(a.id)).map((a) => {
      const body = [avatar(a, 'sm'), h('span', { class: 'who' },
        h('span', { class: 'name' }, displayName(a)), h('span', { class: 'handle' }, '@' + a.handle))];
      const item = opts.links
        ? h('a', { href: '/@' + a.handle, class: 'result', role: 'option', onclick: () => { close(); input.value = ''; } }, body)
        : h('button', { type: 'button', class: 'result', role: 'option', onclick: () => pick(a) }, body);
      item.addEventListener('keydown', (e) => moveFocus(e, item));
      return h('li', null, item);
    });
    if (!items.length) items.push(h('li', { class: 'empty' }, `No one found for “${q}”.`));
    list.replaceChildren(...items);
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    status.textContent = `${accounts.length} ${accounts.length === 1 ? 'person' : 'people'} found`;
  };

  const run = debounce(async () => {
    const q = input.value.trim().replace(/^@/, '');
    const mine = ++seq;
    if (!q) {
      close();
      return;
    }
    try {
      const r = await app.api.search(q);
      if (mine === seq) show(r.accounts || [], q);
    } catch (e) {
      if (mine === seq) {
        list.replaceChildren(h('li', { class: 'empty' }, e.message));
        list.hidden = false;
      }
    }
  }, 180);

  const items = () => [...list.querySelectorAll('.result')];
  const moveFocus = (e, item) => {
    const all = items();
    const i = all.indexOf(item);
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      (all[i + 1] || all[i]).focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (i <= 0) input.focus();
      else all[i - 1].focus();
    } else if (e.key === 'Escape') {
      close();
      input.focus();
    }
  };

  // Keep the focus in the input while a result is clicked, so that the
  // focusout below does not close the list before the click lands.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  input.addEventListener('input', run);
  input.addEventListener('focus', () => { if (input.value.trim() && list.children.length) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); } });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      const first = items()[0];
      if (first) {
        e.preventDefault();
        first.focus();
      }
    } else if (e.key === 'Escape') {
      close();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const first = items()[0];
      if (first) first.click();
    }
  });
  root.addEventListener('focusout', (e) => {
    if (!root.contains(e.relatedTarget)) close();
  });
  return root;
}
