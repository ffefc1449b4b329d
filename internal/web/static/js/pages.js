// The single-column pages: log in, sign up, profile, settings, not found.
// Each returns a view: { el, title?, focus?(), destroy?() }.

import { APIError } from './api.js';
import { h, avatar, displayName, flagBidi, linkify } from './dom.js';
import { savePrefs, applyTheme, notificationsSupported } from './prefs.js';
import { badges, myReportsCard, openReportDialog, passwordCard, sessionsCard } from './safety.js';

function field(id, label, input, hint) {
  input.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id, class: 'field-label' }, label), input, hintEl);
}

function errorBox() {
  return h('p', { class: 'form-error', role: 'alert' });
}

// busy disables a form's controls while a call runs and shows errors in box.
// The focus goes back to the field (or button) it was in when the form
// stays (a refusal, a save): disabled, that lost it, and a person who
// pressed Enter in the password field typed the fix into nothing.
async function busy(form, box, fn) {
  box.textContent = '';
  const was = form.contains(document.activeElement) ? document.activeElement : null;
  const controls = [...form.querySelectorAll('button, input, textarea, select')];
  controls.forEach((c) => { c.dataset.wasDisabled = c.disabled ? '1' : ''; c.disabled = true; });
  try {
    await fn();
  } catch (e) {
    box.textContent = e.message || 'Something went wrong.';
  } finally {
    controls.forEach((c) => { c.disabled = c.dataset.wasDisabled === '1'; });
    const now = document.activeElement;
    if (was && was.isConnected && (!now || now === document.body)) was.focus();
  }
}

export function login(app) {
  const handle = h('input', { type: 'text', name: 'handle', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const err = errorBox();
  const form = h('form', { class: 'stack', novalidate: true },
    field('login-handle', 'Handle', handle),
    field('login-password', 'Password', password),
    err,
    h('button', { type: 'submit', class: 'btn primary wide' }, 'Log in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, err, async () => {
      if (!handle.value.trim() || !password.value) throw new Error('Enter your handle and password.');
      await app.api.login(handle.value.trim().replace(/^@/, ''), password.value);
      await app.afterLogin();
    });
  });
  const el = authPage('Log in to Parley', app.notice, form,
    h('p', { class: 'muted center' }, 'New to Parley? ', h('a', { href: '/signup' }, 'Create an account')));
  return { el, title: 'Log in', focus: () => handle.focus() };
}

