// The brand console: the team's shared inbox (conversation list with
// filters; the chat with private notes, the canned-reply picker, status and
// assignment controls) and the analytics page with charts. Everything talks
// to /api/v1/brands/{handle}/...; live updates arrive as inbox.* events on the
// agent's own event stream. Charts are SVG built with DOM calls, so no data
// is ever parsed as markup.

import { APIError } from './api.js';
import { h, avatar, displayName, shortTime, clockTime, fullTime, flagBidi, askFirstButton } from './dom.js';
import { handoffNotice, consoleQuickReplies } from './automation.js';
import { CustomerPanel, auditItem, slaPill, slaText, macroPicker, mentionNotice } from './consoledesk.js';
import { SuggestionPanel, productCard } from './catalog.js';

const enc = encodeURIComponent;
const base = (handle) => `/api/v1/brands/${enc(handle)}`;

function query(params) {
  const q = Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${enc(v)}`).join('&');
  return q ? '?' + q : '';
}

// duration renders seconds as "45s", "4m 10s" or "2h 5m".
export function duration(sec) {
  if (sec === null || sec === undefined) return '—';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
}

function percent(v) {
  return v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`;
}

function select(id, label, options, value, onchange) {
  const el = h('select', { id, onchange: (e) => onchange(e.target.value) },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  el.value = value;
  return h('label', { class: 'console-field', for: id }, h('span', { class: 'field-label' }, label), el);
}

const STATUSES = [['open', 'Open'], ['pending', 'Pending'], ['snoozed', 'Snoozed'], ['resolved', 'Resolved']];
const PRIORITIES = [['none', 'No priority'], ['low', 'Low'], ['medium', 'Medium'], ['high', 'High'], ['urgent', 'Urgent']];
// The width at which the console's chat stacks (app.css); there the inbox
// controls start folded. Back at a desktop width they are always open, since
// their summary line is hidden there.
const phoneWidth = window.matchMedia('(max-width: 720px)');
phoneWidth.addEventListener('change', (e) => {
  if (!e.matches) for (const box of document.querySelectorAll('.console-controls-box')) box.open = true;
});

export function brandNav(handle, current) {
  const nav = h('nav', { class: 'tabs console-tabs', 'aria-label': 'Brand console' },
    h('a', { href: `/brands/${enc(handle)}`, class: 'tab', 'aria-current': current === 'inbox' ? 'page' : null }, 'Inbox'),
    h('a', { href: `/brands/${enc(handle)}/analytics`, class: 'tab', 'aria-current': current === 'analytics' ? 'page' : null }, 'Analytics'),
    h('a', { href: `/brands/${enc(handle)}/desk`, class: 'tab', 'aria-current': current === 'desk' ? 'page' : null }, 'Desk'),
    h('a', { href: `/brands/${enc(handle)}/automation`, class: 'tab', 'aria-current': current === 'automation' ? 'page' : null }, 'Automation'),
    h('a', { href: `/brands/${enc(handle)}/campaigns`, class: 'tab', 'aria-current': current === 'campaigns' ? 'page' : null }, 'Campaigns'),
    h('a', { href: `/brands/${enc(handle)}/surveys`, class: 'tab', 'aria-current': current === 'surveys' ? 'page' : null }, 'Surveys'),
    h('a', { href: `/brands/${enc(handle)}/creators`, class: 'tab', 'aria-current': current === 'creators' ? 'page' : null }, 'Creators'),
    h('a', { href: `/brands/${enc(handle)}/settings`, class: 'tab', 'aria-current': current === 'settings' ? 'page' : null }, 'Settings'));
  // At phone width the tabs scroll sideways in one row: once the page has
  // laid out, and again whenever the row's width changes (a window resized
  // from desktop to phone width, a phone turned), the current one is
  // centred, so that cut tabs on both sides show there are more. Centred
  // only once, it stayed wherever the row had been: after a resize to
  // phone width the current tab could be cut off or out of sight.
  let width = -1;
  new ResizeObserver(() => {
    if (nav.clientWidth === width) return; // a change of height only
    width = nav.clientWidth;
    const cur = nav.querySelector('[aria-current=page]');
    if (cur && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = Math.max(0, cur.offsetLeft - nav.offsetLeft - (nav.clientWidth - cur.offsetWidth) / 2);
    }
  }).observe(nav);
  return nav;
}

// BrandConsole is the inbox view of one brand.
export class BrandConsole {
  constructor(app, route) {
    this.app = app;
    this.handle = route.handle;
    this.filters = { view: 'all', status: '', label: '', q: '', sort: 'latest' };
    this.items = [];
    this.next = '';
    this.selected = '';
    this.detail = null;
    this.team = [];
    this.canned = [];
    this.macros = [];
    this.presence = new Map(); // handle -> state, for the selected conversation
    this.lastTyping = 0;
    this.title = `Inbox · @${this.handle}`;

    this.list = h('ul', { class: 'conv-list', id: 'inbox-list', 'aria-label': 'Customer conversations' });
    this.more = h('button', { type: 'button', class: 'btn ghost small load-more', hidden: true, onclick: () => this.loadList(true) }, 'Load more');
    this.error = h('p', { class: 'form-error', role: 'alert' });
    const search = h('input', { type: 'search', id: 'inbox-q', placeholder: 'Customer handle or name', autocomplete: 'off' });
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { this.filters.q = search.value.trim(); this.loadList(); }, 250);
    });
    const label = h('input', { type: 'text', id: 'inbox-label', placeholder: 'Label', autocomplete: 'off', maxlength: '32' });
    label.addEventListener('change', () => { this.filters.label = label.value.trim(); this.loadList(); });
    this.sidebar = h('aside', { class: 'sidebar console-sidebar', 'aria-label': 'Inbox' },
      h('div', { class: 'sidebar-head' }, h('h1', null, `@${this.handle}`)),
      brandNav(this.handle, 'inbox'),
      h('div', { class: 'console-filters' },
        select('inbox-view', 'Show', [['all', 'All'], ['mine', 'Mine'], ['unassigned', 'Unassigned']], 'all', (v) => { this.filters.view = v; this.loadList(); }),
        select('inbox-status', 'Status', [['', 'Any status'], ...STATUSES], '', (v) => { this.filters.status = v; this.loadList(); }),
        select('inbox-sort', 'Sort', [['latest', 'Latest message'], ['waiting', 'Waiting longest'], ['priority', 'Priority']], 'latest',
          (v) => { this.filters.sort = v; this.loadList(); }),
        h('label', { class: 'console-field', for: 'inbox-label' }, h('span', { class: 'field-label' }, 'Label'), label),
        h('label', { class: 'console-field wide', for: 'inbox-q' }, h('span', { class: 'field-label' }, 'Search'), search)),
      this.error,
      this.notices = h('div', { class: 'handoff-notices', id: 'handoff-notices', role: 'status', 'aria-live': 'polite' }),
      h('div', { class: 'conv-scroll' }, this.list, this.more));
    this.pane = h('section', { class: 'pane console-pane', 'aria-label': 'Conversation', id: 'inbox-chat' },
      h('p', { class: 'msg-note' }, 'Pick a conversation.'));
    this.el = h('div', { class: 'split console' }, this.sidebar, this.pane);
    // On a phone one pane shows at a time: the list until a conversation
    // is picked, then the conversation (its header leads back).
    this.el.classList.toggle('has-pane', !!route.id);

    this.loadTeam();
    this.loadList();
    if (route.id) this.select(route.id);
  }

  destroy() {
    if (this.selected) this.announcePresence('left');
  }

  update(route) {
    this.el.classList.toggle('has-pane', !!route.id);
    if (route.id && route.id !== this.selected) this.select(route.id);
  }

  async loadTeam() {
    try {
      const [t, c, m, g] = await Promise.all([this.app.api.get(base(this.handle) + '/team'), this.app.api.get(base(this.handle) + '/canned-replies'),
        this.app.api.get(base(this.handle) + '/macros'), this.app.api.get(base(this.handle) + '/agent-teams')]);
      this.team = t.members;
      this.canned = c.canned_replies;
      this.macros = m.macros;
      this.agentTeams = g.agent_teams;
      if (this.detail) this.renderChat();
    } catch (e) {
      this.fail(e);
    }
  }

  fail(e) {
    this.error.textContent = e instanceof APIError && e.status === 404
      ? `You are not on @${this.handle}'s team.` : (e.message || 'Something went wrong.');
  }

  async loadList(more) {
    try {
      const r = await this.app.api.get(base(this.handle) + '/inbox' + query({ ...this.filters, limit: 50, cursor: more ? this.next : '' }));
      this.items = more ? this.items.concat(r.conversations) : r.conversations;
      this.next = r.next_cursor || '';
      this.error.textContent = '';
      this.renderList();
    } catch (e) {
      this.fail(e);
    }
  }

  renderList() {
    this.more.hidden = !this.next;
    if (!this.items.length) {
      this.list.replaceChildren(h('li', { class: 'empty' }, 'No conversations here.'));
      return;
    }
    this.list.replaceChildren(...this.items.map((it) => {
      const last = it.last_message;
      return h('li', { class: 'inbox-item', 'data-id': it.conversation_id },
        h('a', { href: `/brands/${enc(this.handle)}/c/${enc(it.conversation_id)}`, class: 'conv' + (it.conversation_id === this.selected ? ' active' : '') },
          avatar(it.customer),
          h('span', { class: 'conv-main' },
            h('span', { class: 'conv-top' },
              h('span', { class: 'conv-name', dir: 'auto' }, displayName(it.customer)),
              h('span', { class: 'conv-time' }, shortTime(it.last_message_at))),
            h('span', { class: 'conv-preview', dir: 'auto' }, last ? (last.sender.handle === this.handle ? 'You: ' : '') + flagBidi(last.text) : ''),
            h('span', { class: 'inbox-tags' },
              h('span', { class: `status-pill ${it.status}` }, it.status),
              it.waiting_since && it.status !== 'resolved' && !it.sla ? h('span', { class: 'pill waiting' }, 'waiting') : null,
              slaPill(it.sla),
              it.priority !== 'none' ? h('span', { class: `pill prio-${it.priority}` }, it.priority) : null,
              it.assignee ? h('span', { class: 'pill' }, '→ ' + displayName(it.assignee)) : h('span', { class: 'pill' }, 'unassigned'),
              it.labels.map((l) => h('span', { class: 'pill label' }, '#' + l))))));
    }));
  }

  // filtered tells whether the list shows a subset: a live change may then
  // add or remove rows, which only the server can decide.
  filtered() {
    const f = this.filters;
    return f.view !== 'all' || f.status || f.label || f.q || f.sort !== 'latest';
  }

  // upsert puts a fresh inbox view in the list (top when it moved); a
  // filtered list is reloaded instead, a moment later so that a burst of
  // events costs one request.
  upsert(v) {
    if (this.filtered()) {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.loadList(), 300);
      return;
    }
    const i = this.items.findIndex((x) => x.conversation_id === v.conversation_id);
    if (i >= 0) {
      const moved = this.items[i].last_message_at !== v.last_message_at;
      if (!v.last_message) v = { ...v, last_message: this.items[i].last_message };
      // Events carry no SLA: the list's figure stays until the next load.
      if (!v.sla && this.items[i].sla && v.waiting_since && v.waiting_since === this.items[i].waiting_since) v = { ...v, sla: this.items[i].sla };
      if (moved) {
        this.items.splice(i, 1);
        this.items.unshift(v);
      } else this.items[i] = v;
    } else {
      this.items.unshift(v);
    }
    this.renderList();
  }

  async select(id) {
    if (this.selected && this.selected !== id) this.announcePresence('left');
    this.selected = id;
    this.presence.clear();
    this.renderList();
    try {
      this.detail = await this.app.api.get(base(this.handle) + '/conversations/' + enc(id));
      this.detail.messages.reverse();
      this.renderChat();
      this.announcePresence('viewing');
    } catch (e) {
      this.pane.replaceChildren(h('p', { class: 'msg-note' }, e.message || 'This conversation is not available.'));
    }
  }

  announcePresence(state) {
    const id = this.selected;
    if (!id) return;
    this.app.api.post(base(this.handle) + '/conversations/' + enc(id) + '/presence', { state }).catch(() => {});
  }

  async patch(fields) {
    try {
      const r = await this.app.api.patch(base(this.handle) + '/conversations/' + enc(this.selected), fields);
      this.detail.inbox = r.inbox;
      this.upsert(r.inbox);
      this.renderControls();
      this.chatError.textContent = '';
    } catch (e) {
      this.chatError.textContent = e.message;
    }
  }

  renderChat() {
    const d = this.detail;
    const v = d.inbox;
    this.controls = h('div', { class: 'console-controls', id: 'inbox-controls' });
    // On a phone the controls fold into one summary line, so that the
    // conversation keeps most of the screen; on a desktop they stay open
    // (the summary is hidden there).
    this.controlsSummary = h('summary', { class: 'console-controls-summary', id: 'inbox-controls-summary' });
    this.controlsBox = h('details', { class: 'console-controls-box', open: !phoneWidth.matches }, this.controlsSummary, this.controls);
    this.presenceLine = h('p', { class: 'presence', id: 'inbox-presence', 'aria-live': 'polite' });
    // Focusable, so that a keyboard scrolls it (axe: scrollable-region-focusable).
    this.thread = h('ol', { class: 'message-list console-thread', id: 'inbox-thread', 'aria-label': 'Messages and notes', tabindex: '0' });
    this.chatError = h('p', { class: 'form-error', role: 'alert' });
    this.text = h('textarea', { id: 'inbox-text', rows: '3', placeholder: 'Reply as the brand, or write a private note', maxlength: '4000', 'aria-label': `Reply as @${this.handle}, or private note` });
    this.text.addEventListener('input', () => {
      if (this.text.value.trim() && /^Write (a reply|the note) first\.$/.test(this.chatError.textContent)) this.chatError.textContent = '';
      const now = Date.now();
      if (now - this.lastTyping > 2000) {
        this.lastTyping = now;
        this.announcePresence('typing');
      }
    });
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send(false);
      }
    });
    const picker = h('select', { id: 'inbox-canned', 'aria-label': 'Insert a canned reply' },
      h('option', { value: '' }, 'Canned reply…'),
      this.canned.map((c) => h('option', { value: c.id }, c.title)));
    picker.addEventListener('change', async () => {
      const id = picker.value;
      if (!id) return;
      try {
        const r = await this.app.api.post(base(this.handle) + '/conversations/' + enc(this.selected) + '/render', { canned_reply_id: id });
        // The reply goes in at the caret (over a selection), a space apart
        // from a word before it: it replaced the box, and what the agent
        // had typed was gone.
        const t = this.text;
        const from = t.selectionStart, to = t.selectionEnd;
        const sep = from > 0 && !/\s/.test(t.value[from - 1]) ? ' ' : '';
        t.setRangeText(sep + r.text, from, to, 'end');
        t.focus();
      } catch (e) {
        this.chatError.textContent = e.message;
      }
      picker.value = '';
    });
    const composer = h('form', { class: 'composer console-composer' },
      this.text,
      h('div', { class: 'actions-row' },
        picker,
        macroPicker(this.app, this.handle, () => this.selected, this.macros, (r) => {
          if (r.message) this.addMessage(r.message);
          this.detail.inbox = r.inbox;
          this.upsert(r.inbox);
          this.renderControls();
          this.chatError.textContent = '';
        }, (e) => { this.chatError.textContent = e.message; }),
        h('button', { type: 'button', class: 'btn', id: 'inbox-note', onclick: () => this.send(true) }, 'Add private note'),
        h('button', { type: 'submit', class: 'btn primary', id: 'inbox-send' }, 'Send as @' + this.handle)));
    composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send(false);
    });
    if (!this.panel || this.panel.customer.id !== v.customer.id) this.panel = new CustomerPanel(this.app, this.handle, v.customer);
    if (!this.suggestions || this.suggestions.convID !== this.selected) {
      this.suggestions = new SuggestionPanel(this.app, this.handle, this.selected, (m) => this.addMessage(m));
    }
    this.pane.replaceChildren(
      h('header', { class: 'chat-head console-head' },
        h('a', { class: 'back', href: `/brands/${enc(this.handle)}`, 'aria-label': 'Back to the inbox' }, '‹'),
        avatar(v.customer),
        h('div', { class: 'who' },
          h('span', { class: 'name', id: 'inbox-customer' }, displayName(v.customer)),
          h('a', { class: 'handle', href: '/@' + v.customer.handle }, '@' + v.customer.handle))),
      h('div', { class: 'console-body' },
        h('div', { class: 'console-main' }, this.controlsBox, this.presenceLine, this.thread, this.chatError, composer),
        h('div', { class: 'console-side' }, this.suggestions.el, this.panel.el)));
    this.renderControls();
    this.renderThread();
    this.renderPresence();
  }

  // renderControls redraws the conversation's controls, after the agent's
  // change or a live event. The control that had the focus keeps it (Resolve
  // and Reopen are one place), and labels being typed survive a customer's
  // message: the redraw left the focus on the page and dropped the words.
  renderControls() {
    const v = this.detail.inbox;
    const a = document.activeElement;
    const had = a && this.controls.contains(a) ? a.id : '';
    const typed = had === 'inbox-labels' && a.value !== a.dataset.saved ? a.value : null;
    const labels = h('input', { type: 'text', id: 'inbox-labels', value: v.labels.join(', '), placeholder: 'vip, refund', 'aria-label': 'Labels (comma separated)' });
    labels.dataset.saved = labels.value;
    labels.addEventListener('change', () => {
      labels.dataset.saved = labels.value;
      this.patch({ labels: labels.value.split(',').map((s) => s.trim()).filter(Boolean) });
    });
    const assignees = [['', 'Unassigned'], ...this.team.map((m) => [m.account.handle, displayName(m.account) + (m.available ? '' : ' (away)')])];
    if (v.assignee && !assignees.some(([k]) => k === v.assignee.handle)) assignees.push([v.assignee.handle, displayName(v.assignee)]);
    // An agent team hands it to its next available member (round-robin).
    for (const g of this.agentTeams || []) assignees.push(['team:' + g.name, `Team ${g.name} (next free)`]);
    // A resolved conversation keeps the time its customer's last unanswered
    // message came (the server's waiting_since, for the analytics), but
    // nobody waits on it any more: "Waiting since" beside Reopen read as an
    // open case.
    const waiting = v.waiting_since && v.status !== 'resolved' ? `Waiting since ${fullTime(v.waiting_since)}`
      : v.first_response_at ? `First response ${fullTime(v.first_response_at)}` : '';
    const statusName = (STATUSES.find(([k]) => k === v.status) || [v.status, v.status])[1];
    this.controlsSummary.replaceChildren(...[
      h('span', { class: 'summary-title' }, statusName),
      ' · ', v.assignee ? displayName(v.assignee) : 'Unassigned',
      v.priority && v.priority !== 'none' ? ` · ${(PRIORITIES.find(([k]) => k === v.priority) || [0, v.priority])[1]} priority` : '',
      v.labels.length ? ` · ${v.labels.join(', ')}` : '',
      v.sla && v.sla.breached ? h('span', { class: 'sla-line sla-breached' }, ' · overdue') : null].filter(Boolean));
    this.controls.replaceChildren(
      select('inbox-set-status', 'Status', STATUSES, v.status, (s) => {
        if (s === 'snoozed') this.patch({ status: s, snoozed_until: new Date(Date.now() + 4 * 3600e3).toISOString() });
        else this.patch({ status: s });
      }),
      select('inbox-assignee', 'Assignee', assignees, v.assignee ? v.assignee.handle : '',
        (a) => this.patch(a.startsWith('team:') ? { team: a.slice(5) } : { assignee: a })),
      select('inbox-priority', 'Priority', PRIORITIES, v.priority, (p) => this.patch({ priority: p })),
      h('label', { class: 'console-field', for: 'inbox-labels' }, h('span', { class: 'field-label' }, 'Labels'), labels),
      v.status !== 'resolved'
        ? h('button', { type: 'button', class: 'btn small', id: 'inbox-resolve', onclick: () => this.patch({ status: 'resolved' }) }, 'Resolve')
        : h('button', { type: 'button', class: 'btn small', id: 'inbox-reopen', onclick: () => this.patch({ status: 'open' }) }, 'Reopen'),
      h('p', { class: 'hint', id: 'inbox-waiting' }, waiting, v.snoozed_until ? ` · snoozed until ${fullTime(v.snoozed_until)}` : '',
        v.sla ? h('span', { class: 'sla-line' + (v.sla.breached ? ' sla-breached' : ''), id: 'inbox-sla' }, ' · ', slaText(v.sla)) : null));
    if (!had) return;
    const to = document.getElementById(had) || document.getElementById({ 'inbox-resolve': 'inbox-reopen', 'inbox-reopen': 'inbox-resolve' }[had]);
    if (!to) return;
    if (typed !== null) to.value = typed;
    to.focus();
  }

  renderThread() {
    const d = this.detail;
    // The stored order, never times: a message by its seq, a note right
    // after the message it followed (after_seq), notes among themselves in
    // the server's order. Times from two nodes' clocks, or RFC 3339
    // strings with trimmed fractions, do not sort.
    const entries = [
      ...d.messages.map((m) => ({ seq: m.seq, kind: 0, i: 0, m })),
      ...d.notes.map((n, i) => ({ seq: n.after_seq || 0, kind: 1, i, n })),
      ...(d.audit || []).map((a, i) => ({ seq: a.after_seq || 0, kind: 2, i, a })),
    ].sort((a, b) => a.seq - b.seq || a.kind - b.kind || a.i - b.i);
    this.thread.replaceChildren(...entries.map((e) => (e.m ? this.messageItem(e.m) : e.n ? this.noteItem(e.n) : auditItem(e.a))));
    this.thread.scrollTop = this.thread.scrollHeight;
  }

  messageItem(m) {
    const ours = m.sender.handle === this.handle;
    const who = ours
      ? (m.automated ? 'Automated' : m.author ? displayName(m.author) : '@' + this.handle)
      : displayName(m.sender);
    return h('li', { class: `msg ${ours ? 'mine' : 'theirs'}${m.automated ? ' automated' : ''}`, 'data-id': m.id },
      h('span', { class: 'msg-author' }, who, ' · ', clockTime(m.created_at)),
      h('div', { class: 'row' }, h('div', { class: 'bubble' }, h('span', { class: 'text', dir: 'auto' }, m.deleted ? 'Message deleted' : flagBidi(m.text)),
        m.deleted ? null : productCard(m.product))),
      consoleQuickReplies(m));
  }

  noteItem(n) {
    return h('li', { class: 'note', 'data-note': n.id },
      h('span', { class: 'msg-author' }, 'Private note · ', displayName(n.author), ' · ', clockTime(n.created_at)),
      h('div', { class: 'note-body' }, h('span', { class: 'text', dir: 'auto' }, flagBidi(n.text))));
  }

  renderPresence() {
    if (!this.presenceLine) return;
    const parts = [...this.presence].map(([who, state]) => `${who} is ${state === 'typing' ? 'typing…' : 'viewing'}`);
    this.presenceLine.textContent = parts.join(' · ');
  }

  async send(note) {
    const text = this.text.value;
    if (!this.selected) return;
    if (!text.trim()) {
      // Say so, rather than a button that does nothing.
      this.chatError.textContent = note ? 'Write the note first.' : 'Write a reply first.';
      this.text.focus();
      return;
    }
    const id = this.selected;
    try {
      if (note) {
        const r = await this.app.api.post(base(this.handle) + '/conversations/' + enc(id) + '/notes', { text });
        this.addNote(r.note);
      } else {
        const r = await this.app.api.post(base(this.handle) + '/conversations/' + enc(id) + '/messages',
          { text, client_id: 'web-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) });
        this.addMessage(r.message);
      }
      this.text.value = '';
      this.chatError.textContent = '';
    } catch (e) {
      this.chatError.textContent = e.message;
    }
  }

  addMessage(m) {
    if (!this.detail || m.conversation_id !== this.selected) return;
    const i = this.detail.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) {
      if (m.author || !this.detail.messages[i].author) this.detail.messages[i] = m;
    } else this.detail.messages.push(m);
    this.renderThread();
  }

  addNote(n) {
    if (!this.detail || n.conversation_id !== this.selected) return;
    if (this.detail.notes.some((x) => x.id === n.id)) return;
    this.detail.notes.push(n);
    this.renderThread();
  }

  onEvent(ev) {
    if (ev.brand !== this.handle) return;
    switch (ev.type) {
      case 'inbox.message':
        if (ev.inbox) this.upsert(ev.inbox);
        if (ev.message && ev.conversation_id === this.selected) {
          this.addMessage({ ...ev.message, author: ev.actor || null });
          if (ev.inbox && this.detail) {
            this.detail.inbox = ev.inbox;
            this.renderControls();
          }
        }
        break;
      case 'inbox.updated':
        if (ev.state === 'handoff' && ev.inbox) handoffNotice(this.notices, this.handle, ev.inbox);
        if (ev.inbox) this.upsert(ev.inbox);
        if (ev.inbox && ev.conversation_id === this.selected && this.detail) {
          this.detail.inbox = ev.inbox;
          this.renderControls();
        }
        break;
      case 'inbox.note':
        if (ev.note) this.addNote(ev.note);
        break;
      case 'inbox.audit':
        if (ev.audit && this.detail && ev.conversation_id === this.selected) {
          this.detail.audit = this.detail.audit || [];
          if (!this.detail.audit.some((x) => x.id === ev.audit.id)) {
            this.detail.audit.push(ev.audit);
            this.renderThread();
          }
          // The panel shows the labels: read it again, once per burst.
          if (ev.audit.field === 'labels' && this.panel) {
            clearTimeout(this.panelTimer);
            this.panelTimer = setTimeout(() => this.panel.load(), 200);
          }
        }
        break;
      case 'inbox.mention':
        mentionNotice(this.notices, this.handle, ev);
        break;
      case 'inbox.message_updated':
        if (ev.message && ev.conversation_id === this.selected && this.detail) {
          const i = this.detail.messages.findIndex((x) => x.id === ev.message.id);
          if (i >= 0) {
            this.detail.messages[i] = { ...ev.message, author: this.detail.messages[i].author };
            this.renderThread();
          }
        }
        break;
      case 'inbox.presence':
        if (ev.conversation_id !== this.selected || !ev.actor || ev.actor.id === this.app.me.id) return;
        if (ev.state === 'left') this.presence.delete(displayName(ev.actor));
        else this.presence.set(displayName(ev.actor), ev.state);
        this.renderPresence();
        break;
      case 'team.updated':
        if (ev.state === 'removed' && ev.actor && ev.actor.id === this.app.me.id) {
          this.selected = '';
          this.detail = null;
          this.items = [];
          this.renderList();
          this.pane.replaceChildren(h('p', { class: 'msg-note', id: 'inbox-revoked' }, `You are no longer on @${this.handle}'s team.`));
        } else {
          this.loadTeam();
        }
        break;
    }
  }
}

