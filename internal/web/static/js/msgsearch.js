// Message search: a search box over every conversation the user is in,
// with ranked results whose snippets mark the words found (as <mark>
// elements around text nodes, never markup from the server). A result
// links to its message in its chat (/c/ID?m=MESSAGE), where ChatView
// scrolls to it. A result names its conversation (a group's title, the
// other person of a direct chat) from the app's own list of conversations;
// the search API only gives the conversation's id.

import { h, displayName, shortTime, debounce, flagBidi } from './dom.js';
import { conversationTitle } from './store.js';

export function messageSearch(app) {
  const input = h('input', { id: 'message-search', type: 'search', class: 'search-input', placeholder: 'Search messages',
    autocomplete: 'off', maxlength: '100' });
  const results = h('ul', { id: 'message-search-results', class: 'search-results msg-results', 'aria-label': 'Messages found', hidden: true });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  let seq = 0;
  let next = '';
  let query = '';

  // where names the conversation of a result. One the app's lists do not
  // hold yet (an older page of a folder) is fetched, and named when it comes.
  const where = (id) => {
    const el = h('span', { class: 'conv-name', dir: 'auto' }, 'Conversation');
    const name = (c) => { if (c) el.textContent = flagBidi(conversationTitle(c, app.me)); };
    const c = app.store && app.store.get(id);
    if (c) name(c);
    else app.fetchConversation(id).then(name);
    return el;
  };

  const item = (r) => {
    const m = r.message;
    const c = app.store && app.store.get(m.conversation_id);
    const parts = (r.snippet || []).map((p) => (p.match ? h('mark', null, p.text) : p.text));
    const href = '/c/' + encodeURIComponent(m.conversation_id) + '?m=' + encodeURIComponent(m.id);
    // Who said it, as the conversation list says it: "You" for the reader,
    // the sender's name in a group; in a direct chat the name above says it.
    const mine = m.sender && app.me && m.sender.id === app.me.id;
    const from = mine ? 'You' : c && c.kind === 'direct' ? '' : displayName(m.sender);
    return h('li', null, h('a', { href, class: 'msg-result', 'data-id': m.id, 'data-conversation': m.conversation_id, onclick: () => { results.hidden = true; } },
      h('span', { class: 'conv-top' },
        where(m.conversation_id),
        h('time', { class: 'conv-time', datetime: m.created_at }, shortTime(m.created_at))),
      h('span', { class: 'snippet', dir: 'auto' },
        from ? h('span', { class: 'msg-result-from' }, from + ': ') : null,
        parts.length ? parts : flagBidi(m.text))));
  };

  const run = async (more) => {
    const my = ++seq;
    const params = { q: query, limit: '20' };
    if (more && next) params.cursor = next;
    let r;
    try {
      r = await app.api.searchMessages(params);
    } catch (e) {
      if (my === seq) {
        results.replaceChildren(h('li', { class: 'conv-empty' }, e.message));
        results.hidden = false;
      }
      return;
    }
    if (my !== seq) return;
    next = r.next_cursor || '';
    const items = (r.results || []).map(item);
    if (!more) results.replaceChildren();
    const old = results.querySelector('.load-more-li');
    if (old) old.remove();
    results.append(...items);
    if (!more && !items.length) results.append(h('li', { class: 'conv-empty' }, 'No messages found.'));
    if (next) {
      results.append(h('li', { class: 'load-more-li' }, h('button', { type: 'button', class: 'btn ghost small', onclick: () => run(true) }, 'More results')));
    }
    results.hidden = false;
    status.textContent = items.length ? `${results.querySelectorAll('a.msg-result').length} messages found` : 'No messages found';
  };

  const form = h('form', { class: 'search msg-search', role: 'search', 'aria-label': 'Search messages' },
    h('label', { for: 'message-search', class: 'sr-only' }, 'Search messages'), input, results, status);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Enter searches now: the search typing scheduled would ask again.
    typed.cancel();
    query = input.value.trim();
    if (!query) { results.hidden = true; return; }
    run(false);
  });
  // The results close when the focus leaves the search (a press elsewhere,
  // Tab past it), as the people search's do: they stayed open over the
  // conversation list until the box was emptied. A press in the list keeps
  // the focus where it is, so that the list is still there when the click
  // lands; coming back to the box shows them again.
  results.addEventListener('mousedown', (e) => e.preventDefault());
  form.addEventListener('focusout', (e) => { if (!form.contains(e.relatedTarget)) results.hidden = true; });
  input.addEventListener('focus', () => {
    if (query && input.value.trim() === query && results.children.length) results.hidden = false;
  });
  // The arrow keys walk the results, Escape closes them, as in the people
  // search.
  const stops = () => [...results.querySelectorAll('a.msg-result, .load-more-li button')];
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') results.hidden = true;
    else if (e.key === 'ArrowDown' && !results.hidden && stops().length) {
      e.preventDefault();
      stops()[0].focus();
    }
  });
  results.addEventListener('keydown', (e) => {
    const all = stops();
    const i = all.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i >= 0) {
      e.preventDefault();
      (all[i + 1] || all[i]).focus();
    } else if (e.key === 'ArrowUp' && i >= 0) {
      e.preventDefault();
      (i === 0 ? input : all[i - 1]).focus();
    } else if (e.key === 'Escape') {
      // Focus first: coming back to the box opens the list.
      input.focus();
      results.hidden = true;
    }
  });
  // Results come as the person types, as in the people search above: the
  // box waited for Enter, and someone who typed a word and paused saw
  // nothing happen. Enter still searches at once.
  const typed = debounce(() => {
    const q = input.value.trim();
    if (q === query && !results.hidden) return;
    query = q;
    if (!query) {
      seq++;
      results.hidden = true;
      return;
    }
    if ([...query].length >= 2) run(false);
  }, 350);
  input.addEventListener('input', typed);
  return form;
}