export function signup(app) {
  const handle = h('input', { type: 'text', name: 'handle', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', pattern: '[A-Za-z0-9_]{3,30}', maxlength: '30' });
  const name = h('input', { type: 'text', name: 'display_name', autocomplete: 'name', maxlength: '64' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
  const err = errorBox();
  const form = h('form', { class: 'stack', novalidate: true },
    field('signup-handle', 'Handle', handle, '3 to 30 letters, digits or _. People find you by it.'),
    field('signup-name', 'Display name (optional)', name),
    field('signup-password', 'Password', password, 'At least 8 characters.'),
    err,
    h('button', { type: 'submit', class: 'btn primary wide' }, 'Create account'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, err, async () => {
      const hd = handle.value.trim().replace(/^@/, '').toLowerCase();
      await app.api.signup(hd, password.value, name.value.trim());
      await app.api.login(hd, password.value);
      await app.afterLogin();
    });
  });
  const el = authPage('Create your Parley account', '', form,
    h('p', { class: 'muted center' }, 'Already have an account? ', h('a', { href: '/login' }, 'Log in')));
  return { el, title: 'Sign up', focus: () => handle.focus() };
}

function authPage(title, notice, form, footer) {
  return h('section', { class: 'page narrow auth' },
    h('div', { class: 'card' },
      h('div', { class: 'auth-logo', 'aria-hidden': 'true' }, 'P'),
      h('h1', null, title),
      h('p', { class: 'tagline' }, 'Private conversations, in real time.'),
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      form,
      footer));
}

export function profile(app, handle) {
  const body = h('div', { class: 'card profile', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const el = h('section', { class: 'page narrow' }, body);
  const view = { el, title: '@' + handle, destroy() { this.gone = true; } };

  const load = async () => {
    let p;
    try {
      p = await app.api.profile(handle);
    } catch (e) {
      if (view.gone) return;
      body.removeAttribute('aria-busy');
      body.replaceChildren(
        h('h1', null, e instanceof APIError && e.status === 404 ? 'This account doesn’t exist' : 'Could not load this profile'),
        h('p', { class: 'muted' }, e instanceof APIError && e.status === 404 ? `No one is called @${handle}.` : e.message),
        h('a', { class: 'btn', href: '/inbox' }, 'Back to messages'));
      return;
    }
    if (view.gone) return;
    render(p);
  };

  const render = (p) => {
    const a = p.account;
    const self = a.id === app.me.id;
    app.setTitle(`${displayName(a)} (@${a.handle})`);
    const err = h('p', { class: 'form-error', role: 'alert' });
    // act runs fn for a button and redraws the profile; the keyboard focus
    // goes to the redrawn button (Follow becomes Unfollow), not the page.
    const act = (fn) => async (e) => {
      const b = e.currentTarget;
      const key = b === document.activeElement ? b.getAttribute('data-key') : '';
      b.disabled = true;
      err.textContent = '';
      try {
        await fn();
        await load();
        const again = key && body.querySelector(`[data-key="${key}"]`);
        if (again) again.focus();
      } catch (x) {
        err.textContent = x.message;
        b.disabled = false;
        if (key) b.focus();
      }
    };
    // Message opens the conversation when there is one with messages, a
    // draft otherwise: nothing reaches the other person before a message.
    const message = () => {
      const c = app.store.directWith(a.id);
      app.navigate(c ? '/c/' + encodeURIComponent(c.id) : '/new/@' + encodeURIComponent(a.handle));
    };
    let actions;
    if (self) {
      actions = h('div', { class: 'actions-row' }, h('a', { class: 'btn', href: '/settings' }, 'Edit profile'));
    } else {
      const reasonId = 'message-reason';
      let reason = '';
      if (!p.can_message) {
        reason = p.blocked_by_me
          ? `You blocked @${a.handle}. Unblock them to send a message.`
          : `@${a.handle} isn’t accepting messages from you.`;
      }
      actions = h('div', { class: 'actions-row' },
        h('button', { type: 'button', class: 'btn primary', id: 'message-button', disabled: !p.can_message, 'aria-describedby': reason ? reasonId : null, onclick: message }, 'Message'),
        p.blocked_by_me ? null : h('button', { type: 'button', class: p.followed_by_me ? 'btn' : 'btn dark', 'data-key': 'follow', 'aria-pressed': String(!!p.followed_by_me), onclick: act(() => app.api.follow(a.handle, !p.followed_by_me)) },
          p.followed_by_me ? 'Unfollow' : 'Follow'),
        h('button', { type: 'button', class: 'btn danger-outline', 'data-key': 'block', onclick: act(() => app.api.block(a.handle, !p.blocked_by_me)) },
          p.blocked_by_me ? 'Unblock' : 'Block'),
        h('button', { type: 'button', class: 'btn ghost', id: 'report-account', onclick: () => openReportDialog(app, { handle: a.handle, name: displayName(a) }) }, 'Report'),
        reason ? h('p', { class: 'reason', id: reasonId }, reason) : null);
    }
    body.removeAttribute('aria-busy');
    // The nulls (no bio, not a brand) left out: replaceChildren itself
    // printed them as the text "null" under every such profile.
    body.replaceChildren(...[
      h('div', { class: 'profile-head' },
        avatar(a, 'xl'),
        h('div', { class: 'profile-names' },
          h('h1', null, displayName(a)),
          h('p', { class: 'handle' }, '@' + a.handle,
            p.follows_me && !self ? h('span', { class: 'pill' }, 'Follows you') : null,
            a.kind === 'brand' ? h('span', { class: 'pill brand' }, 'Brand') : null, badges(a)))),
      // A link in a bio opens, as one in a message does (it was plain
      // text to copy by hand); bidi controls show as tags.
      a.bio ? h('p', { class: 'bio', dir: 'auto' }, linkify(flagBidi(a.bio))) : (self ? h('p', { class: 'bio muted' }, 'No bio yet.') : null),
      h('p', { class: 'counts' },
        h('span', null, h('strong', null, String(p.followers_count)), p.followers_count === 1 ? ' follower' : ' followers'),
        h('span', null, h('strong', null, String(p.following_count)), ' following')),
      actions,
      err,
      a.kind === 'brand' && !self ? manageMessages(app, a) : null,
    ].filter(Boolean));
  };

  load();
  return view;
}

// manageMessagesFor is "Manage messages" in the details of a direct
// conversation: empty until the other member turns out to be a brand (a
// profile read), then the same box as on the brand's profile.
export function manageMessagesFor(app, member) {
  const slot = h('div', { class: 'manage-messages-slot' });
  app.api.profile(member.handle).then((r) => {
    const a = r.account;
    if (a && a.kind === 'brand' && a.id !== app.me.id) slot.replaceChildren(manageMessages(app, a));
  }, () => {});
  return slot;
}

// manageMessages is "Manage messages from Acme" on a brand's profile: what
// the person allowed the brand's automated messages and campaigns, changed
// at once (the consent engine reads it on every message).
function manageMessages(app, brand) {
  const path = '/api/v1/accounts/' + encodeURIComponent(brand.handle) + '/messages-consent';
  const name = displayName(brand);
  const allow = h('input', { type: 'checkbox', id: 'consent-allow', 'aria-describedby': 'consent-allow-hint' });
  const optIn = h('input', { type: 'checkbox', id: 'consent-opt-in', 'aria-describedby': 'consent-opt-in-hint' });
  const status = h('p', { class: 'form-ok', role: 'status' });
  const box = h('section', { class: 'manage-messages', 'aria-labelledby': 'manage-messages-title', 'aria-busy': 'true' },
    h('h2', { id: 'manage-messages-title' }, 'Manage messages from ' + name),
    h('div', { class: 'choice' }, allow,
      h('label', { for: 'consent-allow' }, h('span', { class: 'choice-label' }, 'Automated messages and campaigns'),
        h('span', { class: 'hint', id: 'consent-allow-hint' }, 'Off is the same as replying STOP: only answers to your own messages.'))),
    h('div', { class: 'choice' }, optIn,
      h('label', { for: 'consent-opt-in' }, h('span', { class: 'choice-label' }, 'Offers and news even if I don’t follow'),
        h('span', { class: 'hint', id: 'consent-opt-in-hint' }, 'Followers get them anyway, at most twice a week.'))),
    status);
  const show = (c) => {
    allow.checked = !c.opted_out;
    optIn.checked = c.opted_in;
    box.removeAttribute('aria-busy');
  };
  const save = (body) => async () => {
    allow.disabled = optIn.disabled = true;
    status.textContent = '';
    try {
      const r = await app.api.call('PUT', path, body());
      show(r.messages_consent);
      status.textContent = 'Saved.';
    } catch (e) {
      status.textContent = e.message;
    }
    allow.disabled = optIn.disabled = false;
  };
  allow.addEventListener('change', save(() => ({ opted_out: !allow.checked })));
  optIn.addEventListener('change', save(() => ({ opted_in: optIn.checked })));
  app.api.call('GET', path).then((r) => show(r.messages_consent), (e) => { status.textContent = e.message; });
  return box;
}

export function settings(app) {
  const me = app.me;
  const s = app.settings || { allow_incoming: 'everyone', read_receipts: true };
  const name = h('input', { type: 'text', maxlength: '64', value: me.display_name || '', autocomplete: 'name' });
  const bio = h('textarea', { rows: '3', maxlength: '300' });
  bio.value = me.bio || '';
  const bioCount = h('span', { class: 'hint counter-inline', 'aria-live': 'polite' });
  const countBio = () => { bioCount.textContent = `${[...bio.value].length} / 300`; };
  bio.addEventListener('input', countBio);
  countBio();
  const choices = [
    ['everyone', 'Everyone', 'People you don’t follow land in Requests.'],
    ['following', 'People I follow', 'Others cannot start a conversation with you.'],
    ['nobody', 'Nobody', 'No one can start a new conversation with you.'],
  ];
  const radios = choices.map(([v, label, hint]) => {
    const id = 'allow-' + v;
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', name: 'allow_incoming', id, value: v, checked: s.allow_incoming === v, 'aria-describedby': id + '-hint' }),
      h('label', { for: id }, h('span', { class: 'choice-label' }, label), h('span', { class: 'hint', id: id + '-hint' }, hint)));
  });
  const receipts = h('input', { type: 'checkbox', id: 'read-receipts', checked: s.read_receipts, 'aria-describedby': 'read-receipts-hint' });
  const err = errorBox();
  const ok = h('p', { class: 'form-ok', role: 'status' });
  const form = h('form', { class: 'stack' },
    h('fieldset', null, h('legend', null, 'Profile'),
      h('p', { class: 'muted' }, '@' + me.handle),
      field('settings-name', 'Display name', name),
      h('div', { class: 'field' }, h('label', { for: 'settings-bio', class: 'field-label' }, 'Bio'), bio, bioCount)),
    h('fieldset', null, h('legend', null, 'Who can message you'), radios),
    h('fieldset', null, h('legend', null, 'Privacy'),
      h('div', { class: 'choice' }, receipts,
        h('label', { for: 'read-receipts' }, h('span', { class: 'choice-label' }, 'Send read receipts'),
          h('span', { class: 'hint', id: 'read-receipts-hint' }, 'When off, people don’t see when you’ve read their messages, and you don’t see theirs.')))),
    err, ok,
    h('div', { class: 'actions-row' },
      h('button', { type: 'submit', class: 'btn primary' }, 'Save changes'),
      h('button', { type: 'button', class: 'btn ghost', onclick: () => app.logout() }, 'Log out')));
  bio.id = 'settings-bio';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ok.textContent = '';
    busy(form, err, async () => {
      const allow = form.querySelector('input[name=allow_incoming]:checked');
      const r = await app.api.updateMe({
        display_name: name.value.trim(),
        bio: bio.value,
        allow_incoming: allow ? allow.value : undefined,
        read_receipts: receipts.checked,
      });
      app.me = r.account;
      app.settings = r.settings;
      app.renderTopbar();
      app.updateNav({ name: 'settings' });
      ok.textContent = 'Saved.';
    });
  });
  const pw = passwordCard(app);
  const el = h('section', { class: 'page narrow' },
    h('div', { class: 'card' }, h('h1', null, 'Settings'), form),
    pw,
    sessionsCard(app, pw),
    myReportsCard(app),
    browserPrefs(app),
    blockedList(app),
    yourData(),
    developers());
  return { el, title: 'Settings' };
}

// yourData offers the person's data as a file (GET /api/v1/me/export):
// the browser downloads it with the session's cookie.
function yourData() {
  return h('div', { class: 'card stack', id: 'your-data' },
    h('h2', null, 'Your data'),
    h('p', { class: 'muted', id: 'export-hint' }, 'One file with your account, the people you follow and block, and every conversation you are in with its messages, as you see them. Attachments are listed, not included.'),
    h('p', null, h('a', { href: '/api/v1/me/export', download: '', class: 'btn', id: 'export-link', 'aria-describedby': 'export-hint' }, 'Download your data')));
}

// developers points people who build on Parley (bots, CRMs, apps) to the
// API reference this server serves.
function developers() {
  return h('div', { class: 'card stack', id: 'developers' },
    h('h2', null, 'Build on Parley'),
    h('p', { class: 'muted' }, 'Bots, CRMs and apps use the same HTTP API and event stream as this app.'),
    h('p', null,
      h('a', { href: '/api/docs', id: 'api-docs-link' }, 'API reference'),
      ' · ',
      h('a', { href: '/api/openapi.json' }, 'OpenAPI document')));
}

// browserPrefs: colours, sound and notifications of this browser, saved as
// soon as they change. Notification permission is asked here, when the
// person turns them on, never on load.
function browserPrefs(app) {
  const p = app.prefs;
  const save = () => savePrefs(p);
  const theme = h('select', { id: 'pref-theme' },
    [['system', 'Same as the system'], ['light', 'Light'], ['dark', 'Dark']].map(([v, l]) => h('option', { value: v, selected: p.theme === v }, l)));
  theme.value = p.theme;
  theme.addEventListener('change', () => { p.theme = theme.value; applyTheme(p.theme); save(); });
  const sound = h('input', { type: 'checkbox', id: 'pref-sound', checked: p.sound });
  sound.addEventListener('change', () => { p.sound = sound.checked; save(); });
  const note = h('p', { class: 'hint', id: 'pref-notify-hint', 'aria-live': 'polite' }, 'Shows new messages while Parley is in a background tab.');
  const notify = h('input', { type: 'checkbox', id: 'pref-notify', checked: p.notify && notificationsSupported() && Notification.permission === 'granted', disabled: !notificationsSupported(), 'aria-describedby': 'pref-notify-hint' });
  notify.addEventListener('change', async () => {
    if (!notify.checked) {
      p.notify = false;
      save();
      return;
    }
    let perm = Notification.permission;
    if (perm === 'default') perm = await Notification.requestPermission().catch(() => 'denied');
    p.notify = perm === 'granted';
    notify.checked = p.notify;
    if (!p.notify) note.textContent = 'Your browser blocks notifications from Parley; allow them in its site settings.';
    save();
  });
  return h('div', { class: 'card stack', id: 'browser-prefs' },
    h('h2', null, 'On this device'),
    h('div', { class: 'field' }, h('label', { for: 'pref-theme', class: 'field-label' }, 'Colours'), theme),
    h('div', { class: 'choice' }, sound, h('label', { for: 'pref-sound' }, h('span', { class: 'choice-label' }, 'Play a sound for new messages'))),
    h('div', { class: 'choice' }, notify, h('label', { for: 'pref-notify' }, h('span', { class: 'choice-label' }, 'Notifications for new messages'), note)));
}

// blockedList lists the accounts the person blocks, each with Unblock.
function blockedList(app) {
  const list = h('ul', { class: 'blocked-list', id: 'blocked-list', 'aria-label': 'Blocked accounts' });
  const err = errorBox();
  const title = h('h2', { tabindex: '-1' }, 'Blocked accounts');
  // load draws the list; after an Unblock (focusAt, the row's place) the
  // focus goes to the next row's Unblock, or the heading once the list is
  // empty: with the pressed button gone it fell to the page.
  const load = async (focusAt = -1) => {
    try {
      const r = await app.api.blocked();
      const accs = r.accounts || [];
      if (!accs.length) {
        list.replaceChildren(h('li', { class: 'muted' }, 'You haven’t blocked anyone.'));
        if (focusAt >= 0) title.focus();
        return;
      }
      list.replaceChildren(...accs.map((a, i) => h('li', { class: 'blocked-row' },
        avatar(a, 'sm'),
        h('span', { class: 'who' }, h('a', { class: 'name', href: '/@' + a.handle }, displayName(a)), h('span', { class: 'handle' }, '@' + a.handle)),
        h('button', { type: 'button', class: 'btn small', 'aria-label': `Unblock ${displayName(a)}`, onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await app.api.block(a.handle, false);
            app.announce(`${displayName(a)} is unblocked.`);
          } catch (x) {
            err.textContent = x.message;
          }
          load(i);
        } }, 'Unblock'))));
      if (focusAt >= 0) {
        const bs = list.querySelectorAll('button');
        bs[Math.min(focusAt, bs.length - 1)].focus();
      }
    } catch (x) {
      err.textContent = x.message;
    }
  };
  load();
  return h('div', { class: 'card stack', id: 'blocked' }, title,
    h('p', { class: 'hint' }, 'Neither of you can message the other while the block lasts.'), list, err);
}

export function notFound(app) {
  const el = h('section', { class: 'page narrow' },
    h('div', { class: 'card' },
      h('h1', null, 'Page not found'),
      h('p', { class: 'muted' }, 'There is nothing at this address.'),
      h('a', { class: 'btn primary', href: app.me ? '/inbox' : '/login' }, app.me ? 'Go to messages' : 'Log in')));
  return { el, title: 'Not found' };
}
