// Trust and safety in the web app: the settings cards "Change password" and
// "Sessions", the page that sets a password from an operator's reset link,
// the report dialog (messages and profiles), and the operators' moderation
// page. Every string from a user goes through text nodes (h / textContent).

import { APIError } from './api.js';
import { h, avatar, displayName, focusLost } from './dom.js';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const fmt = (iso) => (iso ? when.format(new Date(iso)) : 'unknown');

function errorBox() {
  return h('p', { class: 'form-error', role: 'alert' });
}

function field(id, label, input, hint) {
  input.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id, class: 'field-label' }, label), input, hintEl);
}

// run disables a button while fn runs and shows an error in box; the
// button gets back the keyboard focus that disabling it took.
function run(box, fn) {
  return async (e) => {
    const b = e && e.currentTarget;
    const focused = b && b === document.activeElement;
    if (b) b.disabled = true;
    box.textContent = '';
    try {
      await fn();
    } catch (x) {
      box.textContent = x.message || 'Something went wrong.';
    } finally {
      if (b && b.isConnected) {
        b.disabled = false;
        const now = document.activeElement;
        if (focused && (!now || now === document.body)) b.focus();
      }
    }
  };
}

// Badges: a verified brand, a suspended account. Text, so screen readers read them.
export function badges(p) {
  if (!p) return null;
  return [
    p.verified ? h('span', { class: 'pill verified', title: 'Verified by the operators of this server' }, '✓ Verified') : null,
    p.suspended ? h('span', { class: 'pill suspended' }, 'Suspended account') : null,
  ];
}

// passwordCard: change the password (asks the current one; the other
// sessions end).
export function passwordCard(app) {
  const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
  const again = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
  const err = errorBox();
  const ok = h('p', { class: 'form-ok', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Change password');
  const form = h('form', { class: 'stack', id: 'password-form', novalidate: true },
    field('pw-current', 'Current password', cur),
    field('pw-new', 'New password', next, 'At least 8 characters. Your other sessions will be logged out.'),
    field('pw-again', 'New password again', again),
    err, ok, h('div', { class: 'actions-row' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ok.textContent = '';
    run(err, async () => {
      if (!cur.value || !next.value) throw new Error('Enter your current and new passwords.');
      if (next.value !== again.value) throw new Error('The two new passwords differ.');
      await app.api.post('/api/v1/me/password', { current_password: cur.value, new_password: next.value });
      cur.value = next.value = again.value = '';
      ok.textContent = 'Password changed. Your other sessions are logged out.';
      app.announce('Password changed.');
      if (form.reloadSessions) form.reloadSessions();
    })({ currentTarget: submit });
  });
  return h('div', { class: 'card stack', id: 'password' }, h('h2', null, 'Change password'), form);
}

// sessionsCard: where the account is logged in; end one, or all.
export function sessionsCard(app, pwCard) {
  const list = h('ul', { class: 'session-list', id: 'session-list', 'aria-label': 'Your sessions' });
  const err = errorBox();
  const load = async () => {
    try {
      const r = await app.api.get('/api/v1/me/sessions');
      list.replaceChildren(...r.sessions.map((s) => h('li', { class: 'session-row' },
        h('div', { class: 'who' },
          h('span', { class: 'name' }, s.user_agent ? shortAgent(s.user_agent) : 'Unknown device',
            s.current ? h('span', { class: 'pill' }, 'This device') : null),
          h('span', { class: 'hint' }, `${s.address || 'unknown address'} · signed in ${fmt(s.created_at)} · last seen ${fmt(s.last_seen_at)}`)),
        s.current ? null : h('button', { type: 'button', class: 'btn small', 'aria-label': `Log out ${s.user_agent ? shortAgent(s.user_agent) : 'this session'} (${fmt(s.created_at)})`,
          onclick: run(err, async () => {
            await app.api.del('/api/v1/me/sessions/' + encodeURIComponent(s.id));
            app.announce('Session ended.');
            await load();
          }) }, 'Log out'))));
    } catch (x) {
      err.textContent = x.message;
    }
  };
  const everywhere = h('button', { type: 'button', class: 'btn danger-outline', id: 'logout-everywhere', onclick: run(err, async () => {
    await app.api.del('/api/v1/me/sessions');
    app.signedOut('You are logged out everywhere.');
    app.navigate('/login');
  }) }, 'Log out everywhere');
  const pwForm = pwCard && pwCard.querySelector('form');
  if (pwForm) pwForm.reloadSessions = load;
  load();
  return h('div', { class: 'card stack', id: 'sessions' }, h('h2', null, 'Sessions'),
    h('p', { class: 'hint' }, 'Where your account is logged in. Log out any you don’t recognise, then change your password.'),
    list, err, h('div', { class: 'actions-row' }, everywhere));
}

// myReportsCard: the reports the account filed and where each stands
// (open until an operator closes it). Newest first; "Show more" pages on.
export function myReportsCard(app) {
  const list = h('ul', { class: 'report-list', id: 'my-reports', 'aria-label': 'Your reports' });
  const err = errorBox();
  const more = h('button', { type: 'button', class: 'btn small', hidden: true }, 'Show more');
  let cursor = '';
  const row = (r) => h('li', { class: 'report my-report' },
    h('div', { class: 'who' },
      h('span', { class: 'name' }, displayName(r.subject), ' ', h('span', { class: 'handle' }, '@' + r.subject.handle),
        h('span', { class: 'pill ' + (r.status === 'open' ? 'report-open' : 'report-closed') }, r.status === 'open' ? 'Open' : 'Closed')),
      h('span', { class: 'hint' }, (r.messages ? `${r.messages} message${r.messages === 1 ? '' : 's'}` : 'The account') +
        ` · reported ${fmt(r.created_at)}` + (r.resolved_at ? ` · closed ${fmt(r.resolved_at)}` : '')),
      r.reason ? h('span', { class: 'report-reason' }, r.reason) : null));
  const load = async (first) => {
    try {
      const q = first ? '' : '?cursor=' + encodeURIComponent(cursor);
      const r = await app.api.get('/api/v1/reports' + q);
      const rows = r.reports.map(row);
      if (first) {
        list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'hint' }, 'You have not reported anything.')]));
      } else {
        list.append(...rows);
      }
      cursor = r.next_cursor;
      more.hidden = !cursor;
    } catch (x) {
      err.textContent = x.message;
    }
  };
  more.addEventListener('click', run(err, () => load(false)));
  load(true);
  return h('div', { class: 'card stack', id: 'reports' }, h('h2', null, 'Your reports'),
    h('p', { class: 'hint' }, 'What you reported to this server’s operators, and whether they have dealt with it.'),
    list, err, h('div', { class: 'actions-row' }, more));
}

