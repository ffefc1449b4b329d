// Parley's web app: bootstrap, routing (history.pushState), the top bar, and
// the dispatch of live events to the model and the current view.

import { API, APIError, NetworkError } from './api.js';
import { sendPending } from './outbox.js';
import { loadPrefs, applyTheme, chime, notificationsSupported } from './prefs.js';
import { Stream } from './stream.js';
import { Store, FOLDERS } from './store.js';
import { h, avatar, displayName } from './dom.js';
import { searchBox } from './search.js';
import * as pages from './pages.js';
import { MessagesView } from './messages.js';
import { BrandConsole, analyticsPage, brandsPage, settingsPage, brandNav } from './console.js';
import { deskPage } from './consoledesk.js';
import { automationPage } from './automation.js';
import { moderationPage, resetPasswordPage } from './safety.js';
import { campaignsPage } from './campaigns.js';
import { surveysPage } from './surveys.js';
import { creatorsPage } from './creators.js';

const PUBLIC = new Set(['login', 'signup']);
const NARROW = window.matchMedia('(max-width: 720px)');
const MESSAGES = new Set(['inbox', 'requests', 'archived', 'chat', 'new-group', 'new-message', 'draft']);

function parseRoute(path) {
  switch (path) {
    case '/': return { name: 'home' };
    case '/login': return { name: 'login' };
    case '/signup': return { name: 'signup' };
    case '/inbox': return { name: 'inbox', folder: 'inbox' };
    case '/requests': return { name: 'requests', folder: 'requests' };
    case '/archived': return { name: 'archived', folder: 'archived' };
    case '/settings': return { name: 'settings' };
    case '/new-group': return { name: 'new-group' };
    case '/new': return { name: 'new-message' };
    case '/brands': return { name: 'brands' };
    case '/reset-password': return { name: 'reset-password' };
    case '/moderation': return { name: 'moderation' };
  }
  let m = /^\/brands\/([^/]+)(?:\/c\/([^/]+))?$/.exec(path);
  if (m) return { name: 'brand', handle: decodeURIComponent(m[1]).toLowerCase(), id: m[2] ? decodeURIComponent(m[2]) : '' };
  m = /^\/brands\/([^/]+)\/analytics$/.exec(path);
  if (m) return { name: 'brand-analytics', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/brands\/([^/]+)\/automation$/.exec(path);
  if (m) return { name: 'brand-automation', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/brands\/([^/]+)\/desk$/.exec(path);
  if (m) return { name: 'brand-desk', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/brands\/([^/]+)\/campaigns$/.exec(path);
  if (m) return { name: 'brand-campaigns', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/brands\/([^/]+)\/surveys$/.exec(path);
  if (m) return { name: 'brand-surveys', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/brands\/([^/]+)\/creators$/.exec(path);
  if (m) return { name: 'brand-creators', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/brands\/([^/]+)\/settings$/.exec(path);
  if (m) return { name: 'brand-settings', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/new\/@([^/]+)$/.exec(path);
  if (m) return { name: 'draft', handle: decodeURIComponent(m[1]).toLowerCase() };
  m = /^\/c\/([^/]+)$/.exec(path);
  if (m) return { name: 'chat', id: decodeURIComponent(m[1]) };
  m = /^\/@([^/]+)$/.exec(path);
  if (m) return { name: 'profile', handle: decodeURIComponent(m[1]).toLowerCase() };
  return { name: 'notfound' };
}

class App {
  constructor() {
    this.api = new API();
    this.api.onUnauthenticated = () => this.sessionEnded();
    this.me = null;
    this.settings = null;
    this.store = null;
    this.stream = null;
    this.view = null;
    this.next = '';
    this.notice = '';
    this.inflight = new Map();
    this.main = document.getElementById('main');
    this.topbar = document.getElementById('topbar');
    this.offline = document.getElementById('offline');
    this.announcer = document.getElementById('announcer');
    this.prefs = loadPrefs();
    applyTheme(this.prefs.theme);
    document.addEventListener('click', (e) => this.onClick(e));
    document.addEventListener('keydown', (e) => this.onKey(e));
    window.addEventListener('popstate', () => this.route());
    NARROW.addEventListener('change', () => this.fitSearch());
  }

  async start() {
    try {
      const r = await this.api.me();
      await this.signedIn(r);
    } catch (e) {
      if (!(e instanceof APIError && e.status === 401)) {
        this.renderFatal(e);
        return;
      }
    }
    this.route();
  }

  renderFatal(e) {
    this.main.replaceChildren(h('section', { class: 'page narrow' },
      h('div', { class: 'card' },
        h('h1', { text: 'Parley is not reachable' }),
        h('p', { text: e.message }),
        h('button', { class: 'btn primary', onclick: () => location.reload() }, 'Try again'))));
  }

  // signedIn sets up the session: model, top bar, lists, live stream.
  async signedIn(r) {
    this.me = r.account;
    this.settings = r.settings;
    if (r.csrf_token) this.api.csrf = r.csrf_token;
    this.store = new Store(this.me);
    this.store.subscribe(() => this.updateBadge());
    this.renderTopbar();
    this.stream = new Stream(this.api, this.me.id, {
      onEvent: (ev) => this.onEvent(ev),
      onState: (s) => this.setOnline(s),
      onResync: () => this.resync(),
      onUnauthenticated: () => this.sessionEnded(),
    });
    // The cursor is taken before the lists are loaded, so that whatever
    // happens while they load arrives as events afterwards.
    let cursor = this.stream.storedCursor();
    if (cursor === null) cursor = (await this.api.events()).cursor || '0';
    this.loadFolders();
    this.stream.start(cursor);
  }

  // loadFolders loads each folder's first page, and the badges' counts of
  // what lies beyond them.
  async loadFolders() {
    const loads = FOLDERS.map((f) => this.store.loadFolder(this.api, f));
    loads.push(this.store.loadCounts(this.api));
    await Promise.all(loads.map((p) => p.catch((e) => {
      if (!(e instanceof NetworkError)) console.error(e);
    })));
  }

  async resync() {
    this.store.clear();
    await this.loadFolders();
    if (this.view && this.view.resync) await this.view.resync();
  }

  signedOut(notice) {
    if (this.stream) this.stream.stop();
    this.stream = null;
    this.store = null;
    this.me = null;
    this.settings = null;
    this.api.csrf = '';
    this.notice = notice || '';
    this.setOnline('online');
    this.topbar.hidden = true;
    this.topbar.replaceChildren();
  }

  sessionEnded() {
    if (!this.me) return;
    this.next = location.pathname;
    this.signedOut('Your session has ended. Please log in again.');
    this.navigate('/login', { replace: true });
  }

  async logout() {
    try {
      await this.api.logout();
    } catch (e) {
      // The cookie may already be gone; the app forgets the session anyway.
    }
    this.signedOut('You are logged out.');
    this.navigate('/login');
  }

  onClick(e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.origin !== location.origin || a.hasAttribute('download')) return;
    if (a.pathname.startsWith('/api/') || a.pathname.startsWith('/static/')) return;
    if (a.hash && a.pathname === location.pathname) return; // in-page link (skip link)
    e.preventDefault();
    this.navigate(a.pathname + a.search);
  }

  // onKey: "/" anywhere but in a text field goes to the people search, as
  // in other web apps.
  onKey(e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || !this.me) return;
    const t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const search = document.getElementById('people-search');
    if (!search) return;
    e.preventDefault();
    search.focus();
  }

  // alert tells of a message from someone else: a sound and, while the tab
  // is hidden, a system notification (when the person turned them on in
  // Settings, which is where permission is asked). Muted conversations and
  // the one being read stay quiet.
  alert(m, viewing) {
    const c = this.store && this.store.get(m.conversation_id);
    if (viewing || (c && c.muted)) return;
    if (this.prefs.sound) chime();
    if (document.visibilityState === 'hidden' && this.prefs.notify && notificationsSupported() && Notification.permission === 'granted') {
      try {
        const n = new Notification(displayName(m.sender), { body: m.text.slice(0, 140), tag: m.conversation_id });
        n.onclick = () => {
          window.focus();
          this.navigate('/c/' + encodeURIComponent(m.conversation_id));
          n.close();
        };
      } catch (e) {
        // Some browsers only allow notifications from a service worker.
      }
    }
  }

  navigate(path, opts = {}) {
    if (path !== location.pathname + location.search) {
      if (opts.replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    this.route();
  }

  route() {
    const r = parseRoute(location.pathname);
    if (r.name === 'home') {
      this.navigate(this.me ? '/inbox' : '/login', { replace: true });
      return;
    }
    if (!this.me && !PUBLIC.has(r.name) && r.name !== 'notfound' && r.name !== 'reset-password') {
      this.next = location.pathname;
      this.navigate('/login', { replace: true });
      return;
    }
    if (this.me && PUBLIC.has(r.name)) {
      this.navigate('/inbox', { replace: true });
      return;
    }
    this.updateNav(r);
    if (r.name === 'brand' && this.view instanceof BrandConsole && this.view.handle === r.handle) {
      this.view.update(r);
      return;
    }
    if (MESSAGES.has(r.name) && this.view instanceof MessagesView) {
      this.view.update(r);
      return;
    }
    if (this.view && this.view.destroy) this.view.destroy();
    this.view = null;
    let view;
    switch (r.name) {
      case 'login': view = pages.login(this); break;
      case 'signup': view = pages.signup(this); break;
      case 'profile': view = pages.profile(this, r.handle); break;
      case 'settings': view = pages.settings(this); break;
      case 'notfound': view = pages.notFound(this); break;
      case 'brands': view = brandsPage(this); break;
      case 'brand': view = new BrandConsole(this, r); break;
      case 'brand-analytics': view = analyticsPage(this, r.handle); break;
      case 'brand-settings': view = settingsPage(this, r.handle); break;
      case 'brand-desk': view = deskPage(this, r.handle, brandNav(r.handle, 'desk')); break;
      case 'brand-automation': view = automationPage(this, r.handle); break;
      case 'reset-password': view = resetPasswordPage(this); break;
      case 'moderation': view = moderationPage(this); break;
      case 'brand-campaigns': view = campaignsPage(this, r.handle); break;
      case 'brand-surveys': view = surveysPage(this, r.handle); break;
      case 'brand-creators': view = creatorsPage(this, r.handle); break;
      default: view = new MessagesView(this, r);
    }
    this.view = view;
    this.main.replaceChildren(view.el);
    if (view.title) this.setTitle(view.title);
    if (view.focus) view.focus();
    else if (!MESSAGES.has(r.name)) this.main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  // afterLogin continues where the person wanted to go before logging in.
  async afterLogin() {
    const r = await this.api.me();
    await this.signedIn(r);
    const next = this.next && !PUBLIC.has(parseRoute(this.next).name) ? this.next : '/inbox';
    this.next = '';
    this.notice = '';
    this.navigate(next, { replace: true });
  }

  // setTitle names the page; the unread count leads, as in other messengers,
  // so that a background tab shows that something arrived. It is the top
  // bar's count (the inbox's), so that the tab and the badge agree.
  setTitle(t) {
    if (t !== undefined) this.pageTitle = t;
    const n = this.store ? this.store.unreadIn('inbox') : 0;
    document.title = (n ? `(${n}) ` : '') + (this.pageTitle ? this.pageTitle + ' · ' : '') + 'Parley';
  }

  renderTopbar() {
    const me = this.me;
    this.badge = h('span', { class: 'badge', hidden: true });
    this.topbar.replaceChildren(
      h('a', { class: 'brand', href: '/inbox' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }, 'P'), h('span', { class: 'brand-name' }, 'Parley')),
      searchBox(this, {
        id: 'people-search',
        label: 'Search people',
        placeholder: 'Search people',
        onPick: (a) => this.navigate('/@' + a.handle),
        links: true,
      }),
      // Each link has a long label (wide screens) and a short one (phones);
      // only the one on screen is in the accessibility tree.
      h('nav', { class: 'nav', 'aria-label': 'Main' },
        h('a', { href: '/inbox', class: 'nav-link', 'data-nav': 'messages' },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, '✉'), navLabel('Messages', 'Chats'), this.badge),
        this.brandsLink = h('a', { href: '/brands', class: 'nav-link', 'data-nav': 'brands', id: 'nav-brands', hidden: true },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, '▦'), navLabel('Brand console', 'Brands')),
        h('a', { href: '/@' + me.handle, class: 'nav-link', 'data-nav': 'profile' },
          avatar(me, 'sm'), h('span', { class: 'sr-only' }, 'Your profile: '), navLabel(displayName(me), 'Profile')),
        me.role === 'operator' ? h('a', { href: '/moderation', class: 'nav-link', 'data-nav': 'moderation', id: 'nav-moderation' },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚑'), navLabel('Moderation', 'Mod')) : null,
        h('a', { href: '/settings', class: 'nav-link', 'data-nav': 'settings' },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚙'), navLabel('Settings', 'Settings')),
        h('button', { type: 'button', class: 'btn ghost small nav-logout', onclick: () => this.logout() }, 'Log out')));
    this.topbar.hidden = false;
    this.fitSearch();
    this.updateBadge();
    // The brand console link shows for members of a brand's team.
    this.api.get('/api/v1/brands').then((r) => {
      if (this.brandsLink && r.brands.length) this.brandsLink.hidden = false;
    }).catch(() => {});
  }

  // fitSearch shortens the people search's placeholder at phone width,
  // where the box is narrow: "Search people" showed as "Search pe" beside
  // five links. Its label (for screen readers) stays "Search people".
  fitSearch() {
    const box = this.topbar.querySelector('#people-search');
    if (box) box.placeholder = NARROW.matches ? 'Search' : 'Search people';
  }

  updateNav(r) {
    const current = MESSAGES.has(r.name) ? 'messages'
      : r.name === 'profile' && this.me && r.handle === this.me.handle ? 'profile'
        : r.name === 'settings' ? 'settings'
          : r.name === 'moderation' ? 'moderation'
          : r.name.startsWith('brand') ? 'brands' : '';
    for (const a of this.topbar.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  // updateBadge counts the inbox's unread conversations only, as Instagram
  // and X do: a message request is not a conversation yet (a stranger could
  // light the badge at will), and the Requests tab shows its own count.
  updateBadge() {
    if (!this.badge || !this.store) return;
    const n = this.store.unreadIn('inbox');
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.badge.setAttribute('aria-label', `${n} unread conversations`);
    this.setTitle();
  }

  setOnline(state) {
    this.offline.hidden = state !== 'offline';
    document.body.classList.toggle('is-offline', state === 'offline');
    if (state === 'online' && this.wasOffline) this.resendOffline();
    if (state === 'offline' || state === 'online') this.wasOffline = state === 'offline';
  }

  // resendOffline sends again, once the connection is back, the messages
  // that failed while it was down: the open chat its own (it shows their
  // progress), the store's outboxes the others.
  resendOffline() {
    if (!this.store) return;
    const chat = this.view && this.view.chat;
    if (chat && chat.resendOffline) chat.resendOffline();
    for (const [convId, box] of this.store.outboxes) {
      if (chat && chat.id === convId) continue;
      for (const p of [...box.values()]) {
        if (p.state === 'failed' && p.offline) sendPending(this, convId, box, p);
      }
    }
  }

  // announce tells screen readers something new happened (aria-live).
  // mentioned tells an agent a teammate mentioned them in a private note:
  // read out, with a sound and (tab hidden, notifications on) a system
  // notification that opens the conversation in the console. The console
  // itself also shows a notice (consoledesk.js).
  mentioned(ev) {
    const who = ev.actor ? displayName(ev.actor) : 'A teammate';
    this.announce(`${who} mentioned you in a note on @${ev.brand}`);
    if (this.prefs.sound) chime();
    if (document.visibilityState === 'hidden' && this.prefs.notify && notificationsSupported() && Notification.permission === 'granted') {
      try {
        const n = new Notification(`${who} mentioned you`, { body: ev.note ? ev.note.text.slice(0, 140) : '', tag: 'mention-' + ev.conversation_id });
        n.onclick = () => {
          window.focus();
          this.navigate(`/brands/${encodeURIComponent(ev.brand)}/c/${encodeURIComponent(ev.conversation_id)}`);
          n.close();
        };
      } catch (e) {
        // Some browsers only allow notifications from a service worker.
      }
    }
  }

  announce(text) {
    this.announcer.textContent = text;
  }

  fetchConversation(id) {
    if (this.inflight.has(id)) return this.inflight.get(id);
    const p = this.api.conversation(id)
      .then((r) => this.store && this.store.upsert(r.conversation))
      .catch(() => null)
      .finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  onEvent(ev) {
    const s = this.store;
    if (!s) return;
    const meId = this.me.id;
    switch (ev.type) {
      case 'message.created': {
        const m = ev.message;
        const viewing = this.view && this.view.isViewing && this.view.isViewing(m.conversation_id);
        if (!s.applyMessage(m, !viewing)) this.fetchConversation(m.conversation_id);
        if (m.sender.id !== meId) {
          const c = s.get(m.conversation_id);
          const muted = c && c.muted;
          if (!muted || viewing) this.announce(`New message from ${displayName(m.sender)}: ${m.text}`);
          this.alert(m, viewing);
        }
        break;
      }
      case 'message.edited':
      case 'message.deleted':
        s.applyMessageUpdate(ev.message);
        break;
      case 'conversation.created':
      case 'conversation.updated':
      case 'conversation.accepted':
        if (ev.conversation) s.upsert(ev.conversation);
        else this.fetchConversation(ev.conversation_id);
        break;
      case 'conversation.deleted':
        s.remove(ev.conversation_id);
        break;
      case 'member.added':
      case 'member.removed':
        if (ev.type === 'member.removed' && ev.actor && ev.actor.id === meId) s.remove(ev.conversation_id);
        else if (ev.conversation) s.upsert(withoutRemoved(ev));
        else this.fetchConversation(ev.conversation_id);
        break;
      case 'read.updated':
        if (ev.actor && ev.actor.id === meId) s.markRead(ev.conversation_id);
        else if (ev.actor) s.setSeen(ev.conversation_id, ev.actor.id, ev.read_seq);
        break;
      case 'inbox.mention':
        this.mentioned(ev);
        break;
    }
    if (this.view && this.view.onEvent) this.view.onEvent(ev);
  }
}

// navLabel is a top-bar link's text: long on wide screens, short on phones.
function navLabel(long, short) {
  return [h('span', { class: 'label label-long' }, long), h('span', { class: 'label label-short' }, short)];
}

// withoutRemoved returns the conversation of a member event as it is after
// the event: the server takes its snapshot while the removed member is still
// in it (so that they hear of it too).
function withoutRemoved(ev) {
  const c = ev.conversation;
  if (ev.type !== 'member.removed' || !ev.actor || !c.members) return c;
  return { ...c, members: c.members.filter((m) => m.id !== ev.actor.id) };
}

const app = new App();
app.start();
