// The chat window of one conversation: history (older pages load on scroll
// up), live messages, edits, unsends, reactions, typing and "Seen", the
// composer with reply and edit, request actions, and group details.

import { APIError, NetworkError } from './api.js';
import { h, avatar, busy, displayName, clockTime, fullTime, flagBidi, linkify } from './dom.js';
import { conversationTitle, others, folderOf } from './store.js';
import { memberPicker } from './groups.js';
import { Attacher, attachmentsEl, previewCard } from './media.js';
import { ChatBot, automatedLabel, quickReplies } from './bot.js';
import { productCard } from './catalog.js';
import { badges, openReportDialog } from './safety.js';
import { manageMessagesFor } from './pages.js';

const PAGE = 30;
const MAX_TEXT = 4000;
const COUNTER_FROM = 3800;
const EDIT_WINDOW_MS = 15 * 60 * 1000;
const TYPING_SEND_EVERY_MS = 2500;
const TYPING_SHOW_MS = 5000;
const EMOJIS = ['❤️', '😂', '👍', '😮', '😢', '🙏'];
// A message longer than this (characters or lines) folds, with Read more.
const FOLD_CHARS = 700;
const FOLD_LINES = 12;

// newClientId names one composed message; a retry re-sends the same id, so
// the server stores it at most once. randomUUID needs a secure context, which
// a self-hosted server on plain HTTP may not be.
function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function runes(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export class ChatView {
  // id names the conversation; a draft (opts.draftTo, a handle) has none
  // yet: it is a chat with someone that exists only on this page until the
  // first message, which creates the conversation, so that pressing Message
  // on a profile tells the other person nothing.
  constructor(app, id, opts = {}) {
    this.app = app;
    this.id = id;
    this.draftTo = opts.draftTo || '';
    this.conv = id ? app.store.get(id) || null : null;
    this.msgs = new Map();
    this.pending = id ? app.store.outbox(id) : new Map();
    this.hasMore = false;
    this.loaded = false;
    this.loadingOlder = false;
    this.replyTo = null;
    this.editing = null;
    this.pickerFor = '';
    this.unfolded = new Set();
    this.confirming = '';
    this.detailsOpen = false;
    this.confirmDelete = false;
    this.typing = new Map();
    this.lastTypingSent = 0;
    this.reading = false;
    this.readAgain = false;
    this.gone = false;

    this.head = h('header', { class: 'chat-head' });
    this.older = h('button', { type: 'button', class: 'btn ghost small older', hidden: true, onclick: () => this.loadOlder() }, 'Load older messages');
    this.list = h('ol', { class: 'messages', id: 'message-list', 'aria-label': 'Messages' });
    this.body = h('div', { class: 'chat-body' }, this.older, this.list);
    this.body.addEventListener('scroll', () => {
      if (this.body.scrollTop < 80) this.loadOlder();
    }, { passive: true });
    this.typingEl = h('div', { class: 'typing', 'aria-hidden': 'true' });
    this.foot = h('div', { class: 'chat-foot' });
    this.details = h('aside', { class: 'details', id: 'chat-details', 'aria-label': 'Conversation details', hidden: true });
    this.buildComposer();
    this.bot = new ChatBot(this, (text, payload) => this.sendText(text, payload));
    this.el = h('div', { class: 'chat' },
      h('div', { class: 'chat-main' }, this.head, this.body, this.typingEl, this.bot.el, this.foot),
      this.details);
    this.el.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      if (this.pickerFor) {
        this.pickerFor = '';
        this.renderMessages();
      } else if (this.detailsOpen) {
        this.toggleDetails(false);
      }
    });
    this.onVisibility = () => this.maybeMarkRead();
    document.addEventListener('visibilitychange', this.onVisibility);
    this.renderHead();
    this.renderFoot();
  }

  destroy() {
    this.gone = true;
    clearTimeout(this.unsendTimer);
    for (const t of this.typing.values()) clearTimeout(t.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  start() {
    this.list.replaceChildren(h('li', { class: 'msg-note' }, 'Loading…'));
    this.load();
  }

  async reload() {
    this.msgs.clear();
    await this.load();
  }

  async load() {
    if (this.draftTo) {
      await this.loadDraft();
      return;
    }
    let cr;
    let mr;
    try {
      [cr, mr] = await Promise.all([
        this.app.api.conversation(this.id),
        this.app.api.messages(this.id, '', PAGE),
      ]);
    } catch (e) {
      if (this.gone) return;
      this.renderMissing(e);
      return;
    }
    if (this.gone) return;
    this.conv = cr.conversation;
    this.app.store.upsert(this.conv);
    // How far the others have read, for a device that was not online
    // when they did: "Seen" showed only where the read.updated event had
    // arrived live, and a new login or tab lost it.
    for (const r of cr.reads || []) this.app.store.setSeen(this.id, r.user_id, r.read_seq);
    for (const m of mr.messages || []) this.msgs.set(m.id, m);
    this.hasMore = this.more(mr, (mr.messages || []).length);
    this.loaded = true;
    this.app.setTitle(conversationTitle(this.conv, this.app.me));
    this.renderHead();
    this.renderFoot();
    this.renderMessages();
    this.scrollToBottom();
    // The other side's profile (the bot looks it up) tells whether they
    // are blocked: the chat then says so where the composer was, with
    // Unblock; a message written there failed, with a Retry that could
    // never work.
    this.bot.load(this.conv, this.app.me).then((p) => {
      if (this.gone || !p || !p.blocked_by_me) return;
      this.blocked = p.account;
      this.renderFoot();
    });
    this.fillViewport();
    this.maybeMarkRead();
    this.jumpFromLocation();
    if (this.conv.status === 'accepted' && window.matchMedia('(min-width: 721px)').matches) this.textarea.focus({ preventScroll: true });
  }

  // loadDraft shows an empty chat with the person named by draftTo: their
  // profile says whether a message would be accepted.
  async loadDraft() {
    let p;
    try {
      p = await this.app.api.profile(this.draftTo);
    } catch (e) {
      if (!this.gone) this.renderMissing(e);
      return;
    }
    if (this.gone) return;
    const me = this.app.me;
    const a = p.account;
    this.conv = { id: '', kind: 'direct', title: '', status: 'accepted', members: [me, a].map((m) => ({ id: m.id, handle: m.handle, display_name: m.display_name, role: 'member' })) };
    this.loaded = true;
    this.app.setTitle(displayName(a));
    this.renderHead();
    if (p.blocked_by_me) {
      this.blocked = a;
      this.renderFoot();
    } else if (!p.can_message) {
      this.foot.replaceChildren(h('p', { class: 'reason pad' }, `@${a.handle} isn’t accepting messages from you.`));
    } else {
      this.renderFoot();
    }
    this.renderMessages();
    if (p.can_message) this.bot.fromProfile(p);
    if (window.matchMedia('(min-width: 721px)').matches) this.textarea.focus({ preventScroll: true });
  }

  // materialize creates the conversation of a draft (get-or-create: the
  // existing one when the pair already has one) and moves what is pending
  // into its outbox.
  async materialize() {
    const r = await this.app.api.openConversation([this.draftTo]);
    const c = r.conversation;
    const box = this.app.store.outbox(c.id);
    for (const [k, v] of this.pending) box.set(k, v);
    this.pending = box;
    this.id = c.id;
    this.conv = { ...c, status: 'accepted' };
    this.draftTo = '';
    return c;
  }

  // jumpFromLocation scrolls to the message named by ?m= (a search result),
  // loading older pages until it is there (at most 50 pages).
  async jumpFromLocation() {
    const id = new URLSearchParams(location.search).get('m');
    if (!id || !this.loaded) return;
    for (let i = 0; i < 50 && !this.msgs.has(id) && this.hasMore && !this.gone; i++) {
      const before = this.msgs.size;
      await this.loadOlder();
      if (this.msgs.size === before) break;
    }
    const li = this.list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
    if (!li) {
      // Said where the eye is: announced only, a search result whose
      // message had gone opened the chat at its end without a word.
      this.say('That message is no longer here.');
      return;
    }
    li.scrollIntoView({ block: 'center' });
    li.classList.add('found');
    li.focus({ preventScroll: true });
  }

  more(r, n) {
    if (r && typeof r.next_cursor === 'string') return r.next_cursor !== '';
    return n >= PAGE;
  }

  renderMissing(e) {
    const notFound = e instanceof APIError && (e.status === 404 || e.status === 403);
    this.head.replaceChildren(h('a', { class: 'back', href: '/inbox', 'aria-label': 'Back to conversations' }, '‹'),
      h('h2', null, notFound ? 'Conversation not found' : 'Could not load the conversation'));
    this.list.replaceChildren(h('li', { class: 'msg-note' },
      notFound ? 'This conversation doesn’t exist, or you are not a member.' : e.message));
    this.foot.replaceChildren();
    if (!notFound) {
      this.foot.replaceChildren(h('div', { class: 'center pad' },
        h('button', { type: 'button', class: 'btn', onclick: () => this.start() }, 'Try again')));
    }
  }

  // fillViewport loads older pages until the list can scroll, so that
  // "scroll up for more" works even when the first page was short.
  async fillViewport() {
    while (this.hasMore && !this.gone && this.body.scrollHeight <= this.body.clientHeight + 10) {
      const before = this.msgs.size;
      await this.loadOlder();
      if (this.msgs.size === before) break;
    }
  }

  async loadOlder() {
    if (!this.hasMore || this.loadingOlder || !this.loaded) return;
    const oldest = this.ordered()[0];
    if (!oldest) return;
    this.loadingOlder = true;
    this.older.textContent = 'Loading…';
    try {
      const r = await this.app.api.messages(this.id, oldest.id, PAGE);
      if (this.gone) return;
      const prevHeight = this.body.scrollHeight;
      const prevTop = this.body.scrollTop;
      for (const m of r.messages || []) if (!this.msgs.has(m.id)) this.msgs.set(m.id, m);
      this.hasMore = this.more(r, (r.messages || []).length);
      this.renderMessages();
      this.body.scrollTop = this.body.scrollHeight - prevHeight + prevTop;
    } catch (e) {
      this.say('Could not load older messages. ' + e.message);
    } finally {
      this.loadingOlder = false;
      this.older.textContent = 'Load older messages';
    }
  }

  ordered() {
    return [...this.msgs.values()].sort((a, b) => a.seq - b.seq);
  }

  nearBottom() {
    return this.body.scrollHeight - this.body.scrollTop - this.body.clientHeight < 120;
  }

  scrollToBottom() {
    this.body.scrollTop = this.body.scrollHeight;
  }

  isMine(m) {
    return m.sender && m.sender.id === this.app.me.id;
  }

  // Live events for this conversation (the app has already updated the store).
  onEvent(ev) {
    if (ev.conversation_id !== this.id || this.gone) return;
    switch (ev.type) {
      case 'message.created': {
        const m = ev.message;
        if (this.isMine(m)) {
          // Our own send may come back through the stream before the POST
          // answers: drop the matching pending copy so it never shows twice.
          for (const [k, p] of this.pending) {
            if (p.text === m.text && p.state === 'sending') {
              this.pending.delete(k);
              break;
            }
          }
        } else {
          this.stopTyping(m.sender.id);
        }
        this.addMessage(m);
        this.maybeMarkRead();
        break;
      }
      case 'message.edited':
      case 'message.preview':
      case 'message.deleted':
      case 'reaction.added':
      case 'reaction.removed':
        if (ev.message && this.msgs.has(ev.message.id)) {
          this.msgs.set(ev.message.id, ev.message);
          this.renderMessages();
        }
        break;
      case 'conversation.created':
      case 'conversation.updated':
      case 'conversation.accepted':
      case 'member.added':
        if (ev.conversation) this.setConv(ev.conversation);
        break;
      case 'member.removed':
        if (ev.actor && ev.actor.id === this.app.me.id) {
          this.app.announce('You are no longer in this conversation.');
          this.app.navigate('/inbox', { replace: true });
          return;
        }
        if (ev.conversation) this.setConv(ev.conversation);
        break;
      case 'conversation.deleted':
        // Deleted on another device of the same person, or here: the event
        // can come before the answer to this page's own Delete. Either way
        // the person goes back to the folder it was in; /inbox sent a
        // deleted request's page to Inbox first, and when the answer then
        // went on to Requests the focus stayed on Inbox's tab.
        this.app.navigate('/' + (this.conv && this.conv.id ? folderOf(this.conv) : 'inbox'), { replace: true });
        return;
      case 'read.updated':
        this.renderMessages();
        break;
      case 'typing':
        if (ev.actor && ev.actor.id !== this.app.me.id) this.startTyping(ev.actor);
        break;
    }
  }

  setConv(c) {
    const wasRequest = this.conv && this.conv.status === 'request';
    this.conv = this.app.store.get(c.id) || c;
    this.renderHead();
    this.renderFoot();
    if (this.detailsOpen) this.renderDetails();
    if (wasRequest && this.conv.status === 'accepted') this.maybeMarkRead();
  }

  addMessage(m) {
    const known = this.msgs.has(m.id);
    this.msgs.set(m.id, m);
    if (!known) {
      const stick = this.nearBottom() || this.isMine(m);
      this.renderMessages();
      if (stick) this.scrollToBottom();
    } else {
      this.renderMessages();
    }
  }

  // Read receipts: tell the server once the person can see the newest
  // message of someone else (only for accepted conversations: reading a
  // request must not tell its sender anything).
  maybeMarkRead() {
    const c = this.conv;
    if (!c || !this.loaded || c.status !== 'accepted' || document.visibilityState === 'hidden') return;
    let last = null;
    for (const m of this.msgs.values()) if (!this.isMine(m) && (!last || m.seq > last.seq)) last = m;
    const stored = this.app.store.get(this.id);
    const unread = stored ? stored.unread_count : 0;
    if (!last || (last.seq <= (c.last_read_seq || 0) && !unread)) return;
    // One call at a time; a burst of messages during a call ends in one
    // more call for the newest. No delay: a reply sent right after would
    // move the read marker silently and the sender would never see "Seen".
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    this.app.api.markRead(this.id, last.id).then(() => {
      this.conv = { ...this.conv, last_read_seq: Math.max(last.seq, this.conv.last_read_seq || 0) };
      this.app.store.markRead(this.id);
    }).catch(() => {
      // Not fatal: the next message or visit marks it again.
    }).finally(() => {
      this.reading = false;
      if (this.readAgain && !this.gone) {
        this.readAgain = false;
        this.maybeMarkRead();
      }
    });
  }

  // Typing indicator.
  startTyping(actor) {
    const old = this.typing.get(actor.id);
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => this.stopTyping(actor.id), TYPING_SHOW_MS);
    this.typing.set(actor.id, { name: displayName(actor), timer });
    this.renderTyping();
  }

  stopTyping(userId) {
    const t = this.typing.get(userId);
    if (!t) return;
    clearTimeout(t.timer);
    this.typing.delete(userId);
    this.renderTyping();
  }

  renderTyping() {
    const names = [...this.typing.values()].map((t) => t.name);
    let text = '';
    if (names.length === 1) text = `${names[0]} is typing…`;
    else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
    else if (names.length > 2) text = 'Several people are typing…';
    this.typingEl.textContent = text;
    this.typingEl.classList.toggle('on', !!text);
  }

  // Header and details.
  renderHead() {
    const c = this.conv;
    const me = this.app.me;
    const back = h('a', { class: 'back', href: '/' + (c ? folderOf(c) : 'inbox'), 'aria-label': 'Back to conversations' }, '‹');
    if (!c) {
      this.head.replaceChildren(back, h('h2', null, 'Loading…'));
      return;
    }
    const title = conversationTitle(c, me);
    const other = c.kind === 'direct' ? others(c, me)[0] : null;
    const sub = c.kind === 'group'
      ? h('p', { class: 'sub' }, `${(c.members || []).length} members`)
      : other ? h('p', { class: 'sub' }, h('a', { href: '/@' + other.handle }, '@' + other.handle)) : null;
    this.detailsBtn = h('button', {
      type: 'button', class: 'btn ghost small', 'aria-expanded': String(this.detailsOpen), 'aria-controls': 'chat-details',
      onclick: () => this.toggleDetails(),
    }, 'Details');
    // replaceChildren would write a null as the text "null": leave them out.
    this.head.replaceChildren(...[back,
      c.kind === 'group' ? h('span', { class: 'avatar group-av', 'aria-hidden': 'true' }, '#') : avatar(other || me),
      h('div', { class: 'chat-title' }, h('h2', { id: 'chat-title', dir: 'auto' }, flagBidi(title)), sub),
      c.muted ? h('span', { class: 'pill muted-pill', id: 'chat-muted' }, h('span', { 'aria-hidden': 'true' }, '🔕 '), 'Muted') : null,
      c.id ? this.detailsBtn : null].filter(Boolean));
  }

  toggleDetails(open = !this.detailsOpen) {
    this.detailsOpen = open;
    this.confirmDelete = false;
    this.details.hidden = !open;
    this.el.classList.toggle('details-open', open);
    if (this.detailsBtn) this.detailsBtn.setAttribute('aria-expanded', String(open));
    if (open) {
      this.renderDetails();
      const first = this.details.querySelector('button, input, a');
      if (first) first.focus();
    } else if (this.detailsBtn) {
      this.detailsBtn.focus();
    }
  }

  renderDetails() {
    const c = this.conv;
    const me = this.app.me;
    if (!c) return;
    const api = this.app.api;
    const err = h('p', { class: 'form-error', role: 'alert' });
    // run does fn for a button; a refusal shows in box (the panel's, at its
    // foot, unless the button has its own beside it).
    const run = (fn, box = err) => async (e) => {
      const b = e.currentTarget;
      // Disabled, the button loses the focus: the redraw gives it back.
      this.detailsPressed = b && b === document.activeElement ? b : null;
      if (b) b.disabled = true;
      err.textContent = '';
      box.textContent = '';
      try {
        await fn();
      } catch (x) {
        box.textContent = x.message;
      } finally {
        if (b) {
          b.disabled = false;
          if (this.detailsPressed === b && b.isConnected) b.focus();
        }
        if (this.detailsPressed === b) this.detailsPressed = null;
      }
    };
    const refresh = async () => {
      const r = await api.conversation(this.id);
      this.setConv(this.app.store.upsert(r.conversation));
    };
    const patch = (fields) => async () => {
      const r = await api.updateConversation(this.id, fields);
      this.setConv(this.app.store.upsert(r.conversation));
    };
    const owner = (c.members || []).some((m) => m.id === me.id && m.role === 'owner');
    const parts = [h('div', { class: 'details-head' },
      h('h3', null, c.kind === 'group' ? 'Group details' : 'Details'),
      h('button', { type: 'button', class: 'btn ghost small', 'aria-label': 'Close details', onclick: () => this.toggleDetails(false) }, '×'))];

    if (c.kind === 'group') {
      const title = h('input', { type: 'text', id: 'rename-title', maxlength: '100', value: c.title || '' });
      const rename = h('form', { class: 'stack-sm' },
        h('label', { for: 'rename-title', class: 'field-label' }, 'Group name'),
        h('div', { class: 'inline' }, title, h('button', { type: 'submit', class: 'btn small', 'data-key': 'rename' }, 'Rename')));
      rename.addEventListener('submit', (e) => {
        e.preventDefault();
        run(patch({ title: title.value.trim() }))({ currentTarget: rename.querySelector('button') });
      });
      parts.push(rename);
    }

    parts.push(h('h4', null, `Members (${(c.members || []).length})`),
      h('ul', { class: 'members' }, (c.members || []).map((m) => h('li', null,
        avatar(m, 'sm'),
        h('span', { class: 'who' },
          h('a', { href: '/@' + m.handle, class: 'name' }, m.id === me.id ? 'You' : displayName(m)),
          h('span', { class: 'handle' }, '@' + m.handle + (m.role === 'owner' && c.kind === 'group' ? ' · owner' : ''))),
        c.kind === 'group' && owner && m.id !== me.id
          ? h('button', { type: 'button', class: 'btn ghost small', 'data-key': 'remove-' + m.handle, 'aria-label': `Remove ${displayName(m)} from the group`, onclick: run(async () => { await api.removeMember(this.id, m.handle); await refresh(); }) }, 'Remove')
          : null))));

    if (c.kind === 'group' && owner) {
      // Beside the button: at the panel's foot, below Mute and Leave, the
      // refusal was out of sight of the person adding.
      const addErr = h('p', { class: 'form-error', role: 'alert', id: 'add-members-error' });
      const picker = memberPicker(this.app, 'add-members', 'Add people', () => (this.conv.members || []).map((m) => m.id));
      const add = h('button', { type: 'button', class: 'btn small', 'data-key': 'add', onclick: run(async () => {
        const handles = picker.handles();
        if (!handles.length) throw new Error('Pick someone to add first.');
        const r = await api.addMembers(this.id, handles);
        picker.clear();
        this.setConv(this.app.store.upsert(r.conversation));
      }, addErr) }, 'Add to group');
      parts.push(h('div', { class: 'stack-sm add-members-box' }, picker.el, add, addErr));
    }

    // With a brand: "Manage messages from Acme" (its automated messages
    // and campaigns, STOP / START), as on the brand's profile.
    const other = c.kind === 'direct' ? others(c, me)[0] : null;
    if (other) parts.push(manageMessagesFor(this.app, other));

    parts.push(h('div', { class: 'details-actions' },
      h('button', { type: 'button', class: 'btn small', 'data-key': 'mute', 'aria-pressed': String(!!c.muted), onclick: run(patch({ muted: !c.muted })) }, c.muted ? 'Unmute' : 'Mute'),
      h('button', { type: 'button', class: 'btn small', 'data-key': 'archive', onclick: run(patch({ archived: !c.archived })) }, c.archived ? 'Move to inbox' : 'Archive'),
      // Two steps, as Unsend: one click took the person out of the group,
      // and back in only when someone adds them again.
      c.kind === 'group'
        ? this.confirmDelete
          ? [h('button', { type: 'button', class: 'btn small danger', 'data-key': 'leave', 'aria-describedby': 'leave-hint', onclick: run(async () => {
            await api.removeMember(this.id, me.handle);
            this.app.store.remove(this.id);
            this.app.navigate('/inbox');
          }) }, 'Leave for good'),
          h('button', { type: 'button', class: 'btn small', 'data-key': 'leave-cancel', onclick: () => { this.confirmDelete = false; this.renderDetails(); this.details.querySelector('[data-key=leave-ask]')?.focus(); } }, 'Stay')]
          : h('button', { type: 'button', class: 'btn small danger-outline', 'data-key': 'leave-ask', onclick: () => { this.confirmDelete = true; this.renderDetails(); this.details.querySelector('[data-key=leave]')?.focus(); } }, 'Leave group')
        // Two steps, as Unsend: one click cleared the person's whole
        // history with no way back.
        : this.confirmDelete
          ? [h('button', { type: 'button', class: 'btn small danger', 'data-key': 'delete', 'aria-describedby': 'delete-hint', onclick: run(async () => {
            await api.deleteConversation(this.id);
            this.app.store.remove(this.id);
            this.app.navigate('/' + folderOf(c));
          }) }, 'Delete for me'),
          h('button', { type: 'button', class: 'btn small', 'data-key': 'delete-cancel', onclick: () => { this.confirmDelete = false; this.renderDetails(); this.details.querySelector('[data-key=delete-ask]')?.focus(); } }, 'Keep it')]
          : h('button', { type: 'button', class: 'btn small danger-outline', 'data-key': 'delete-ask', onclick: () => { this.confirmDelete = true; this.renderDetails(); this.details.querySelector('[data-key=delete]')?.focus(); } }, 'Delete conversation')),
    this.confirmDelete && c.kind !== 'group'
      ? h('p', { class: 'hint', id: 'delete-hint' }, 'This clears the conversation and its history for you only; the others keep theirs.')
      : null,
    this.confirmDelete && c.kind === 'group'
      ? h('p', { class: 'hint', id: 'leave-hint' }, 'You stop getting this group’s messages. ' +
        (owner ? 'Another member becomes its owner.' : 'Only its owner can add you back.'))
      : null,
    err);
    // A redraw (after Rename, Mute, Archive, Remove, or someone else's
    // change) keeps the keyboard focus where it was, and the text being
    // typed in a field, instead of dropping both to the page.
    const was = this.detailsPressed || document.activeElement;
    this.detailsPressed = null;
    const kept = was && was !== this.details && this.details.contains(was)
      ? { id: was.id, key: was.getAttribute('data-key'), value: was.matches('input') ? was.value : null,
        removeAt: [...this.details.querySelectorAll('[data-key^="remove-"]')].indexOf(was) }
      : null;
    this.details.replaceChildren(...parts.filter(Boolean));
    if (kept) {
      const q = (sel) => this.details.querySelector(sel);
      const removes = [...this.details.querySelectorAll('[data-key^="remove-"]')];
      const next = (kept.id && q('#' + CSS.escape(kept.id)))
        || (kept.key && q(`[data-key="${CSS.escape(kept.key)}"]`))
        // The member just removed: the next one's Remove, or Add people.
        || (kept.removeAt >= 0 && (removes[kept.removeAt] || removes[removes.length - 1]))
        || q('#add-members') || q('button');
      if (next) {
        if (kept.value !== null && next.matches('input') && next.id === kept.id) next.value = kept.value;
        next.focus();
      }
    }
  }

  // Footer: the request banner until accepted, then the composer.
  renderFoot() {
    const c = this.conv;
    if (!c || !this.loaded) {
      this.foot.replaceChildren();
      return;
    }
    if (c.status === 'request') {
      this.foot.replaceChildren(this.requestBanner(c));
      return;
    }
    if (this.blocked) {
      this.foot.replaceChildren(this.blockedNote(this.blocked));
      return;
    }
    if (this.foot.firstChild !== this.composer) this.foot.replaceChildren(this.composer);
    this.updateComposer();
  }

  // blockedNote stands for the composer in a direct chat with someone
  // this person blocked; Unblock brings the composer back, focused.
  blockedNote(a) {
    const err = h('p', { class: 'form-error', role: 'alert' });
    const unblock = h('button', { type: 'button', class: 'btn small', id: 'chat-unblock' }, 'Unblock');
    unblock.addEventListener('click', () => busy(unblock, async () => {
      try {
        await this.app.api.block(a.handle, false);
        this.blocked = null;
        this.app.announce(`${displayName(a)} is unblocked.`);
        this.renderFoot();
        this.textarea.focus();
      } catch (x) {
        err.textContent = x.message;
      }
    }));
    return h('div', { class: 'blocked-note pad' },
      h('p', { class: 'reason' }, `You blocked @${a.handle}. Unblock them to send a message.`), unblock, err);
  }

  requestBanner(c) {
    const me = this.app.me;
    const api = this.app.api;
    const other = c.kind === 'direct' ? others(c, me)[0] : null;
    const err = h('p', { class: 'form-error', role: 'alert' });
    const run = (fn) => async (e) => {
      const b = e.currentTarget;
      b.disabled = true;
      err.textContent = '';
      try {
        await fn();
      } catch (x) {
        err.textContent = x.message;
        b.disabled = false;
      }
    };
    const leave = (said) => {
      this.app.store.remove(this.id);
      this.app.announce(said);
      this.app.navigate('/requests');
    };
    const accept = run(async () => {
      const r = await api.accept(this.id);
      this.app.announce('Request accepted.');
      this.setConv(this.app.store.upsert(r.conversation));
      this.textarea.focus();
    });
    const who = other ? `${displayName(other)} (@${other.handle})` : 'Someone';
    // The owner added us to a group request: named with the handle too.
    const adder = (c.members || []).find((m) => m.role === 'owner' && m.id !== me.id);
    return h('div', { class: 'request-banner', role: 'region', 'aria-label': 'Message request' },
      h('p', null, h('strong', null, c.kind === 'group' ? `${conversationTitle(c, me)}` : who),
        c.kind === 'group' ? ` — ${adder ? `${displayName(adder)} (@${adder.handle})` : 'someone'} added you to this group.` : ' wants to send you messages.'),
      h('p', { class: 'hint' }, 'They won’t know you’ve seen their messages until you accept.'),
      h('div', { class: 'actions-row' },
        h('button', { type: 'button', class: 'btn primary', onclick: accept }, 'Accept'),
        other ? h('button', { type: 'button', class: 'btn danger-outline', onclick: run(async () => {
          await api.block(other.handle, true);
          await api.deleteConversation(this.id).catch(() => null);
          leave(`Blocked @${other.handle}; the request is deleted.`);
        }) }, 'Block') : null,
        h('button', { type: 'button', class: 'btn', onclick: run(async () => {
          await api.deleteConversation(this.id);
          leave('Request deleted.');
        }) }, 'Delete')),
      err);
  }

  buildComposer() {
    this.textarea = h('textarea', {
      id: 'composer-text', rows: '1', placeholder: 'Message…', enterkeyhint: 'send',
      'aria-describedby': 'composer-help',
    });
    this.counter = h('span', { class: 'counter', id: 'composer-counter', 'aria-live': 'polite' });
    this.sendBtn = h('button', { type: 'submit', class: 'send', 'aria-label': 'Send' }, 'Send');
    this.context = h('div', { class: 'composer-context', hidden: true });
    this.composerError = h('p', { class: 'form-error', role: 'alert' });
    // What the tray refuses (an eleventh file, a microphone that is off) is
    // said on the composer's error line: announced only, a press on Voice
    // showed nothing at all.
    this.attacher = new Attacher(this.app, () => this.updateComposer(), (text) => { this.composerError.textContent = text; });
    this.composer = h('form', { class: 'composer', 'aria-label': 'Write a message' },
      this.context,
      this.attacher.tray,
      h('div', { class: 'composer-row' },
        this.attacher.input,
        this.attacher.button,
        this.attacher.recordBtn,
        h('label', { for: 'composer-text', class: 'sr-only' }, 'Message'),
        this.textarea,
        this.counter,
        this.sendBtn),
      h('p', { id: 'composer-help', class: 'sr-only' }, 'Enter sends. Shift+Enter starts a new line.'),
      this.composerError);
    this.attacher.watch(this.composer);
    this.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.submit();
      } else if (e.key === 'Escape' && (this.replyTo || this.editing)) {
        e.preventDefault();
        this.cancelContext();
      } else if (e.key === 'ArrowUp' && !this.textarea.value && !this.editing) {
        // As in other messengers: up in an empty composer edits my last
        // message, while it can still be edited.
        const m = this.lastEditable();
        if (m) {
          e.preventDefault();
          this.startEdit(m);
        }
      }
    });
    this.textarea.addEventListener('input', () => {
      this.updateComposer();
      const now = Date.now();
      if (this.id && this.textarea.value.trim() && now - this.lastTypingSent > TYPING_SEND_EVERY_MS && this.app.stream) {
        this.lastTypingSent = now;
        this.app.stream.sendTyping(this.id);
      }
    });
  }

  updateComposer() {
    const ta = this.textarea;
    // Grow with the text up to a few lines, then scroll.
    ta.style.height = 'auto';
    ta.style.height = Math.min(ta.scrollHeight, 160) + 'px';
    const n = runes(ta.value);
    const left = MAX_TEXT - n;
    this.counter.textContent = n >= COUNTER_FROM ? (left >= 0 ? `${left} left` : `${-left} over the limit`) : '';
    this.counter.classList.toggle('over', left < 0);
    const files = this.attacher && !this.editing ? this.attacher.ready().length : 0;
    // An edit changes the text only: Attach and Voice step aside while it
    // lasts (they did nothing for it, and at 390 px left the text a column
    // of 130 px). A recording under way keeps its Stop.
    if (this.attacher) {
      this.attacher.button.hidden = !!this.editing;
      this.attacher.recordBtn.hidden = !!this.editing && !this.attacher.recorder;
    }
    this.sendBtn.disabled = (!ta.value.trim() && !files) || left < 0 || (this.attacher && this.attacher.busy());
    this.sendBtn.textContent = this.editing ? 'Save' : 'Send';
    this.sendBtn.setAttribute('aria-label', this.editing ? 'Save edit' : 'Send');
    if (this.replyTo || this.editing) {
      const m = this.replyTo || this.editing;
      this.context.replaceChildren(
        h('span', { class: 'context-text' },
          h('strong', null, this.editing ? 'Editing message' : `Replying to ${this.isMine(m) ? 'yourself' : displayName(m.sender)}`),
          this.replyTo ? h('span', { class: 'muted' }, ' ' + snippet(m.text)) : null),
        h('button', { type: 'button', class: 'btn ghost small', onclick: () => this.cancelContext() }, 'Cancel'));
      this.context.hidden = false;
    } else {
      this.context.hidden = true;
      this.context.replaceChildren();
    }
  }

  lastEditable() {
    const mine = this.ordered().filter((m) => this.isMine(m) && !m.deleted);
    const m = mine[mine.length - 1];
    return m && Date.now() - new Date(m.created_at).getTime() < EDIT_WINDOW_MS ? m : null;
  }

  cancelContext() {
    if (this.editing) this.textarea.value = '';
    this.replyTo = null;
    this.editing = null;
    this.updateComposer();
    this.textarea.focus();
  }

  submit() {
    if (this.editing) {
      this.saveEdit();
      return;
    }
    const text = this.textarea.value;
    const files = this.attacher.ready();
    if (this.attacher.busy()) {
      this.composerError.textContent = 'Wait for the uploads to finish.';
      return;
    }
    if ((!text.trim() && !files.length) || runes(text) > MAX_TEXT) return;
    this.attacher.clear();
    this.textarea.value = '';
    this.sendText(text.trim() ? text : '', '', files);
  }

  // sendText sends text (typed with its attachments, or the title of a
  // bot's button with its payload) through the same pending/retry path.
  sendText(text, payload, attachments = []) {
    const p = { clientId: newClientId(), text, payload, attachments, replyTo: this.replyTo ? this.replyTo.id : '', state: 'sending', error: '' };
    this.pending.set(p.clientId, p);
    this.replyTo = null;
    this.lastTypingSent = 0; // the next message's typing is news again
    this.composerError.textContent = '';
    this.updateComposer();
    this.renderMessages();
    this.scrollToBottom();
    this.deliver(p);
  }

  async deliver(p) {
    p.state = 'sending';
    p.error = '';
    this.renderMessages();
    try {
      const draft = !!this.draftTo;
      if (draft) await this.materialize();
      const r = await this.app.api.send(this.id, p.text, p.clientId, p.replyTo, p.attachments, p.payload);
      this.pending.delete(p.clientId);
      if (!this.app.store.applyMessage(r.message, false)) {
        this.app.store.upsert({ ...this.conv, last_message: r.message, updated_at: r.message.created_at });
      }
      if (draft && !this.gone) {
        // The draft became a conversation: its address is now /c/<id>.
        this.app.navigate('/c/' + encodeURIComponent(this.id), { replace: true });
        return;
      }
      if (!this.gone) this.addMessage(r.message);
    } catch (e) {
      if (!this.pending.has(p.clientId)) return;
      p.state = 'failed';
      p.error = e.message;
      // A message the network lost goes again by itself when the
      // connection returns (same client_id: stored once); one the server
      // refused waits for Retry.
      p.offline = e instanceof NetworkError;
      if (!this.gone) {
        this.renderMessages();
        this.app.announce('Your message was not sent. ' + e.message);
      }
    }
  }

  // resendOffline re-delivers what failed for want of a network.
  resendOffline() {
    if (this.gone) return;
    for (const p of [...this.pending.values()]) if (p.state === 'failed' && p.offline) this.deliver(p);
  }

  async saveEdit() {
    const m = this.editing;
    const text = this.textarea.value;
    if (!text.trim() || runes(text) > MAX_TEXT) return;
    if (text === m.text) {
      this.cancelContext();
      return;
    }
    this.sendBtn.disabled = true;
    try {
      const r = await this.app.api.edit(m.id, text);
      this.msgs.set(r.message.id, r.message);
      this.app.store.applyMessageUpdate(r.message);
      this.editing = null;
      this.textarea.value = '';
      this.composerError.textContent = '';
      this.renderMessages();
    } catch (e) {
      this.composerError.textContent = e.message;
    }
    this.updateComposer();
  }

  // Message actions.
  startReply(m) {
    this.editing = null;
    this.replyTo = m;
    this.updateComposer();
    this.textarea.focus();
  }

  startEdit(m) {
    this.replyTo = null;
    this.editing = m;
    this.textarea.value = m.text;
    this.updateComposer();
    this.textarea.focus();
  }

  // ask makes an action that cannot be undone take two presses: the first
  // turns its button into a question for 4 s ("Unsend?", "Delete?"). It
  // returns whether this press is the second.
  ask(m, action) {
    const key = action + ':' + m.id;
    if (this.confirming === key) {
      this.confirming = '';
      return true;
    }
    this.confirming = key;
    this.renderMessages();
    clearTimeout(this.unsendTimer);
    this.unsendTimer = setTimeout(() => { this.confirming = ''; this.renderMessages(); }, 4000);
    return false;
  }

  async unsend(m) {
    if (!this.ask(m, 'unsend')) return;
    try {
      await this.app.api.unsend(m.id, 'everyone');
      const gone = { ...m, deleted: true, text: '', reactions: [] };
      this.msgs.set(m.id, gone);
      this.app.store.applyMessageUpdate(gone);
    } catch (e) {
      this.say(e.message);
    }
    this.renderMessages();
  }

  // deleteForMe asks first, as Unsend does: the message leaves this
  // person's history for good.
  async deleteForMe(m) {
    if (!this.ask(m, 'delete')) return;
    try {
      await this.app.api.unsend(m.id, 'me');
      this.msgs.delete(m.id);
      this.renderMessages();
    } catch (e) {
      this.say(e.message);
    }
  }

  // say tells why an action on a message failed where the eye is, the
  // composer's error line (a screen reader hears it there too); announced
  // only, an Unsend offline left the message in place without a word.
  say(text) {
    if (this.composerError && this.composerError.isConnected) this.composerError.textContent = text;
    else this.app.announce(text);
  }

  async react(m, emoji) {
    this.pickerFor = '';
    const cur = (m.reactions || []).find((r) => r.emoji === emoji);
    const on = !(cur && cur.me);
    // Show the change at once; the server's answer (an event) confirms it.
    let reactions = (m.reactions || []).map((r) => ({ ...r }));
    if (on) {
      if (cur) reactions = reactions.map((r) => (r.emoji === emoji ? { ...r, count: r.count + 1, me: true } : r));
      else reactions.push({ emoji, count: 1, me: true });
    } else {
      reactions = reactions.map((r) => (r.emoji === emoji ? { ...r, count: r.count - 1, me: false } : r)).filter((r) => r.count > 0);
    }
    this.msgs.set(m.id, { ...m, reactions });
    this.renderMessages();
    try {
      await this.app.api.react(m.id, emoji, on);
    } catch (e) {
      this.msgs.set(m.id, m);
      this.renderMessages();
      // Said where the eye is (a reaction refused under a block, a
      // limit): the reaction shown at once has just gone again.
      this.say(e.message);
    }
  }

  // seenMarker finds the caller's last message that another member has read.
  seenMarker() {
    const c = this.conv;
    if (!c) return null;
    const readers = this.app.store.seenBy(this.id);
    const people = others(c, this.app.me);
    let max = 0;
    for (const p of people) max = Math.max(max, readers[p.id] || 0);
    if (!max) return null;
    let target = null;
    for (const m of this.msgs.values()) {
      if (this.isMine(m) && m.seq <= max && (!target || m.seq > target.seq)) target = m;
    }
    if (!target) return null;
    if (c.kind === 'direct') return { id: target.id, text: 'Seen' };
    const names = people.filter((p) => (readers[p.id] || 0) >= target.seq).map((p) => displayName(p));
    return { id: target.id, text: 'Seen by ' + names.join(', ') };
  }

  renderMessages() {
    if (!this.loaded) return;
    const stick = this.nearBottom();
    // Re-rendering replaces the nodes; put the keyboard focus back where it was.
    const active = document.activeElement;
    const activeLi = active && this.list.contains(active) ? active.closest('li[data-key]') : null;
    const focusKey = activeLi ? activeLi.dataset.key : '';
    // Where the focus goes when its message is gone (Delete for me,
    // Discard): the message after it, or the one before.
    const near = (dir) => {
      for (let e = activeLi && activeLi[dir]; e; e = e[dir]) if (e.dataset.key) return e.dataset.key;
      return '';
    };
    const nearKeys = activeLi ? [near('nextElementSibling'), near('previousElementSibling')].filter(Boolean) : [];
    // A picked emoji (or Escape in the picker) gives the focus back to the
    // React that opened it.
    const focusAction = active && active.dataset && active.dataset.action
      ? (active.dataset.action.startsWith('emoji-') ? 'react' : active.dataset.action) : '';

    const seen = this.seenMarker();
    const items = [];
    let prev = null;
    const all = this.ordered();
    // Only the newest message keeps live quick replies (and none while a
    // reply of ours is on its way).
    this.liveId = !this.pending.size && all.length ? all[all.length - 1].id : '';
    for (const m of all) {
      const day = dayLabel(m.created_at);
      if (!prev || dayLabel(prev.created_at) !== day) {
        items.push(h('li', { class: 'day' }, h('span', { class: 'sr-only' }, 'Messages of '), day));
        prev = null; // a new day starts a new run of bubbles
      }
      items.push(this.messageEl(m, prev, seen));
      prev = m;
    }
    for (const p of this.pending.values()) items.push(this.pendingEl(p));
    if (!items.length) items.push(h('li', { class: 'msg-note' }, 'No messages yet. Say hello!'));
    this.list.replaceChildren(...items);
    this.bot.render();
    this.older.hidden = !this.hasMore;

    if (focusKey) {
      const byKey = (k) => this.list.querySelector(`li[data-key="${CSS.escape(k)}"]`);
      const same = byKey(focusKey);
      // Beside a message gone, the neighbour itself, not its same button:
      // a second Enter would delete it too.
      const li = same || nearKeys.map(byKey).find(Boolean);
      const target = same && focusAction ? same.querySelector(`[data-action="${CSS.escape(focusAction)}"]`) : null;
      // The message first: its actions show only while the focus is in it,
      // and a hidden button takes no focus (React or Unsend pressed from
      // the keyboard left the focus on the page, and "Unsend?" out of reach).
      if (li) li.focus({ preventScroll: true });
      else if (this.textarea.isConnected) this.textarea.focus({ preventScroll: true });
      if (target) target.focus({ preventScroll: true });
    }
    if (stick) this.scrollToBottom();
  }

  messageEl(m, prev, seen) {
    const me = this.app.me;
    const mine = this.isMine(m);
    const c = this.conv;
    const group = c && c.kind === 'group';
    const showName = group && !mine && (!prev || prev.sender.id !== m.sender.id);
    const cls = ['msg', mine ? 'mine' : 'theirs'];
    if (m.deleted) cls.push('deleted');
    if (prev && prev.sender.id === m.sender.id) cls.push('cont');

    const quote = m.reply_to ? this.quoteEl(m.reply_to) : null;
    const text = m.deleted
      ? h('p', { class: 'text unsent' }, mine ? 'You unsent a message' : 'Message unsent')
      : m.text ? this.textEl(m) : null;
    const files = attachmentsEl(m);
    const card = m.deleted ? null : previewCard(m.link_preview);
    const product = m.deleted ? null : productCard(m.product);

    let actions = null;
    if (!m.deleted) {
      const btn = (action, label, fn, extra = {}) => h('button', { type: 'button', class: 'act', 'data-action': action, onclick: fn, ...extra }, label);
      const asking = (action) => this.confirming === action + ':' + m.id;
      const editable = mine && Date.now() - new Date(m.created_at).getTime() < EDIT_WINDOW_MS;
      actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Message actions' },
        btn('react', '☺', () => {
          this.pickerFor = this.pickerFor === m.id ? '' : m.id;
          this.renderMessages();
          // Opened, the picker has the focus: its emoji came after the
          // message's other actions in the tab order.
          if (this.pickerFor) this.list.querySelector(`li[data-key="${CSS.escape(m.id)}"] .picker-emoji button`)?.focus({ preventScroll: true });
        },
          { 'aria-label': 'React', 'aria-expanded': String(this.pickerFor === m.id), title: 'React' }),
        btn('reply', '↩', () => this.startReply(m), { 'aria-label': 'Reply', title: 'Reply' }),
        editable ? btn('edit', 'Edit', () => this.startEdit(m)) : null,
        mine ? btn('unsend', asking('unsend') ? 'Unsend?' : 'Unsend', () => this.unsend(m),
          { 'aria-label': asking('unsend') ? 'Confirm unsend for everyone' : 'Unsend for everyone', class: 'act' + (asking('unsend') ? ' confirm' : '') }) : null,
        btn('delete', asking('delete') ? 'Delete?' : 'Delete', () => this.deleteForMe(m),
          { 'aria-label': asking('delete') ? 'Confirm delete for me' : 'Delete for me', title: 'Delete for me', class: 'act' + (asking('delete') ? ' confirm' : '') }),
        mine ? null : btn('report', 'Report', () => this.report(m), { 'aria-label': 'Report this message', title: 'Report' }));
    }

    const picker = this.pickerFor === m.id
      ? h('div', { class: 'picker-emoji', role: 'group', 'aria-label': 'Pick a reaction' },
        EMOJIS.map((e) => h('button', { type: 'button', class: 'emoji', 'data-action': 'emoji-' + e, 'aria-label': `React with ${e}`, onclick: () => this.react(this.msgs.get(m.id) || m, e) }, e)))
      : null;

    const reactions = (m.reactions || []).length
      ? h('div', { class: 'reactions' }, m.reactions.map((r) => h('button', {
        type: 'button', class: 'reaction' + (r.me ? ' me' : ''), 'aria-pressed': String(!!r.me),
        'data-action': 'reaction-' + r.emoji,
        'aria-label': `${r.emoji} ${r.count}${r.me ? ', including you' : ''}`,
        onclick: () => this.react(this.msgs.get(m.id) || m, r.emoji),
      }, r.emoji, h('span', { class: 'count' }, String(r.count)))))
      : null;

    // An edited message says so whether or not it is pointed at: the time
    // under a bubble shows on hover or focus, and "edited" went with it, so
    // on a phone a changed message looked as first written.
    const edited = m.edited_at && !m.deleted;
    const meta = h('div', { class: edited ? 'meta shown' : 'meta' },
      h('time', { datetime: m.created_at, title: fullTime(m.created_at) }, clockTime(m.created_at)),
      edited ? h('span', { class: 'edited' }, ' · edited') : null);

    return h('li', { class: cls.join(' '), 'data-key': m.id, 'data-id': m.id, 'data-seq': String(m.seq), tabindex: '0' },
      showName ? h('div', { class: 'sender' }, displayName(m.sender)) : null,
      !mine && (m.sender.verified || m.sender.suspended) && (!prev || prev.sender.id !== m.sender.id)
        ? h('div', { class: 'sender-flags' }, badges(m.sender)) : null,
      automatedLabel(m),
      h('span', { class: 'sr-only' }, (mine ? 'You' : displayName(m.sender)) + ', ' + clockTime(m.created_at) + ': '),
      h('div', { class: 'row' },
        !mine && group ? (showName ? avatar(m.sender, 'xs') : h('span', { class: 'avatar-gap' })) : null,
        h('div', { class: 'bubble' }, quote, files, text, card, product),
        actions),
      quickReplies(m, m.id === this.liveId && !mine, (q) => this.sendText(q.title, q.payload)),
      picker,
      reactions,
      meta,
      seen && seen.id === m.id ? h('div', { class: 'seen', 'data-seen': 'true' }, seen.text) : null);
  }

  // report opens the report dialog on m, with the sender's other messages
  // on screen to pick from (newest first).
  report(m) {
    const theirs = [...this.msgs.values()].filter((x) => x.sender.id === m.sender.id && !x.deleted).sort((a, b) => b.seq - a.seq).slice(0, 20);
    if (!theirs.some((x) => x.id === m.id)) theirs.unshift(m);
    openReportDialog(this.app, { handle: m.sender.handle, name: displayName(m.sender), candidates: theirs, checked: m.id });
  }

  // textEl is a message's text with its links, folded when long.
  textEl(m) {
    const p = h('p', { class: 'text', dir: 'auto' }, linkify(flagBidi(m.text)));
    const long = m.text.length > FOLD_CHARS || m.text.split('\n').length > FOLD_LINES;
    if (!long) return p;
    const open = this.unfolded.has(m.id);
    if (!open) p.classList.add('folded');
    const id = 'text-' + m.id;
    p.id = id;
    return h('div', null, p, h('button', {
      type: 'button', class: 'link read-more', 'data-action': 'read-more', 'aria-expanded': String(open), 'aria-controls': id,
      onclick: () => {
        if (open) this.unfolded.delete(m.id);
        else this.unfolded.add(m.id);
        this.renderMessages();
      },
    }, open ? 'Show less' : 'Read more'));
  }

  quoteEl(id) {
    const q = this.msgs.get(id);
    const who = q ? (this.isMine(q) ? 'You' : displayName(q.sender)) : '';
    const text = !q ? 'Earlier message' : q.deleted ? 'Message unsent' : snippet(q.text);
    return h('div', { class: 'quote' }, who ? h('span', { class: 'quote-who' }, who) : null, h('span', { class: 'quote-text', dir: 'auto' }, flagBidi(text)));
  }

  pendingEl(p) {
    const failed = p.state === 'failed';
    return h('li', { class: 'msg mine pending' + (failed ? ' failed' : ''), 'data-key': 'p:' + p.clientId, 'data-client-id': p.clientId },
      h('div', { class: 'row' },
        h('div', { class: 'bubble' }, p.replyTo ? this.quoteEl(p.replyTo) : null, h('p', { class: 'text', dir: 'auto' }, flagBidi(p.text)))),
      failed
        ? h('div', { class: 'meta fail', role: 'alert' },
          h('span', null, 'Not sent' + (p.error ? ': ' + p.error : '.') + ' '),
          h('button', { type: 'button', class: 'link', 'data-action': 'retry', onclick: () => this.deliver(p) }, 'Retry'),
          ' · ',
          h('button', { type: 'button', class: 'link', 'data-action': 'discard', onclick: () => { this.pending.delete(p.clientId); this.renderMessages(); } }, 'Discard'))
        : h('div', { class: 'meta' }, 'Sending…'));
  }
}

const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

// dayLabel names the day of a message for the separators of the history.
function dayLabel(iso) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today);
  yesterday.setDate(today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return dayFmt.format(d);
}

function snippet(s) {
  const t = (s || '').replace(/\s+/g, ' ').trim();
  return t.length > 80 ? t.slice(0, 80) + '…' : t;
}
