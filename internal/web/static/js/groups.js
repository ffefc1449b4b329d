// Group forms: creating a group, and picking people for it (also used to add
// members to an existing group).

import { h, avatar, displayName } from './dom.js';
import { searchBox } from './search.js';

// memberPicker is a search box plus the chips of the people picked so far.
// exclude lists account ids that cannot be picked (the caller, members).
export function memberPicker(app, id, label, exclude, onChange) {
  const picked = new Map();
  const chips = h('ul', { class: 'chips', 'aria-label': 'Selected people' });
  const render = () => {
    chips.replaceChildren(...[...picked.values()].map((a) => h('li', { class: 'chip-person' },
      // The handle beside the name: a display name alone can pass for
      // someone else's (issue 16), the handle cannot.
      avatar(a, 'xs'), h('span', null, displayName(a)), h('span', { class: 'handle' }, '@' + a.handle),
      h('button', {
        type: 'button', class: 'chip-x', 'aria-label': `Remove ${displayName(a)} (@${a.handle})`,
        // The focus goes to the next person's × (the last one's: the
        // search box): with the pressed button gone it fell to the page.
        onclick: () => {
          const i = [...picked.keys()].indexOf(a.id);
          picked.delete(a.id);
          render();
          const xs = chips.querySelectorAll('.chip-x');
          (xs[Math.min(i, xs.length - 1)] || box.querySelector('input')).focus();
        },
      }, '×'))));
    if (onChange) onChange([...picked.values()]);
  };
  const box = searchBox(app, {
    id,
    label,
    visibleLabel: true,
    placeholder: 'Search by handle or name',
    exclude: () => new Set([...exclude(), ...picked.keys()]),
    onPick: (a) => { picked.set(a.id, a); render(); box.querySelector('input').focus(); },
  });
  return {
    el: h('div', { class: 'picker' }, box, chips),
    handles: () => [...picked.values()].map((a) => a.handle),
    clear: () => { picked.clear(); render(); },
  };
}

export function newGroupForm(app) {
  const title = h('input', { type: 'text', id: 'group-title', maxlength: '100', placeholder: 'e.g. Weekend trip' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const create = h('button', { type: 'submit', class: 'btn primary', disabled: true }, 'Create group');
  const hint = h('p', { class: 'hint' }, 'Add at least two people.');
  const picker = memberPicker(app, 'group-members', 'People', () => [app.me.id], (people) => {
    create.disabled = people.length < 2;
    hint.textContent = people.length < 2 ? 'Add at least two people.' : `${people.length + 1} members, you included.`;
  });
  const form = h('form', { class: 'stack group-form' },
    h('div', { class: 'pane-head' },
      h('a', { class: 'back', href: '/inbox', 'aria-label': 'Back to conversations' }, '‹'),
      h('h2', null, 'New group')),
    h('div', { class: 'stack pad' },
      h('div', { class: 'field' }, h('label', { for: 'group-title', class: 'field-label' }, 'Group name'), title),
      picker.el,
      hint,
      err,
      h('div', { class: 'actions-row' }, create)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const handles = picker.handles();
    if (handles.length < 2) {
      err.textContent = 'Add at least two people to make a group.';
      return;
    }
    create.disabled = true;
    try {
      const r = await app.api.openConversation(handles, title.value.trim());
      app.store.upsert(r.conversation);
      app.navigate('/c/' + r.conversation.id);
    } catch (x) {
      err.textContent = x.message;
      create.disabled = false;
    }
  });
  return form;
}
