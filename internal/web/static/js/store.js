// The app's model of the signed-in person's conversations: one map of
// conversations as the API returns them, kept current by the event stream.
// Folder lists are derived from it (status and archived), so one event moves a
// conversation between tabs without reloading any list.

export const FOLDERS = ['inbox', 'requests', 'archived'];

export function folderOf(c) {
  if (c.status === 'request') return 'requests';
  if (c.archived) return 'archived';
  return 'inbox';
}

export class Store {
  constructor(me) {
    this.me = me;
    this.convs = new Map();
    this.loaded = new Set();
    this.more = new Map(); // folder -> next_cursor
    // The server's counts (GET /api/v1/conversations/counts): the ids of
    // the unread inbox conversations and of the requests, beyond the pages
    // loaded. A conversation this map knows is counted from its own state;
    // the others from these ids, until a read or a removal drops them.
    this.remote = { inbox: new Set(), requests: new Set() };
    this.listeners = new Set();
    // Messages being sent or that failed, per conversation, kept here rather
    // than in the chat view so that a failed send survives leaving the chat.
    this.outboxes = new Map();
    this.seenKey = 'parley.seen.' + me.id;
    this.seen = this.loadSeen();
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed() {
    for (const fn of this.listeners) fn();
  }

  clear() {
    this.convs.clear();
    this.loaded.clear();
    this.more.clear();
    this.remote = { inbox: new Set(), requests: new Set() };
  }

  async loadCounts(api) {
    const r = await api.get('/api/v1/conversations/counts');
    this.remote = { inbox: new Set(r.inbox_unread_ids || []), requests: new Set(r.request_ids || []) };
    this.changed();
  }

  // remoteOnly counts the server's ids of a folder this map does not know.
  remoteOnly(folder) {
    let n = 0;
    for (const id of this.remote[folder] || []) if (!this.convs.has(id)) n++;
    return n;
  }

  forget(id) {
    this.remote.inbox.delete(id);
    this.remote.requests.delete(id);
  }

  async loadFolder(api, folder, more) {
    const cursor = more ? this.more.get(folder) : '';
    const r = await api.conversations(folder, cursor);
    if (!more) {
      // A reload replaces what this folder knew, so that conversations that
      // left it while we were away (deleted, cleared) do not linger.
      for (const [id, c] of this.convs) if (folderOf(c) === folder) this.convs.delete(id);
    }
    for (const c of r.conversations || []) this.convs.set(c.id, c);
    this.more.set(folder, r.next_cursor || '');
    this.loaded.add(folder);
    this.changed();
  }

  // list leaves out direct conversations without a message, as the server
  // does: one that was just opened is known here (its creation event) but
  // is nobody's conversation until something is said.
  list(folder) {
    return [...this.convs.values()]
      .filter((c) => folderOf(c) === folder && (c.kind !== 'direct' || c.last_message))
      .sort((a, b) => activity(b) - activity(a));
  }

  get(id) {
    return this.convs.get(id);
  }

  upsert(c) {
    const old = this.convs.get(c.id);
    // Conversation events may be older than the message events that
    // followed them; keep the newest last message we know.
    if (old && old.last_message && (!c.last_message || c.last_message.seq < old.last_message.seq)) {
      c = { ...c, last_message: old.last_message, updated_at: old.updated_at };
    }
    this.convs.set(c.id, c);
    this.changed();
    return c;
  }

  remove(id) {
    const known = this.remote.inbox.has(id) || this.remote.requests.has(id);
    this.forget(id);
    if (this.convs.delete(id) || known) this.changed();
  }

  // applyMessage folds a new message into its conversation. It returns false
  // when the conversation is unknown (the caller fetches it). countUnread is
  // false while the person is looking at that conversation.
  applyMessage(m, countUnread) {
    const c = this.convs.get(m.conversation_id);
    if (!c) return false;
    const last = c.last_message;
    if (last && last.seq >= m.seq) return true; // already known (replay)
    const mine = m.sender && m.sender.id === this.me.id;
    const next = { ...c, last_message: m, updated_at: m.created_at };
    if (!mine && countUnread) next.unread_count = (c.unread_count || 0) + 1;
    // Replying to a request accepts it (the server does the same).
    if (mine && c.status === 'request') next.status = 'accepted';
    this.convs.set(c.id, next);
    this.changed();
    return true;
  }

  // applyMessageUpdate refreshes the preview when the edited or deleted
  // message is the last one.
  applyMessageUpdate(m) {
    const c = this.convs.get(m.conversation_id);
    if (!c || !c.last_message || c.last_message.id !== m.id) return;
    this.convs.set(c.id, { ...c, last_message: m });
    this.changed();
  }

  markRead(id) {
    if (this.remote.inbox.delete(id)) this.changed();
    const c = this.convs.get(id);
    if (!c || !c.unread_count) return;
    const last = c.last_message ? c.last_message.seq : c.last_read_seq;
    this.convs.set(id, { ...c, unread_count: 0, last_read_seq: last });
    this.changed();
  }

  // unreadIn counts a folder's conversations with an unread message, muted
  // ones left out (the person asked not to be nagged by them, as on
  // Instagram and Bluesky): those loaded from their state, the inbox's
  // others from the server's count.
  unreadIn(folder) {
    let n = folder === 'inbox' ? this.remoteOnly('inbox') : 0;
    for (const c of this.convs.values()) if (folderOf(c) === folder && c.unread_count > 0 && !c.muted) n++;
    return n;
  }

  // requestCount counts the requests: those loaded, and the server's others.
  requestCount() {
    return this.list('requests').length + this.remoteOnly('requests');
  }

  // directWith finds the direct conversation with the account id, if one
  // with messages is known.
  directWith(id) {
    for (const c of this.convs.values()) {
      if (c.kind === 'direct' && c.last_message && (c.members || []).some((m) => m.id === id)) return c;
    }
    return null;
  }

  // Read receipts: what other members have read, per conversation. The API
  // only tells us through read.updated events, so the latest ones are kept
  // in localStorage to survive a reload.
  loadSeen() {
    try {
      return JSON.parse(localStorage.getItem(this.seenKey) || '{}') || {};
    } catch (e) {
      return {};
    }
  }

  setSeen(convId, userId, seq) {
    const per = this.seen[convId] || (this.seen[convId] = {});
    if ((per[userId] || 0) >= seq) return false;
    per[userId] = seq;
    try {
      const ids = Object.keys(this.seen);
      if (ids.length > 200) delete this.seen[ids[0]];
      localStorage.setItem(this.seenKey, JSON.stringify(this.seen));
    } catch (e) {
      // Storage may be full or disabled: receipts then last for this page.
    }
    return true;
  }

  outbox(convId) {
    let o = this.outboxes.get(convId);
    if (!o) this.outboxes.set(convId, (o = new Map()));
    return o;
  }

  seenBy(convId) {
    return this.seen[convId] || {};
  }
}

// activity is when a conversation last moved, in milliseconds. Timestamps are
// compared as dates, not strings: RFC 3339 times with trimmed fractions
// ("05.1Z", "05.12Z") do not sort as text.
function activity(c) {
  const t = (c.last_message && c.last_message.created_at) || c.updated_at || c.created_at;
  return t ? Date.parse(t) || 0 : 0;
}

// conversationTitle names a conversation for its viewer: a group's title or
// its members, the other person of a direct conversation.
export function conversationTitle(c, me) {
  if (c.kind === 'group') {
    if (c.title) return c.title;
    const names = others(c, me).map((m) => m.display_name || m.handle);
    return names.length ? names.join(', ') : 'Group';
  }
  const o = others(c, me)[0];
  return o ? o.display_name || o.handle : 'Conversation';
}

export function others(c, me) {
  return (c.members || []).filter((m) => m.id !== me.id);
}
