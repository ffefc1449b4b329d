// The live event stream: one WebSocket to /api/v1/events/stream that resumes
// from the seq of the last event this tab handled, so a drop or a server
// restart loses nothing and shows nothing twice. The cursor is kept in
// sessionStorage so that a reload of the tab resumes too.

import { APIError, NetworkError } from './api.js';

const BACKOFF_MS = [250, 500, 1000, 2000, 3000, 4000];

export class Stream {
  // handlers: onEvent(event), onState('connecting'|'online'|'offline'),
  // onResync() (the cursor was too old: reload everything),
  // onUnauthenticated().
  constructor(api, userId, handlers) {
    this.api = api;
    this.key = 'parley.cursor.' + userId;
    this.h = handlers;
    this.ws = null;
    this.cursor = null;
    this.attempt = 0;
    this.timer = 0;
    this.stopped = false;
    this.everOnline = false;
    this.onOnline = () => this.reconnectNow();
    window.addEventListener('online', this.onOnline);
  }

  // storedCursor returns the cursor this tab saved before a reload, or null.
  storedCursor() {
    const v = sessionStorage.getItem(this.key);
    return v && /^\d+$/.test(v) ? v : null;
  }

  // start connects from cursor (a decimal string).
  start(cursor) {
    this.setCursor(cursor);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    if (this.ws) this.ws.close(1000, 'bye');
    this.ws = null;
  }

  setCursor(c) {
    if (c === null || c === undefined) return;
    const s = String(c);
    if (this.cursor !== null && BigInt(s) <= BigInt(this.cursor)) return;
    this.cursor = s;
    try {
      sessionStorage.setItem(this.key, s);
    } catch (e) {
      // Storage may be full or disabled; the in-memory cursor still works.
    }
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/api/v1/events/stream?cursor=${encodeURIComponent(this.cursor || '0')}`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    let opened = false;
    if (!this.everOnline) this.h.onState('connecting');
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.everOnline = true;
      this.h.onState('online');
    };
    ws.onmessage = (m) => {
      let ev;
      try {
        ev = JSON.parse(m.data);
      } catch (e) {
        return;
      }
      if (ev.type === 'ready') {
        this.setCursor(ev.cursor);
        this.h.onState('online');
        return;
      }
      if (ev.seq) {
        // The server promises no duplicates; this guard also covers a
        // replay that overlaps what a previous socket already delivered.
        if (this.cursor !== null && BigInt(ev.seq) <= BigInt(this.cursor)) return;
        this.setCursor(ev.seq);
      }
      try {
        this.h.onEvent(ev);
      } catch (e) {
        console.error('event handler failed', ev.type, e);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.h.onState('offline');
      if (/gone/i.test(ev.reason || '')) {
        this.resync();
        return;
      }
      if (!opened) {
        // The upgrade failed: the browser hides the HTTP status, so ask the
        // plain events endpoint why (410 cursor too old, 401 logged out).
        this.probe();
        return;
      }
      this.scheduleReconnect();
    };
  }

  async probe() {
    try {
      await this.api.events(this.cursor || '0', 1);
    } catch (e) {
      if (e instanceof APIError && e.status === 410) {
        this.resync();
        return;
      }
      if (e instanceof APIError && e.status === 401) {
        this.h.onUnauthenticated();
        return;
      }
      if (!(e instanceof NetworkError) && !(e instanceof APIError)) console.error(e);
    }
    this.scheduleReconnect();
  }

  // resync starts from "now" and lets the app reload its lists: the events
  // between the old cursor and now are gone, the current state is not.
  async resync() {
    try {
      const r = await this.api.events();
      this.cursor = null;
      this.setCursor(r.cursor || '0');
      await this.h.onResync();
      this.connect();
    } catch (e) {
      this.scheduleReconnect();
    }
  }

  scheduleReconnect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    this.timer = setTimeout(() => this.connect(), base + Math.random() * base * 0.3);
  }

  reconnectNow() {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  sendTyping(conversationId) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'typing', conversation_id: conversationId }));
    }
  }
}