// shortAgent names a browser from its User-Agent, roughly.
function shortAgent(ua) {
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS'
    : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : '';
  const br = /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox'
    : /Safari\//.test(ua) ? 'Safari' : '';
  if (br || os) return [br, os].filter(Boolean).join(' on ');
  return ua.slice(0, 60);
}

// resetPasswordPage sets a new password with the token in the address's
// fragment (/reset-password#TOKEN), which never reaches the server's logs.
export function resetPasswordPage(app) {
  const token = decodeURIComponent(location.hash.replace(/^#/, ''));
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
  const again = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
  const err = errorBox();
  const done = h('div', { class: 'stack', hidden: true, role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn primary wide' }, 'Set password');
  const form = h('form', { class: 'stack', id: 'reset-form', novalidate: true },
    field('reset-new', 'New password', next, 'At least 8 characters.'),
    field('reset-again', 'New password again', again),
    err, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(err, async () => {
      if (!token) throw new Error('This link has no reset code. Ask the server’s operators for a new link.');
      if (next.value !== again.value) throw new Error('The two passwords differ.');
      const r = await app.api.post('/api/v1/password-reset', { token, password: next.value });
      history.replaceState(null, '', '/reset-password'); // the code is used up: out of the address bar
      form.hidden = true;
      done.hidden = false;
      done.replaceChildren(h('p', null, `Your password is set, @${r.handle}. Every session of your account was logged out.`),
        h('a', { class: 'btn primary', href: '/login' }, 'Log in'));
    })({ currentTarget: submit });
  });
  const el = h('section', { class: 'page narrow auth' },
    h('div', { class: 'card' },
      h('div', { class: 'auth-logo', 'aria-hidden': 'true' }, 'P'),
      h('h1', null, 'Set a new password'),
      h('p', { class: 'tagline' }, 'This link works once.'),
      form, done));
  return { el, title: 'Set a new password', focus: () => next.focus() };
}

// openReportDialog reports an account, or messages of it: candidates are
// the messages the person may pick (the reported one first, checked).
export function openReportDialog(app, { handle, name, candidates, checked }) {
  const err = errorBox();
  const reason = h('textarea', { rows: '3', maxlength: '1000', id: 'report-reason' });
  const boxes = (candidates || []).map((m) => {
    const id = 'report-msg-' + m.id;
    return h('div', { class: 'choice' },
      h('input', { type: 'checkbox', id, value: m.id, checked: m.id === checked }),
      h('label', { for: id, class: 'report-quote', dir: 'auto' }, m.text || '(attachment)'));
  });
  const close = () => dlg.close();
  const send = h('button', { type: 'submit', class: 'btn primary' }, 'Send report');
  const form = h('form', { class: 'stack', method: 'dialog' },
    h('h2', { id: 'report-title' }, candidates && candidates.length ? `Report messages from ${name}` : `Report ${name}`),
    h('p', { class: 'hint' }, 'The operators of this server will see what you report, and only that. @' + handle + ' is not told who reported them.'),
    boxes.length ? h('fieldset', { class: 'report-messages' }, h('legend', null, 'Messages to include'), boxes) : null,
    h('div', { class: 'field' }, h('label', { for: 'report-reason', class: 'field-label' }, 'What is wrong? (optional)'), reason),
    err,
    h('div', { class: 'actions-row' }, send, h('button', { type: 'button', class: 'btn ghost', onclick: close }, 'Cancel')));
  const dlg = h('dialog', { class: 'report-dialog', 'aria-labelledby': 'report-title' }, form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(err, async () => {
      const ids = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      if (boxes.length && !ids.length) throw new Error('Pick at least one message.');
      await app.api.post('/api/v1/reports', ids.length ? { message_ids: ids, reason: reason.value } : { handle, reason: reason.value });
      close();
      app.announce('Report sent. Thank you.');
    })({ currentTarget: send });
  });
  // Closed, the dialog gives the focus back to what opened it. A message's
  // Report shows only while the focus is in its message, and the browser's
  // own return found it hidden: the focus fell to the page. The message
  // first, then its button.
  const opener = document.activeElement;
  dlg.addEventListener('close', () => {
    dlg.remove();
    if (!focusLost() || !opener || !opener.isConnected) return;
    opener.closest('li[tabindex]')?.focus({ preventScroll: true });
    opener.focus({ preventScroll: true });
  });
  document.body.appendChild(dlg);
  dlg.showModal();
  return dlg;
}

// moderationPage is the operators' queue and log. To anyone else the API
// answers 404, and so does this page.
export function moderationPage(app) {
  const status = { value: 'open' };
  const queue = h('ul', { class: 'report-list', id: 'report-queue', 'aria-label': 'Reports' });
  const log = h('ul', { class: 'mod-log', id: 'mod-log', 'aria-label': 'Moderator actions' });
  const err = errorBox();
  const tabs = h('div', { class: 'actions-row', role: 'group', 'aria-label': 'Which reports' },
    ['open', 'closed'].map((s) => h('button', { type: 'button', class: 'btn small', 'data-status': s, 'aria-pressed': String(s === status.value),
      onclick: () => { status.value = s; tabs.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.status === s))); load(); } },
    s === 'open' ? 'Open' : 'Closed')));
  const body = h('div', { class: 'stack' });
  const el = h('section', { class: 'page moderation' },
    h('div', { class: 'card stack' }, h('h1', null, 'Moderation'), tabs, err, queue),
    h('div', { class: 'card stack' }, h('h2', null, 'Log'), log), body);
  const view = { el, title: 'Moderation', destroy() { this.gone = true; } };

  const reportEl = (r) => {
    const s = r.subject;
    const box = errorBox();
    const note = h('input', { type: 'text', maxlength: '1000', id: 'note-' + r.id });
    const act = (fn, msg) => run(box, async () => { await fn(); app.announce(msg); await load(); });
    const modPath = (what) => `/api/v1/moderation/accounts/${encodeURIComponent(s.handle)}/${what}`;
    const actions = h('div', { class: 'actions-row' },
      s.suspended
        ? h('button', { type: 'button', class: 'btn small', onclick: act(() => app.api.call('DELETE', modPath('suspension'), { report_id: r.id, note: note.value }), `@${s.handle} is unsuspended.`) }, `Unsuspend @${s.handle}`)
        : h('button', { type: 'button', class: 'btn small danger-outline', onclick: act(() => app.api.call('PUT', modPath('suspension'), { report_id: r.id, note: note.value }), `@${s.handle} is suspended.`) }, `Suspend @${s.handle}`),
      s.kind === 'brand'
        ? h('button', { type: 'button', class: 'btn small', onclick: act(() => app.api.call(s.verified ? 'DELETE' : 'PUT', modPath('verified'), { report_id: r.id, note: note.value }), s.verified ? 'Verified mark removed.' : 'Brand verified.') },
          s.verified ? 'Remove verified mark' : 'Mark verified')
        : null,
      r.status === 'open'
        ? h('button', { type: 'button', class: 'btn small primary', onclick: act(() => app.api.post(`/api/v1/moderation/reports/${encodeURIComponent(r.id)}/close`, { resolution: note.value }), 'Report closed.') }, 'Close report')
        : null);
    return h('li', { class: 'report', 'data-id': r.id },
      h('div', { class: 'report-head' },
        avatar(s, 'sm'),
        h('span', { class: 'who' },
          h('a', { class: 'name', href: '/@' + s.handle }, displayName(s)),
          h('span', { class: 'handle' }, '@' + s.handle), badges(s),
          h('span', { class: 'hint' }, ` · reported by ${r.subject_reports} ${r.subject_reports === 1 ? 'person' : 'people'}`))),
      h('p', { class: 'hint' }, `Reported by @${r.reporter.handle} on ${fmt(r.created_at)}`),
      r.reason ? h('p', { class: 'report-reason', dir: 'auto' }, r.reason) : h('p', { class: 'hint' }, 'No reason given.'),
      r.messages.length
        ? h('ol', { class: 'report-messages', 'aria-label': 'Reported messages' }, r.messages.map((m) => h('li', null,
          h('time', { datetime: m.created_at, class: 'hint' }, fmt(m.created_at)), ' ',
          h('span', { class: 'report-quote', dir: 'auto' }, m.text || '(attachment)'),
          m.edited_at ? h('span', { class: 'hint' }, ' (edited before the report)') : null)))
        : h('p', { class: 'hint' }, 'A report of the account, without messages.'),
      r.status === 'closed' ? h('p', { class: 'hint' }, `Closed ${fmt(r.resolved_at)}${r.resolution ? ': ' : ''}`, r.resolution || '') : null,
      h('div', { class: 'field' }, h('label', { for: 'note-' + r.id, class: 'field-label' }, 'Note (kept in the log)'), note),
      actions, box);
  };

  const load = async () => {
    try {
      const [q, l] = await Promise.all([
        app.api.get('/api/v1/moderation/reports?status=' + status.value),
        app.api.get('/api/v1/moderation/log?limit=50'),
      ]);
      if (view.gone) return;
      queue.replaceChildren(...(q.reports.length ? q.reports.map(reportEl)
        : [h('li', { class: 'muted' }, status.value === 'open' ? 'No open reports.' : 'No closed reports.')]));
      log.replaceChildren(...(l.entries.length ? l.entries.map((e) => h('li', null,
        h('time', { datetime: e.at, class: 'hint' }, fmt(e.at)), ' ',
        h('strong', null, e.operator ? '@' + e.operator.handle : 'command line'), ` ${e.action.replace(/_/g, ' ')} @${e.subject.handle}`,
        e.note ? h('span', { class: 'hint' }, ' — ', e.note) : null))
        : [h('li', { class: 'muted' }, 'Nothing yet.')]));
    } catch (x) {
      if (view.gone) return;
      if (x instanceof APIError && x.status === 404) {
        el.replaceChildren(h('div', { class: 'card' }, h('h1', null, 'Page not found'),
          h('p', { class: 'muted' }, 'There is nothing at this address.'), h('a', { class: 'btn primary', href: '/inbox' }, 'Go to messages')));
        return;
      }
      err.textContent = x.message;
    }
  };
  load();
  return view;
}