// The analytics page.

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

// barChart draws grouped bars per day for each series, with a y axis of
// three ticks and a date under every few bars. Each bar has a tooltip.
export function barChart(title, days, series) {
  const W = 640, H = 220, L = 36, R = 8, T = 12, B = 28;
  const max = Math.max(1, ...days.flatMap((d) => series.map((s) => d[s.key])));
  const top = Math.ceil(max / 2) * 2 || 2;
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const slot = (W - L - R) / Math.max(1, days.length);
  const bw = Math.max(2, (slot * 0.8) / series.length);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  chart.appendChild(svg('title', {}, title));
  for (const v of [0, top / 2, top]) {
    chart.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
    chart.appendChild(svg('text', { x: L - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, String(v)));
  }
  const every = Math.max(1, Math.ceil(days.length / 10));
  days.forEach((d, i) => {
    const x0 = L + i * slot + slot * 0.1;
    series.forEach((s, j) => {
      const v = d[s.key];
      const bar = svg('rect', { x: x0 + j * bw, y: y(v), width: Math.max(1, bw - 1), height: Math.max(0, y(0) - y(v)), class: `bar ${s.cls}`, 'data-value': v });
      bar.appendChild(svg('title', {}, `${s.label}, ${d.date}: ${v}`));
      chart.appendChild(bar);
    });
    if (i % every === 0) {
      chart.appendChild(svg('text', { x: L + i * slot + slot / 2, y: H - 8, class: 'tick', 'text-anchor': 'middle' }, d.date.slice(5)));
    }
  });
  const legend = h('p', { class: 'legend' }, series.map((s) => h('span', { class: 'legend-item' },
    svg('svg', { width: 12, height: 12, 'aria-hidden': 'true' }, svg('rect', { width: 12, height: 12, class: `bar ${s.cls}` })), ' ', s.label)));
  return h('figure', { class: 'card chart-card' }, h('figcaption', null, h('h2', null, title)), chart, legend);
}

// rateBar is a horizontal gauge of a share (0..1) against a target. Its
// parts are placed in percent of the card's width, with no viewBox: a
// 200 x 14 viewBox kept its shape, so in a card wider than 200 px (every
// card at 390 px wide, one a row) it was drawn 200 px wide in the middle.
function rateBar(value, target) {
  const H = 14;
  const pc = (x) => `${(Math.max(0, Math.min(1, x)) * 100).toFixed(2)}%`;
  const g = svg('svg', { class: 'gauge', role: 'img', 'aria-label': `${percent(value)} (target ${percent(target)})` });
  g.appendChild(svg('rect', { width: '100%', height: H, rx: 7, class: 'gauge-bg' }));
  if (value !== null && value !== undefined) {
    g.appendChild(svg('rect', { width: pc(value), height: H, rx: 7, class: value >= target ? 'gauge-ok' : 'gauge-low' }));
  }
  g.appendChild(svg('line', { x1: pc(target), x2: pc(target), y1: 0, y2: H, class: 'gauge-target' }));
  return g;
}

export function analyticsPage(app, handle) {
  const body = h('div', { class: 'stack', id: 'analytics' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  let days = 7;
  const links = h('p', { class: 'actions-row' });
  const load = async () => {
    // No "to": the server counts up to its own now, so that what happened
    // this second is in; "from" is whole seconds (RFC 3339 without fraction).
    const from = new Date(Date.now() - days * 86400e3);
    const q = { from: from.toISOString().replace(/\.\d+Z$/, 'Z') };
    try {
      const r = await app.api.get(base(handle) + '/analytics' + query(q));
      err.textContent = '';
      render(r);
      links.replaceChildren(
        h('a', { class: 'btn small', href: base(handle) + '/analytics.csv' + query({ ...q, table: 'summary' }), download: `${handle}-summary.csv` }, 'Export summary (CSV)'),
        h('a', { class: 'btn small', href: base(handle) + '/analytics.csv' + query({ ...q, table: 'days' }), download: `${handle}-days.csv` }, 'Export days (CSV)'));
    } catch (e) {
      err.textContent = e instanceof APIError && e.status === 404 ? `You are not on @${handle}'s team.` : e.message;
    }
  };
  const card = (label, value, extra) => h('div', { class: 'card stat' }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value), extra || null);
  const render = (r) => {
    const s = r.summary;
    body.replaceChildren(
      h('div', { class: 'stats', id: 'analytics-summary' },
        card('Response rate', percent(s.response_rate), rateBar(s.response_rate, 0.9)),
        card('First response (median)', duration(s.first_response_seconds.median), h('span', { class: 'hint' }, `p90 ${duration(s.first_response_seconds.p90)}`)),
        card('In business hours (median)', duration(s.first_response_business_seconds.median), h('span', { class: 'hint' }, `p90 ${duration(s.first_response_business_seconds.p90)}`)),
        card('Conversations', String(s.conversations), h('span', { class: 'hint' }, `${s.resolved} resolved`)),
        card('Messages', `${s.messages_in} in · ${s.messages_out} out`, h('span', { class: 'hint' }, `${s.messages_automated} automated`))),
      barChart('Conversations opened and resolved per day', r.days, [
        { key: 'opened', label: 'Opened', cls: 'opened' }, { key: 'resolved', label: 'Resolved', cls: 'resolved' }]),
      barChart('Messages per day', r.days, [
        { key: 'messages_in', label: 'From customers', cls: 'in' }, { key: 'messages_out', label: 'From the brand', cls: 'out' }]),
      h('div', { class: 'card' }, h('h2', null, 'Agents'),
        // Focusable, so that a keyboard scrolls it sideways on a phone.
        h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Agents table' }, h('table', { class: 'agents', id: 'analytics-agents' },
          h('thead', null, h('tr', null, ['Agent', 'Assigned', 'Answered', 'Response rate', 'First response (median)', 'p90', 'Resolved', 'Messages'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, r.agents.map((a) => h('tr', null,
            h('th', { scope: 'row' }, displayName(a.agent)),
            h('td', null, String(a.conversations)), h('td', null, String(a.responded)),
            h('td', null, percent(a.response_rate)), h('td', null, duration(a.first_response_seconds.median)),
            h('td', null, duration(a.first_response_seconds.p90)), h('td', null, String(a.resolved)), h('td', null, String(a.messages_out)))))))),
      h('p', { class: 'hint' }, `Days in ${r.time_zone}. A conversation counts once per opening; first response is the first answer by a person.`));
  };
  const period = select('analytics-period', 'Period', [['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days']], '7', (v) => { days = Number(v); load(); });
  const el = h('section', { class: 'page console-analytics' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Analytics`)),
    brandNav(handle, 'analytics'),
    h('div', { class: 'actions-row' }, period, links),
    err, body);
  load();
  return { el, title: `Analytics · @${handle}` };
}

// settingsPage manages the team, canned replies and business hours. The
// server enforces who may change what (owners and admins); an agent sees
// the same page and gets the server's refusal as a message.
const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const PLACEHOLDERS = ['first_name', 'name', 'handle', 'brand_name', 'agent_first_name', 'agent_name'];

export function settingsPage(app, handle) {
  const b = base(handle);
  const teamBody = h('tbody');
  const teamErr = h('p', { class: 'form-error', role: 'alert' });
  const cannedList = h('ul', { class: 'stack-sm', id: 'canned-list' });
  const cannedErr = h('p', { class: 'form-error', role: 'alert', id: 'canned-error' });
  const hoursForm = h('form', { class: 'stack', id: 'hours-form' });
  const hoursMsg = h('p', { class: 'form-ok', role: 'status' });
  const hoursErr = h('p', { class: 'form-error', role: 'alert' });

  const guard = async (box, fn) => {
    box.textContent = '';
    try {
      await fn();
    } catch (e) {
      box.textContent = e.message || 'Something went wrong.';
    }
  };

  // removeButton takes a member off the team in two presses, as a rule's
  // Delete: one press did it at once, and every row's button was just
  // "Remove" to a screen reader; it names the member now.
  const removeButton = (m) => askFirstButton('Remove', `Remove ${displayName(m.account)} from the team`, () => guard(teamErr, async () => {
    await app.api.del(b + '/team/' + enc(m.account.handle));
    await loadTeam();
  }), { class: 'btn small danger-outline manage' });

  // Agents see the same page read-only (but may change their own
  // availability); the server refuses their changes anyway.
  let manager = false;
  const loadTeam = () => guard(teamErr, async () => {
    const mine = await app.api.get('/api/v1/brands');
    const me = mine.brands.find((x) => x.brand.handle === handle);
    manager = !!me && (me.role === 'owner' || me.role === 'admin');
    el.classList.toggle('readonly', !manager);
    const r = await app.api.get(b + '/team');
    // The brand's own account is not a row: alone, it had only the header.
    if (!r.members.length) {
      teamBody.replaceChildren(h('tr', { id: 'team-empty' }, h('td', { colspan: '4', class: 'muted' },
        manager ? 'No team members yet. Add one by handle below.' : 'No team members yet.')));
      return;
    }
    // A role picked from the keyboard redraws the rows: the focus goes back
    // to the same control of the same member (it fell to the page).
    const a = document.activeElement;
    const had = a && teamBody.contains(a) ? a.getAttribute('aria-label') : '';
    teamBody.replaceChildren(...r.members.map((m) => {
      const role = h('select', { 'aria-label': `Role of ${displayName(m.account)}`, disabled: !manager },
        ['agent', 'admin', 'owner'].map((x) => h('option', { value: x, selected: x === m.role }, x)));
      role.value = m.role;
      role.addEventListener('change', () => guard(teamErr, async () => {
        await app.api.patch(b + '/team/' + enc(m.account.handle), { role: role.value });
        loadTeam();
      }));
      const avail = h('input', { type: 'checkbox', checked: m.available, 'aria-label': `${displayName(m.account)} is available`,
        disabled: !manager && m.account.id !== app.me.id });
      avail.addEventListener('change', () => guard(teamErr, async () => {
        await app.api.patch(b + '/team/' + enc(m.account.handle), { available: avail.checked });
      }));
      return h('tr', { 'data-member': m.account.handle },
        h('th', { scope: 'row' }, displayName(m.account), h('span', { class: 'muted' }, ' @' + m.account.handle)),
        h('td', null, role), h('td', null, avail),
        h('td', null, removeButton(m)));
    }));
    if (had) [...teamBody.querySelectorAll('[aria-label]')].find((e) => e.getAttribute('aria-label') === had)?.focus();
  });

  // Visible labels, as the console's other forms have: a placeholder
  // alone went away with the first letter typed.
  const addHandle = h('input', { type: 'text', id: 'team-add-handle', placeholder: 'handle', autocomplete: 'off', autocapitalize: 'none' });
  const addRole = h('select', { id: 'team-add-role' }, ['agent', 'admin', 'owner'].map((x) => h('option', { value: x }, x)));
  const addForm = h('form', { class: 'inline manage team-add', id: 'team-add' },
    h('label', { class: 'field team-add-handle' }, h('span', { class: 'field-label' }, 'Add a member by handle'), addHandle),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Role'), addRole),
    h('button', { type: 'submit', class: 'btn primary' }, 'Add to team'));
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    guard(teamErr, async () => {
      await app.api.post(b + '/team', { handle: addHandle.value.trim().replace(/^@/, ''), role: addRole.value });
      addHandle.value = '';
      loadTeam();
    });
  });

  const loadCanned = () => guard(cannedErr, async () => {
    const r = await app.api.get(b + '/canned-replies');
    if (!r.canned_replies.length) {
      cannedList.replaceChildren(h('li', { class: 'muted', id: 'canned-empty' }, 'No canned replies yet. Save one below to insert it from the inbox.'));
      return;
    }
    cannedList.replaceChildren(...r.canned_replies.map((c) => h('li', { class: 'canned', 'data-id': c.id },
      h('strong', null, c.title), ' ', h('span', { class: 'pill' }, c.personal ? 'mine' : 'shared'), h('p', { class: 'muted' }, c.text),
      // An agent deletes their own; the shared ones are the managers'.
      // It asks first, as a flow's Delete does: one click took it.
      askFirstButton('Delete', `Delete canned reply ${c.title}`, () => guard(cannedErr, async () => {
        await app.api.del(b + '/canned-replies/' + enc(c.id));
        await loadCanned();
      }), { class: 'btn small danger-outline' + (c.personal ? '' : ' manage') }))));
  });
  const cTitle = h('input', { type: 'text', id: 'canned-title', maxlength: '64' });
  const cText = h('textarea', { id: 'canned-text', rows: '3', placeholder: 'Hi {{first_name|there}}, thanks for reaching out to {{brand_name}}!' });
  // Any member saves their own canned replies; owners and admins save
  // shared ones unless they tick "Only for me".
  const cPersonal = h('input', { type: 'checkbox', id: 'canned-personal' });
  const cForm = h('form', { class: 'stack-sm', id: 'canned-form', 'aria-labelledby': 'canned-new' },
    h('h3', { id: 'canned-new' }, 'New canned reply'),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Title'), cTitle),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Text'), cText),
    h('label', { class: 'choice manage' }, cPersonal, ' Only for me'),
    h('p', { class: 'hint' }, 'Placeholders: ', PLACEHOLDERS.map((p) => `{{${p}}}`).join(', '), '. Add a fallback after |, as in {{first_name|there}}.'),
    h('div', null, h('button', { type: 'submit', class: 'btn small primary', id: 'canned-save' }, 'Save canned reply')));
  cForm.addEventListener('submit', (e) => {
    e.preventDefault();
    guard(cannedErr, async () => {
      await app.api.post(b + '/canned-replies', { title: cTitle.value, text: cText.value, personal: cPersonal.checked });
      cTitle.value = '';
      cText.value = '';
      loadCanned();
    });
  });

  const loadHours = () => guard(hoursErr, async () => {
    const { settings: st } = await app.api.get(b + '/settings');
    const tz = h('input', { type: 'text', id: 'hours-tz', value: st.time_zone, 'aria-label': 'Time zone' });
    const enabled = h('input', { type: 'checkbox', id: 'hours-enabled', checked: st.hours_enabled });
    const rows = DAYS.map(([d, name]) => {
      const span = st.hours.find((x) => x.day === d);
      const on = h('input', { type: 'checkbox', id: `hours-on-${d}`, checked: !!span, 'aria-label': `Open on ${name}` });
      const open = h('input', { type: 'time', id: `hours-open-${d}`, value: span ? span.open : '09:00', 'aria-label': `${name} opens` });
      const close = h('input', { type: 'time', id: `hours-close-${d}`, value: span ? (span.close === '24:00' ? '23:59' : span.close) : '17:00', 'aria-label': `${name} closes` });
      return { d, on, open, close, el: h('div', { class: 'inline hours-row' }, h('label', { class: 'choice' }, on, ' ', name), open, close) };
    });
    const away = h('textarea', { id: 'hours-away', rows: '2', value: st.away_message, placeholder: 'Sent once a day to customers who write outside business hours' });
    const showName = h('input', { type: 'checkbox', id: 'hours-show-name', checked: st.show_agent_name });
    const auto = h('input', { type: 'checkbox', id: 'hours-auto', checked: st.auto_assign });
    hoursForm.replaceChildren(
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Time zone (IANA, e.g. Europe/Paris)'), tz),
      h('label', { class: 'choice' }, enabled, ' Use business hours'),
      h('div', { class: 'hours-days', id: 'hours-days', role: 'group', 'aria-label': 'Opening hours per day' }, rows.map((r) => r.el)),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Away message'), away),
      h('label', { class: 'choice' }, showName, ' Show customers the agent\'s first name'),
      h('label', { class: 'choice' }, auto, ' Assign new conversations round-robin to available members'),
      hoursErr, hoursMsg,
      h('div', { class: 'manage' }, h('button', { type: 'submit', class: 'btn primary', id: 'hours-save' }, 'Save settings')));
    hoursForm.onsubmit = (e) => {
      e.preventDefault();
      hoursMsg.textContent = '';
      guard(hoursErr, async () => {
        await app.api.call('PUT', b + '/settings', {
          time_zone: tz.value.trim(), hours_enabled: enabled.checked, away_message: away.value,
          show_agent_name: showName.checked, auto_assign: auto.checked,
          hours: rows.filter((r) => r.on.checked).map((r) => ({ day: r.d, open: r.open.value, close: r.close.value })),
        });
        hoursMsg.textContent = 'Saved.';
      });
    };
  });

  const el = h('section', { class: 'page console-analytics console-settings' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Team & settings`)),
    brandNav(handle, 'settings'),
    h('p', { class: 'notice readonly-note' }, 'Only the brand\'s owners and admins change the team and settings.'),
    h('div', { class: 'card stack' }, h('h2', null, 'Team'),
      h('div', { class: 'table-scroll' }, h('table', { class: 'agents', id: 'team-table' },
        h('thead', null, h('tr', null, ['Member', 'Role', 'Available', ''].map((t) => h('th', { scope: 'col' }, t)))), teamBody)),
      addForm, teamErr),
    h('div', { class: 'card stack' }, h('h2', null, 'Canned replies'), cannedList, cForm, cannedErr),
    h('div', { class: 'card stack' }, h('h2', null, 'Business hours'), hoursForm));
  loadTeam();
  loadCanned();
  loadHours();
  return { el, title: `Settings · @${handle}` };
}

// brandsPage lists the caller's teams (the console's entry point).
export function brandsPage(app) {
  const list = h('ul', { class: 'stack plain-list', id: 'my-brands' });
  const el = h('section', { class: 'page narrow' }, h('div', { class: 'card' }, h('h1', null, 'Brand consoles'), list));
  app.api.get('/api/v1/brands').then((r) => {
    if (!r.brands.length) {
      list.replaceChildren(h('li', { class: 'muted' }, 'You are not on any brand\'s team.'));
      return;
    }
    list.replaceChildren(...r.brands.map((b) => h('li', null,
      h('a', { href: `/brands/${enc(b.brand.handle)}`, class: 'result' }, avatar(b.brand), h('span', { class: 'who' },
        h('span', { class: 'name' }, displayName(b.brand)), h('span', { class: 'handle' }, `@${b.brand.handle} · ${b.role}`))))));
  }).catch((e) => list.replaceChildren(h('li', { class: 'form-error' }, e.message)));
  return { el, title: 'Brands' };
}
