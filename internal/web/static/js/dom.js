// DOM helpers. Every string from a user goes through text nodes
// (document.createTextNode / textContent), never parsed as markup, so a
// message such as <img src=x onerror=alert(1)> is shown as what it is: text.

// h creates an element. attrs: "class", "text", "on<event>" handlers,
// boolean attributes (true/false), and any other attribute (set when not
// null/undefined/false). children: nodes, strings (as text), arrays, or
// null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// Avatar colours come from a fixed palette of CSS classes (the CSP forbids
// inline style attributes in markup, and classes keep the look in the CSS).
export function avatar(profile, size = '') {
  const name = (profile && (profile.display_name || profile.handle)) || '?';
  const letters = initials(name);
  const key = (profile && (profile.handle || profile.id)) || name;
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return h('span', { class: `avatar av${hash % 8} ${size}`, 'aria-hidden': 'true' }, letters);
}

function initials(name) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = [...(parts[0] || '?')][0] || '?';
  const second = parts.length > 1 ? [...parts[parts.length - 1]][0] : '';
  return (first + second).toUpperCase();
}

export function displayName(p) {
  return flagBidi((p && (p.display_name || p.handle)) || 'Someone');
}

// Bidirectional embedding, override and isolate controls make text read as
// something else ("invoice_<U+202E>fdp.exe" shows as "invoice_exe.pdf").
// The server refuses them in names; in messages they are shown for what they
// are, as a visible tag, and user text is isolated (dir="auto") so that
// nothing reorders the page around it.
const BIDI = { '\u202a': 'LRE', '\u202b': 'RLE', '\u202c': 'PDF', '\u202d': 'LRO', '\u202e': 'RLO', '\u2066': 'LRI', '\u2067': 'RLI', '\u2068': 'FSI', '\u2069': 'PDI' };
const BIDI_RE = /[\u202a-\u202e\u2066-\u2069]/g;

export function flagBidi(s) {
  return s ? s.replace(BIDI_RE, (c) => `[${BIDI[c]}]`) : s;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// shortTime is a time for today, a date otherwise: what a conversation list shows.
export function shortTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return timeFmt.format(d);
  return dayFmt.format(d);
}

export function clockTime(iso) {
  return iso ? timeFmt.format(new Date(iso)) : '';
}

export function fullTime(iso) {
  return iso ? fullFmt.format(new Date(iso)) : '';
}

// debounce calls fn once ms have passed without another call; .cancel()
// drops a call still waiting.
export function debounce(fn, ms) {
  let t = 0;
  const d = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

// Links, e-mail addresses and phone numbers in a message become links,
// built as elements around text nodes (never parsed as markup). Only http
// and https addresses link to the web; they open in a new tab that learns
// nothing of this one (noopener) nor this address (noreferrer).
const LINK_RE = /\bhttps?:\/\/[^\s<>"']+|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|\+?\d[\d ().-]{5,}\d/g;

export function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(LINK_RE)) {
    let s = m[0];
    // Sentence punctuation after a link is not part of it.
    const trail = /[.,;:!?)\]]+$/.exec(s);
    if (trail && s.startsWith('http')) s = s.slice(0, -trail[0].length);
    const href = linkTarget(s);
    if (!href) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('a', { href, rel: 'noopener noreferrer', target: '_blank', class: 'msg-link' }, s));
    last = m.index + s.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function linkTarget(s) {
  if (/^https?:\/\//i.test(s)) {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
    } catch (e) {
      return '';
    }
  }
  if (s.includes('@')) return 'mailto:' + s;
  const digits = s.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return '';
  return 'tel:' + (s.startsWith('+') ? '+' : '') + digits;
}

// askFirstButton is a Delete (or Remove) that asks before it acts: the first
// press turns it into "Delete?" (focused, its aria-label "Confirm: …"), the
// second runs act; leaving it (blur) takes the question back. label names the
// thing to a screen reader ("Delete macro Refund"), since every row's button
// reads the same to the eye. extra: more attributes (class, data-*).
//
// Once act has taken the row (and the pressed button) away, the focus goes
// to the same button of the next row, or to the first control after the
// list in its card (the form that adds one), or to the card's first: it
// fell to the page, and a keyboard user started again from the top.
export function askFirstButton(word, label, act, extra = {}) {
  const btn = h('button', { type: 'button', class: 'btn small danger-outline', 'data-action': word.toLowerCase(), ...extra, 'aria-label': label }, word);
  const reset = () => { delete btn.dataset.confirm; btn.textContent = word; btn.setAttribute('aria-label', label); };
  btn.addEventListener('blur', reset);
  btn.addEventListener('click', () => {
    if (!btn.dataset.confirm) {
      btn.dataset.confirm = '1';
      btn.textContent = word + '?';
      btn.setAttribute('aria-label', 'Confirm: ' + label.charAt(0).toLowerCase() + label.slice(1));
      btn.focus();
      return;
    }
    reset();
    keepFocus(btn, act);
  });
  return btn;
}

// focusLost tells whether the keyboard focus fell to the page: where a
// control that had it goes when it is disabled or taken out.
export const focusLost = () => !document.activeElement || document.activeElement === document.body;

// busy disables el while act runs (a request): a disabled control loses
// the keyboard focus to the page, so when el had it and nothing else took
// it meanwhile, back() places it again (by default on el, enabled again;
// el may have been redrawn away, and back then names where to go).
export async function busy(el, act, back = () => el.focus()) {
  const had = document.activeElement === el;
  el.disabled = true;
  try {
    return await act();
  } finally {
    el.disabled = false;
    if (had && focusLost()) back();
  }
}

const usable = (e) => !e.disabled && e.offsetParent !== null && e.tabIndex >= 0;
const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]';

async function keepFocus(btn, act) {
  const list = btn.closest('ul, ol, tbody');
  const card = btn.closest('.card') || (list && list.parentElement);
  const same = () => (list ? [...list.querySelectorAll(`[data-action="${CSS.escape(btn.dataset.action)}"]`)].filter(usable) : []);
  const at = same().indexOf(btn);
  await act();
  if (btn.isConnected || !focusLost() || !card || !card.isConnected) return;
  const next = same();
  let to = at >= 0 ? next[Math.min(at, next.length - 1)] : null;
  if (!to) {
    const all = [...card.querySelectorAll(FOCUSABLE)].filter(usable);
    to = all.find((e) => list && list.isConnected && (list.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING) && !list.contains(e)) || all[0];
  }
  if (to) to.focus();
}
