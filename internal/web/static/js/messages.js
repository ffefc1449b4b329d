// The messages screen: the conversation list (Inbox, Requests, Archived) on
// the left and the open chat (or the new-group form) on the right. On a
// phone-width screen only one of the two panes shows at a time.

import { h, avatar, displayName, shortTime, flagBidi, busy } from './dom.js';
import { FOLDERS, folderOf, conversationTitle, others } from './store.js';
import { ChatView } from './chat.js';
import { newGroupForm } from './groups.js';
import { searchBox } from './search.js';
import { messageSearch } from './msgsearch.js';

const TAB_LABELS = { inbox: 'Inbox', requests: 'Requests', archived: 'Archived' };

export class MessagesView {
  constructor(app, route) {
    this.app = app;
    this.folder = route.folder || 'inbox';
    this.chat = null;
    this.paneKey = '';
    this.tabs = h('nav', { class: 'tabs', 'aria-label': 'Folders' });
    this.list = h('ul', { class: 'conv-list', id: 'conversation-list', 'aria-label': 'Conversations' });
    this.more = h('button', { type: 'button', class: 'btn ghost small load-more', hidden: true, onclick: () => this.loadMore() }, 'Load more');
    this.pane = h('section', { class: 'pane', 'aria-label': 'Conversation' });
    this.sidebar = h('aside', { class: 'sidebar', 'aria-label': 'Conversations' },
      h('div', { class: 'sidebar-head' },
        h('h1', null, 'Messages'),
        h('div', { class: 'inline' },
          h('a', { class: 'btn small primary', href: '/new', id: 'new-message' }, h('span', { 'aria-hidden': 'true' }, '+ '), 'New message'),
          h('a', { class: 'btn small', href: '/new-group' }, 'New group'))),
      messageSearch(app),
      this.tabs,
      h('div', { class: 'conv-scroll' }, this.list, this.more));
    this.el = h('div', { class: 'split' }, this.sidebar, this.pane);
    this.unsubscribe = app.store.subscribe(() => this.renderList());
    this.update(route);
  }

  destroy() {
    this.unsubscribe();
    if (this.chat) this.chat.destroy();
    this.chat = null;
  }

  update(route) {
    if (route.folder) this.folder = route.folder;
    if (route.name === 'chat') {
      const c = this.app.store.get(route.id);
      if (c) this.folder = folderOf(c);
    }
    const key = route.name === 'chat' ? 'chat:' + route.id : route.name === 'draft' ? 'draft:' + route.handle : route.name;
    const fromChat = this.paneKey.startsWith('chat:');
    if (key !== this.paneKey) {
      this.paneKey = key;
      if (this.chat) this.chat.destroy();
      this.chat = null;
      if (route.name === 'chat') {
        this.chat = new ChatView(this.app, route.id);
        this.pane.replaceChildren(this.chat.el);
        this.chat.start();
      } else if (route.name === 'draft') {
        this.chat = new ChatView(this.app, '', { draftTo: route.handle });
        this.pane.replaceChildren(this.chat.el);
        this.chat.start();
      } else if (route.name === 'new-message') {
        this.pane.replaceChildren(this.newMessageForm());
        this.app.setTitle('New message');
      } else if (route.name === 'new-group') {
        this.pane.replaceChildren(newGroupForm(this.app));
        this.app.setTitle('New group');
      } else {
        this.pane.replaceChildren(h('div', { class: 'empty-pane' },
          h('div', { class: 'empty-icon', 'aria-hidden': 'true' }, '✉'),
          h('h2', null, 'Your messages'),
          h('p', { class: 'muted' }, 'Pick a conversation, or start a new one.'),
          h('div', { class: 'actions-row center' },
            h('a', { class: 'btn primary', href: '/new' }, 'New message'),
            h('a', { class: 'btn', href: '/new-group' }, 'Start a group'))));
        this.app.setTitle(TAB_LABELS[this.folder]);
      }
    } else if (route.name === 'chat' && this.chat) this.chat.jumpFromLocation();
    this.el.classList.toggle('has-pane', ['chat', 'draft', 'new-message', 'new-group'].includes(route.name));
    this.renderList();
    // Back on a folder because the open conversation went (deleted, left,
    // a request declined or blocked): the focus went with its button; it
    // lands on the folder's tab instead of the top of the page.
    const active = document.activeElement;
    if (fromChat && route.folder && (!active || active === document.body)) {
      const tab = this.tabs.querySelector('[aria-current=page]');
      if (tab) tab.focus();
    }
  }

