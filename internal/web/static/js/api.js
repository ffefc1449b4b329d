// The HTTP API client of the web app. The session lives in an HttpOnly cookie
// the app cannot read; state-changing calls prove they come from this app with
// the CSRF token that /api/v1/me and the login call return.

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// NetworkError means the server was not reached at all (offline, restarting):
// the request may be retried as is.
export class NetworkError extends Error {}

export class API {
  constructor() {
    this.csrf = '';
    // onUnauthenticated is called when a call answers 401 (session expired
    // or logged out elsewhere).
    this.onUnauthenticated = () => {};
  }

  // call sends one request. A 503 "unavailable" means the database aborted
  // the write for a clash with a concurrent one and saved nothing of it:
  // it is sent again, up to twice, after the Retry-After the server asks.
  async call(method, path, body) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, body);
      } catch (e) {
        if (!(e instanceof APIError) || e.code !== 'unavailable' || attempt >= 2) throw e;
        await new Promise((done) => setTimeout(done, Math.min(5, Math.max(1, e.retryAfter || 1)) * 1000));
      }
    }
  }

  async once(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD' && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new NetworkError('Cannot reach the server. Check your connection.');
    }
    if (res.status === 204) return null;
    let data = null;
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      if (res.status === 401 && path !== '/api/v1/sessions') this.onUnauthenticated();
      const e = new APIError(res.status, err.code || 'http_' + res.status,
        err.message || `The server answered ${res.status}.`);
      e.retryAfter = Number(res.headers.get('Retry-After')) || 0;
      throw e;
    }
    return data;
  }

  get(path) { return this.call('GET', path); }
  post(path, body) { return this.call('POST', path, body === undefined ? {} : body); }
  patch(path, body) { return this.call('PATCH', path, body); }
  del(path) { return this.call('DELETE', path); }

  // Accounts and sessions.
  me() { return this.get('/api/v1/me'); }
  async login(handle, password) {
    const r = await this.post('/api/v1/sessions', { handle, password, cookie: true });
    this.csrf = r.csrf_token || '';
    return r;
  }
  signup(handle, password, displayName) {
    return this.post('/api/v1/accounts', { handle, password, display_name: displayName || undefined });
  }
  logout() { return this.del('/api/v1/sessions/current'); }
  updateMe(fields) { return this.patch('/api/v1/me', fields); }

  // People.
  search(q) { return this.get(`/api/v1/accounts?q=${encodeURIComponent(q)}&limit=20`); }
  profile(handle) { return this.get(`/api/v1/accounts/${encodeURIComponent(handle)}`); }
  follow(handle, on) { return this.call(on ? 'PUT' : 'DELETE', `/api/v1/accounts/${encodeURIComponent(handle)}/follow`); }
  blocked(cursor) { return this.get('/api/v1/me/blocks?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '')); }
  block(handle, on) { return this.call(on ? 'PUT' : 'DELETE', `/api/v1/accounts/${encodeURIComponent(handle)}/block`); }

  // Conversations.
  conversations(folder, cursor) {
    let q = `/api/v1/conversations?folder=${folder}&limit=50`;
    if (cursor) q += `&cursor=${encodeURIComponent(cursor)}`;
    return this.get(q);
  }
  conversation(id) { return this.get(`/api/v1/conversations/${encodeURIComponent(id)}`); }
  openConversation(members, title) { return this.post('/api/v1/conversations', { members, title: title || undefined }); }
  updateConversation(id, fields) { return this.patch(`/api/v1/conversations/${encodeURIComponent(id)}`, fields); }
  accept(id) { return this.post(`/api/v1/conversations/${encodeURIComponent(id)}/accept`); }
  deleteConversation(id) { return this.del(`/api/v1/conversations/${encodeURIComponent(id)}`); }
  markRead(id, messageId) { return this.post(`/api/v1/conversations/${encodeURIComponent(id)}/read`, messageId ? { message_id: messageId } : {}); }
  addMembers(id, handles) { return this.post(`/api/v1/conversations/${encodeURIComponent(id)}/members`, { members: handles }); }
  removeMember(id, handle) { return this.del(`/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(handle)}`); }

  // Messages.
  messages(id, before, limit) {
    let q = `/api/v1/conversations/${encodeURIComponent(id)}/messages?limit=${limit}`;
    if (before) q += `&before=${encodeURIComponent(before)}`;
    return this.get(q);
  }
  // payload: the quick reply, ice breaker or menu entry the text answers.
  send(id, text, clientId, replyTo, attachments, payload) {
    return this.post(`/api/v1/conversations/${encodeURIComponent(id)}/messages`, {
      text, client_id: clientId, reply_to: replyTo || undefined,
      attachments: attachments && attachments.length ? attachments : undefined,
      quick_reply_payload: payload || undefined,
    });
  }
  searchMessages(params) { return this.get('/api/v1/search?' + new URLSearchParams(params).toString()); }
  edit(messageId, text) { return this.patch(`/api/v1/messages/${encodeURIComponent(messageId)}`, { text }); }
  unsend(messageId, forWhom) { return this.del(`/api/v1/messages/${encodeURIComponent(messageId)}?for=${forWhom}`); }
  react(messageId, emoji, on) {
    return this.call(on ? 'PUT' : 'DELETE', `/api/v1/messages/${encodeURIComponent(messageId)}/reactions/${encodeURIComponent(emoji)}`);
  }

  // Events.
  events(cursor, limit) {
    let q = '/api/v1/events';
    const params = [];
    if (cursor !== undefined && cursor !== null && cursor !== '') params.push(`cursor=${encodeURIComponent(cursor)}`);
    if (limit) params.push(`limit=${limit}`);
    if (params.length) q += '?' + params.join('&');
    return this.get(q);
  }
}