  // newMessageForm: find a person, then write to them (a draft until the
  // first message).
  newMessageForm() {
    const box = searchBox(this.app, {
      id: 'compose-search',
      label: 'To',
      placeholder: 'Search people by name or @handle',
      visibleLabel: true,
      exclude: () => new Set([this.app.me.id]),
      onPick: (a) => {
        const c = this.app.store.directWith(a.id);
        this.app.navigate(c ? '/c/' + encodeURIComponent(c.id) : '/new/@' + encodeURIComponent(a.handle));
      },
    });
    const el = h('div', { class: 'compose' },
      h('header', { class: 'chat-head' },
        h('a', { class: 'back', href: '/' + this.folder, 'aria-label': 'Back to conversations' }, '‹'),
        h('h2', null, 'New message')),
      h('div', { class: 'pad stack' }, box));
    setTimeout(() => { const i = el.querySelector('input'); if (i) i.focus(); }, 0);
    return el;
  }

  isViewing(id) {
    return !!(this.chat && this.chat.id === id && document.visibilityState !== 'hidden');
  }

  onEvent(ev) {
    if (this.chat) this.chat.onEvent(ev);
  }

  async resync() {
    if (this.chat) await this.chat.reload();
  }

  // loadMore loads the folder's next page. Disabled meanwhile, the button
  // loses the keyboard focus: it goes to the first conversation loaded (or
  // back to the button), not to the top of the page.
  async loadMore() {
    const before = this.list.querySelectorAll('a.conv').length;
    await busy(this.more, () => this.app.store.loadFolder(this.app.api, this.folder, true), () => {
      const next = this.list.querySelectorAll('a.conv')[before];
      if (next) next.focus();
      else if (!this.more.hidden) this.more.focus();
    });
  }

  renderList() {
    const store = this.app.store;
    const me = this.app.me;
    if (!store) return;
    // The tabs are drawn again on every change of the lists (a message
    // arriving, a badge moving): a tab that had the keyboard focus keeps it.
    const focused = this.tabs.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    this.tabs.replaceChildren(...FOLDERS.map((f) => {
      const n = f === 'requests' ? store.requestCount() : store.unreadIn(f);
      return h('a', {
        href: '/' + f,
        class: 'tab',
        'aria-current': f === this.folder ? 'page' : null,
      }, TAB_LABELS[f], n && f !== 'archived' ? h('span', { class: 'badge' + (f === 'requests' ? ' soft' : ''), 'aria-label': f === 'requests' ? `${n} requests` : `${n} unread` }, n > 99 ? '99+' : String(n)) : null);
    }));
    if (focused) [...this.tabs.children].find((a) => a.getAttribute('href') === focused)?.focus();
    const convs = store.list(this.folder);
    const openId = this.chat ? this.chat.id : '';
    if (!convs.length) {
      const text = !store.loaded.has(this.folder) ? 'Loading…'
        : this.folder === 'requests' ? 'No message requests. People you don’t follow land here first.'
          : this.folder === 'archived' ? 'Nothing archived.'
            // With every conversation archived, "No conversations yet" was
            // untrue, and the person wondered where theirs went.
            : store.list('archived').length ? 'Nothing in your inbox. Your archived conversations are under Archived.'
              : 'No conversations yet. Search for someone to start one.';
      this.list.replaceChildren(h('li', { class: 'conv-empty' }, text));
    } else {
      this.list.replaceChildren(...convs.map((c) => convItem(c, me, c.id === openId)));
    }
    this.more.hidden = !store.more.get(this.folder);
  }
}

function convItem(c, me, active) {
  const title = conversationTitle(c, me);
  const last = c.last_message;
  let preview = 'No messages yet';
  if (last) {
    const who = last.sender.id === me.id ? 'You: ' : c.kind === 'group' ? displayName(last.sender) + ': ' : '';
    preview = who + (last.deleted ? 'Message unsent' : last.text.replace(/\s+/g, ' '));
  }
  const unread = c.unread_count > 0;
  const who = c.kind === 'group' ? { handle: c.id, display_name: title } : others(c, me)[0] || me;
  return h('li', null,
    h('a', {
      href: '/c/' + encodeURIComponent(c.id),
      class: 'conv' + (unread ? ' unread' : '') + (active ? ' active' : ''),
      'aria-current': active ? 'true' : null,
      'data-id': c.id,
    },
    c.kind === 'group' ? h('span', { class: 'avatar group-av', 'aria-hidden': 'true' }, '#') : avatar(who),
    h('span', { class: 'conv-main' },
      h('span', { class: 'conv-top' },
        h('span', { class: 'conv-name', dir: 'auto' }, flagBidi(title)),
        // In Requests the sender is someone the reader does not follow:
        // the handle shows who it really is, whatever the name says.
        c.status === 'request' && c.kind !== 'group' && who.handle ? h('span', { class: 'handle' }, '@' + who.handle) : null,
        c.muted ? h('span', { class: 'muted-icon', title: 'Muted', 'aria-label': 'muted' }, '🔕') : null,
        h('time', { class: 'conv-time', datetime: last ? last.created_at : c.updated_at }, shortTime(last ? last.created_at : c.updated_at))),
      h('span', { class: 'conv-preview', dir: 'auto' }, flagBidi(preview))),
    unread ? h('span', { class: 'badge', 'aria-label': `${c.unread_count} unread` }, c.unread_count > 99 ? '99+' : String(c.unread_count)) : null));
}
