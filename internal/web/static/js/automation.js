// The brand console's Automation page: the bot's settings, the rules (list,
// enable, reorder, edit), the flows, a dry run and the audit log; plus the
// two small pieces the inbox shows (the hand-off notice and the buttons a
// bot message offered). Owners and admins edit; agents read and dry-run
// (the server refuses an agent's changes anyway). A 400 from the server
// names the field it is about ("actions[0].quick_replies[1].title: ..."):
// the message is shown beside that field.

import { APIError } from './api.js';
import { h, displayName, fullTime, askFirstButton } from './dom.js';
import { brandNav } from './console.js';
import { surveyPicker } from './surveys.js';

const enc = encodeURIComponent;
const base = (handle) => `/api/v1/brands/${enc(handle)}/automation`;

const TRIGGERS = [
  ['message', 'Any customer message'], ['first_message', 'First message ever'], ['keyword', 'Keyword or phrase'],
  ['outside_hours', 'Outside business hours'], ['no_reply', 'No reply by a person within N minutes'],
  ['quick_reply', 'Button pressed (payload)'], ['resolved', 'Conversation resolved'],
];
const CONDITIONS = [
  ['follows', 'Customer follows the brand'], ['label', 'Label present'], ['attribute', 'Customer attribute'],
  ['unassigned', 'Unassigned'], ['status', 'Status is'], ['time_window', 'Time window'],
];
const ACTIONS = [
  ['reply', 'Send a reply'], ['add_label', 'Add a label'], ['remove_label', 'Remove a label'], ['assign', 'Assign'],
  ['set_status', 'Set status'], ['set_priority', 'Set priority'], ['handoff', 'Hand off to a person'], ['start_flow', 'Start a flow'],
  ['recommend', 'Recommend a product'],
  ['send_survey', 'Send a survey (when resolved)'],
];
const STATUSES = ['open', 'pending', 'resolved'];
const PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'];
const MAX_QUICK_REPLIES = 13;

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

function labelOf(list, v) {
  const f = list.find(([k]) => k === v);
  return f ? f[1] : v;
}

function splitList(s) {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

// input builds a text-like input bound to obj[key]; path names the field as
// the server's messages do.
function input(obj, key, path, attrs = {}) {
  const el = h('input', { type: 'text', value: obj[key] === undefined || obj[key] === null ? '' : String(obj[key]), 'data-field': path, ...attrs });
  el.addEventListener('input', () => { obj[key] = attrs.type === 'number' ? (el.value === '' ? 0 : Number(el.value)) : el.value; });
  return el;
}

function textarea(obj, key, path, attrs = {}) {
  const el = h('textarea', { rows: '2', value: obj[key] || '', 'data-field': path, ...attrs });
  el.addEventListener('input', () => { obj[key] = el.value; });
  return el;
}

function selectEl(options, value, path, onchange, attrs = {}) {
  const el = h('select', { 'data-field': path, ...attrs }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
  el.value = value;
  el.addEventListener('change', () => onchange(el.value));
  return el;
}

// fill replaces el's children as h() takes them: arrays flattened, null
// and false left out (replaceChildren itself would print them as text).
function fill(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
}

// field wraps a control with its visible label (and its count, when
// counted gave it one, at the label's end).
function field(label, control, cls = '') {
  if (!control.id) control.id = nextId('f');
  const l = h('label', { class: 'field-label', for: control.id }, label);
  return h('div', { class: 'field ' + cls }, control.count ? h('div', { class: 'field-head' }, l, control.count) : l, control);
}

// counted limits a text field to max characters and shows how many are
// used ("5/20") beside its label as one types: a button's title said
// "1 to 20 characters" only once saved, after the person had written more.
// The field is described by the count, and still by an error when one shows.
function counted(control, max) {
  control.maxLength = max;
  const id = nextId('count');
  const count = h('span', { class: 'char-count', id });
  const update = () => {
    const n = control.value.length;
    count.textContent = `${n}/${max}`;
    count.classList.toggle('full', n >= max);
  };
  control.addEventListener('input', update);
  update();
  control.dataset.describedby = id;
  control.setAttribute('aria-describedby', id);
  control.count = count;
  return control;
}

// clearErrors removes the errors shown beside fields.
function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-error')) e.remove();
  for (const e of form.querySelectorAll('[aria-invalid]')) {
    e.removeAttribute('aria-invalid');
    if (e.dataset.describedby) e.setAttribute('aria-describedby', e.dataset.describedby);
    else e.removeAttribute('aria-describedby');
  }
}

// showError puts a server error beside the field it names (or the nearest
// enclosing part: "actions[2]" when "actions[2].value" has no control),
// and in box otherwise. Beside its field the error goes without the field's
// path ("actions[0].text: "), which the API keeps for programs and the
// field's place already tells a person.
export function showError(form, box, err) {
  clearErrors(form);
  box.textContent = '';
  const msg = (err && err.message) || 'Something went wrong.';
  const m = /^([A-Za-z_][\w]*(?:\[\d+\]|\.[A-Za-z_][\w]*)*):\s/.exec(msg);
  if (err instanceof APIError && err.status === 400 && m) {
    let path = m[1];
    while (path) {
      const el = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (el) {
        const id = nextId('err');
        const text = msg.slice(m[0].length);
        const note = h('p', { class: 'field-error form-error', id, role: 'alert', 'data-error-for': m[1] },
          text.charAt(0).toUpperCase() + text.slice(1));
        if (el.matches('input, select, textarea')) {
          el.setAttribute('aria-invalid', 'true');
          el.setAttribute('aria-describedby', [id, el.dataset.describedby].filter(Boolean).join(' '));
          // After the whole row when the field shares one, so the row
          // keeps its layout; after the field's own label block otherwise.
          (el.closest('.qr-row, .inline') || el.closest('.field') || el).after(note);
          el.focus();
        } else {
          el.appendChild(note);
        }
        return;
      }
      const cut = path.replace(/(\.[A-Za-z_]\w*|\[\d+\])$/, '');
      if (cut === path) break;
      path = cut;
    }
  }
  box.textContent = msg;
}

// rowButtons are the small controls of a list row.
function smallBtn(text, label, onclick, cls = '') {
  return h('button', { type: 'button', class: 'btn ghost small ' + cls, 'aria-label': label, onclick }, text);
}

// addBtn is a list's Add button; adds names the first field of the row it
// adds, which gets the focus (see keepFocus).
function addBtn(text, adds, onclick) {
  return h('button', { type: 'button', class: 'btn small manage', 'data-adds': adds, onclick }, text);
}

// listed marks a row's × and its list's Add as one list's (keepFocus).
function listed(btn, list) {
  btn.dataset.list = list;
  return btn;
}

// keepFocus redraws a form with draw and gives the keyboard focus back:
// to the control that had it (the same data-field or label), to the new
// row's first field after an Add, to the next row's × after a × (the last
// row's: the one before, or the list's Add). Each redraw replaces every
// control, and a select changed with the arrow keys, an Add or a × left
// the focus on the page.
function keepFocus(form, draw) {
  const a = document.activeElement;
  const had = a && a !== form && form.contains(a) ? a : null;
  const key = (e) => e.getAttribute('data-field') || e.getAttribute('aria-label') || e.tagName + ':' + e.textContent;
  const adds = had && had.getAttribute('data-adds');
  const want = had ? key(had) : '';
  draw();
  if (!had) return;
  const all = [...form.querySelectorAll('input, select, textarea, button')];
  let to = adds ? form.querySelector(adds) : all.find((e) => key(e) === want);
  const n = /^(Remove .*?)(\d+)(.*)$/.exec(want);
  if (!to && n) {
    to = all.find((e) => key(e) === n[1] + (Number(n[2]) - 1) + n[3]) ||
      all.find((e) => e.getAttribute('data-adds') && had.dataset.list && e.dataset.list === had.dataset.list);
  }
  if (to && !to.disabled) to.focus();
}

// quickReplyRows edits a list of {title, payload}; rerender redraws after
// a structural change. An empty list says so: an agent, who has no Add,
// saw a heading over nothing.
function quickReplyRows(list, path, max, titleMax, what, rerender) {
  return h('div', { class: 'qr-edit', 'data-field': path },
    list.length ? null : h('p', { class: 'muted qr-none' }, 'None yet.'),
    list.map((q, i) => h('div', { class: 'qr-row inline' },
      field('Title', counted(input(q, 'title', `${path}[${i}].title`), titleMax)),
      field('Payload', input(q, 'payload', `${path}[${i}].payload`, { maxlength: '1000' })),
      listed(smallBtn('×', `Remove ${what} ${i + 1}`, () => { list.splice(i, 1); rerender(); }, 'manage'), path))),
    list.length < max ? listed(addBtn(`Add ${what}`, `[data-field="${path}[${list.length}].title"]`, () => { list.push({ title: '', payload: '' }); rerender(); }), path) : null);
}

// handoffNotice tells the team, in the inbox, that a customer asked for a
// person (live, from the inbox.updated event with state "handoff").
export function handoffNotice(box, handle, v) {
  const who = displayName(v.customer);
  const item = h('div', { class: 'notice handoff-notice', 'data-conversation': v.conversation_id },
    h('span', null, '⚑ ', h('a', { href: `/brands/${enc(handle)}/c/${enc(v.conversation_id)}` }, who), ' asked to talk to a person.'),
    smallBtn('×', `Dismiss the notice about ${who}`, () => item.remove()));
  for (const old of box.querySelectorAll('.handoff-notice')) if (old.dataset.conversation === v.conversation_id) old.remove();
  box.prepend(item);
  while (box.children.length > 3) box.lastChild.remove();
}

// consoleQuickReplies shows the team which buttons a bot message offered.
export function consoleQuickReplies(m) {
  const qr = m.quick_replies || [];
  if (!qr.length || m.deleted) return null;
  return h('div', { class: 'quick-replies offered', 'aria-label': 'Buttons offered' },
    qr.map((q) => h('span', { class: 'qr' }, q.title)));
}

// automationPage is /brands/{handle}/automation.
export function automationPage(app, handle) {
  const b = base(handle);
  const api = app.api;
  let manager = false;
  let rules = [];
  let flows = [];
  const ruleName = (id) => {
    const r = rules.find((x) => x.id === id);
    return r ? r.name : id ? 'a deleted rule' : '';
  };

  // Settings.
  const settingsForm = h('form', { class: 'stack', id: 'bot-settings', novalidate: true });
  const settingsErr = h('p', { class: 'form-error', role: 'alert' });
  const settingsOk = h('p', { class: 'form-ok', role: 'status' });
  let settings = null;
  const renderSettings = () => keepFocus(settingsForm, drawSettings);
  const drawSettings = () => {
    const s = settings;
    const enabled = h('input', { type: 'checkbox', id: 'bot-enabled', checked: s.enabled, 'data-field': 'enabled' });
    enabled.addEventListener('change', () => { s.enabled = enabled.checked; });
    const words = h('input', { type: 'text', id: 'bot-handoff-words', value: (s.handoff_words || []).join(', '), placeholder: 'human, agent, person', 'data-field': 'handoff_words' });
    words.addEventListener('input', () => { s.handoff_words = splitList(words.value); });
    fill(settingsForm,
      h('label', { class: 'choice' }, enabled, ' The bot is on'),
      field('Hand-off words (comma separated)', words),
      field('Hand-off message', textarea(s, 'handoff_message', 'handoff_message', { id: 'bot-handoff-message', maxlength: '1000' })),
      field('Loop guard: bot messages in a row without a customer reply', input(s, 'loop_guard', 'loop_guard', { type: 'number', min: '1', max: '20', id: 'bot-loop-guard' }), 'narrow-field'),
      h('fieldset', { class: 'stack-sm' }, h('legend', null, 'Ice breakers (first conversation, up to 4)'),
        quickReplyRows(s.ice_breakers, 'ice_breakers', 4, 80, 'ice breaker', renderSettings)),
      h('fieldset', { class: 'stack-sm' }, h('legend', null, 'Persistent menu (up to 5)'),
        quickReplyRows(s.menu, 'menu', 5, 30, 'menu entry', renderSettings)),
      settingsErr, settingsOk,
      h('div', { class: 'manage' }, h('button', { type: 'submit', class: 'btn primary', id: 'bot-settings-save' }, 'Save bot settings')));
    for (const c of settingsForm.querySelectorAll('input, textarea, select')) c.disabled = !manager;
  };
  settingsForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    settingsOk.textContent = '';
    clearErrors(settingsForm);
    try {
      const r = await api.call('PUT', b, {
        enabled: settings.enabled, handoff_words: settings.handoff_words, handoff_message: settings.handoff_message,
        loop_guard: Number(settings.loop_guard) || 0, ice_breakers: settings.ice_breakers, menu: settings.menu,
      });
      settings = normalizeSettings(r.automation);
      renderSettings();
      settingsOk.textContent = 'Saved.';
    } catch (x) {
      showError(settingsForm, settingsErr, x);
    }
  });

  // Rules.
  const ruleList = h('ol', { class: 'rule-list', id: 'rule-list', 'aria-label': 'Rules, in evaluation order' });
  const rulesErr = h('p', { class: 'form-error', role: 'alert', id: 'rules-error' });
  const editorBox = h('div', { id: 'rule-editor-box' });
  const renderRules = () => {
    if (!rules.length) {
      ruleList.replaceChildren(h('li', { class: 'muted' }, 'No rules yet.'));
      return;
    }
    ruleList.replaceChildren(...rules.map((r, i) => {
      const on = h('input', { type: 'checkbox', checked: r.enabled, disabled: !manager, 'aria-label': `Rule ${r.name} is enabled` });
      on.addEventListener('change', () => saveRule({ ...r, enabled: on.checked }, null));
      return h('li', { class: 'rule' + (r.enabled ? '' : ' off'), 'data-rule': r.id },
        h('label', { class: 'choice' }, on),
        h('span', { class: 'rule-main' },
          h('strong', { class: 'rule-name' }, r.name),
          h('span', { class: 'muted rule-summary' }, summary(r))),
        h('span', { class: 'rule-actions' },
          smallBtn('↑', `Move rule ${r.name} up`, () => move(i, -1), 'manage' + (i === 0 ? ' invisible' : '')),
          smallBtn('↓', `Move rule ${r.name} down`, () => move(i, 1), 'manage' + (i === rules.length - 1 ? ' invisible' : '')),
          h('button', { type: 'button', class: 'btn small', 'data-action': 'edit', onclick: () => openRule(r) }, manager ? 'Edit' : 'View'),
          askFirstButton('Delete', `Delete rule ${r.name}`, () => deleteRule(r), { class: 'btn small danger-outline manage' })));
    }));
  };
  const summary = (r) => {
    const t = r.trigger || {};
    let s = labelOf(TRIGGERS, t.type);
    if (t.type === 'keyword') s += ': ' + (t.keywords || []).join(', ');
    if (t.type === 'no_reply') s += ` (${t.minutes} min)`;
    if (t.type === 'quick_reply') s += ': ' + t.payload;
    return s + ' → ' + (r.actions || []).map((a) => labelOf(ACTIONS, a.type)).join(', ');
  };
  const loadRules = async () => {
    try {
      rules = (await api.get(b + '/rules')).rules;
      renderRules();
    } catch (x) {
      rulesErr.textContent = x.message;
    }
  };
  const move = async (i, d) => {
    const j = i + d;
    if (j < 0 || j >= rules.length) return;
    const ids = rules.map((r) => r.id);
    [ids[i], ids[j]] = [ids[j], ids[i]];
    try {
      rules = (await api.post(b + '/rules/order', { ids })).rules;
      renderRules();
      const btn = ruleList.querySelector(`li[data-rule="${CSS.escape(ids[j])}"] button[aria-label*="${d < 0 ? 'up' : 'down'}"]`);
      if (btn && !btn.classList.contains('invisible')) btn.focus();
      app.announce(`Moved to position ${j + 1}.`);
    } catch (x) {
      rulesErr.textContent = x.message;
    }
  };
  // deleteRule runs on the second press of its Delete (askFirstButton).
  const deleteRule = async (r) => {
    try {
      await api.del(b + '/rules/' + enc(r.id));
      rules = rules.filter((x) => x.id !== r.id);
      renderRules();
    } catch (x) {
      rulesErr.textContent = x.message;
    }
  };
  // saveRule creates or replaces a rule; with a form, errors go beside its fields.
  const saveRule = async (r, form, box) => {
    const body = { name: r.name, enabled: r.enabled, trigger: r.trigger, conditions: r.conditions, actions: r.actions };
    try {
      const out = r.id ? await api.call('PUT', b + '/rules/' + enc(r.id), body) : await api.post(b + '/rules', body);
      const i = rules.findIndex((x) => x.id === out.rule.id);
      if (i >= 0) rules[i] = out.rule;
      else rules.push(out.rule);
      rulesErr.textContent = '';
      renderRules();
      return true;
    } catch (x) {
      if (form) showError(form, box, x);
      else {
        rulesErr.textContent = x.message;
        renderRules();
      }
      return false;
    }
  };
  const openRule = (r) => {
    const draft = r ? JSON.parse(JSON.stringify(r)) : {
      name: '', enabled: true, trigger: { type: 'keyword', keywords: [] }, conditions: [], actions: [{ type: 'reply', text: '', quick_replies: [] }],
    };
    draft.conditions = draft.conditions || [];
    draft.actions = draft.actions || [];
    for (const a of draft.actions) a.quick_replies = a.quick_replies || [];
    editorBox.replaceChildren(ruleEditor(draft));
    const first = editorBox.querySelector('input, select, textarea, button');
    if (first) first.focus();
  };
  const closeEditor = () => {
    editorBox.replaceChildren();
    const add = document.getElementById('rule-new');
    if (add) add.focus();
  };

  const ruleEditor = (d) => {
    const form = h('form', { class: 'card stack rule-editor', id: 'rule-editor', novalidate: true, 'aria-label': d.id ? `Edit rule ${d.name}` : 'New rule' });
    const err = h('p', { class: 'form-error', role: 'alert', id: 'rule-error' });
    const render = () => keepFocus(form, draw);
    const draw = () => {
      const t = d.trigger;
      const kw = h('input', { type: 'text', id: 'rule-keywords', value: (t.keywords || []).join(', '), 'data-field': 'trigger.keywords' });
      kw.addEventListener('input', () => { t.keywords = splitList(kw.value); });
      const triggerFields = [
        field('Trigger', selectEl(TRIGGERS, t.type, 'trigger.type', (v) => { d.trigger = { type: v }; render(); }, { id: 'rule-trigger' })),
        t.type === 'keyword' ? field('Keywords or phrases (comma separated)', kw, 'wide') : null,
        t.type === 'no_reply' ? field('Minutes', input(t, 'minutes', 'trigger.minutes', { type: 'number', min: '1', id: 'rule-minutes' }), 'narrow-field') : null,
        t.type === 'quick_reply' ? field('Button payload', input(t, 'payload', 'trigger.payload', { id: 'rule-payload', maxlength: '1000' })) : null,
      ];
      const conds = d.conditions.map((c, i) => {
        const p = `conditions[${i}]`;
        const not = h('input', { type: 'checkbox', checked: !!c.not, 'data-field': p + '.not' });
        not.addEventListener('change', () => { c.not = not.checked; });
        const days = h('input', { type: 'text', value: (c.days || []).join(','), placeholder: '1,2,3,4,5', 'data-field': p + '.days' });
        days.addEventListener('input', () => { c.days = splitList(days.value).map(Number); });
        return h('div', { class: 'part', 'data-field': p },
          h('div', { class: 'inline' },
            field(`Condition ${i + 1}`, selectEl(CONDITIONS, c.type, p + '.type', (v) => { d.conditions[i] = { type: v }; render(); })),
            h('label', { class: 'choice' }, not, ' not'),
            listed(smallBtn('×', `Remove condition ${i + 1}`, () => { d.conditions.splice(i, 1); render(); }, 'manage'), 'conditions')),
          h('div', { class: 'inline' },
            c.type === 'attribute' ? field('Attribute', input(c, 'key', p + '.key', { maxlength: '64' })) : null,
            ['label', 'attribute'].includes(c.type) ? field(c.type === 'label' ? 'Label' : 'Equals (empty: is set)', input(c, 'value', p + '.value', { maxlength: '200' })) : null,
            c.type === 'status' ? field('Status', selectEl([['open', 'open'], ['pending', 'pending'], ['snoozed', 'snoozed'], ['resolved', 'resolved']], c.value || (c.value = 'open'), p + '.value', (v) => { c.value = v; })) : null,
            c.type === 'time_window' ? [
              field('Days (0 Sunday … 6 Saturday)', days),
              field('From', input(c, 'from', p + '.from', { type: 'time' })),
              field('To', input(c, 'to', p + '.to', { type: 'time' }))] : null));
      });
      const acts = d.actions.map((a, i) => {
        const p = `actions[${i}]`;
        let value = null;
        if (a.type === 'set_status') value = field('Status', selectEl(STATUSES.map((s) => [s, s]), a.value || (a.value = 'open'), p + '.value', (v) => { a.value = v; }));
        else if (a.type === 'set_priority') value = field('Priority', selectEl(PRIORITIES.map((s) => [s, s]), a.value || (a.value = 'none'), p + '.value', (v) => { a.value = v; }));
        else if (a.type === 'start_flow') {
          value = field('Flow', selectEl([['', 'Pick a flow…'], ...flows.map((f) => [f.id, f.name])], a.value || '', p + '.value', (v) => { a.value = v; }));
        } else if (a.type === 'send_survey') value = field('Survey', surveyPicker(api, handle, a, p + '.value'));
        else if (['add_label', 'remove_label'].includes(a.type)) value = field('Label', input(a, 'value', p + '.value', { maxlength: '32' }));
        else if (a.type === 'assign') value = field('Agent handle, or round_robin', input(a, 'value', p + '.value', { maxlength: '64', autocapitalize: 'none' }));
        else if (a.type === 'recommend') value = field('Text with the customer\'s top pick (optional)', textarea(a, 'text', p + '.text', { maxlength: '4000' }), 'wide');
        return h('div', { class: 'part', 'data-field': p },
          h('div', { class: 'inline' },
            field(`Action ${i + 1}`, selectEl(ACTIONS, a.type, p + '.type', (v) => { d.actions[i] = { type: v, quick_replies: [] }; render(); })),
            listed(smallBtn('×', `Remove action ${i + 1}`, () => { d.actions.splice(i, 1); render(); }, 'manage'), 'actions')),
          a.type === 'reply' ? [
            field('Reply (placeholders such as {{first_name|there}} work)', textarea(a, 'text', p + '.text', { maxlength: '4000' }), 'wide'),
            h('fieldset', { class: 'stack-sm' }, h('legend', null, `Quick-reply buttons (up to ${MAX_QUICK_REPLIES}, 20 characters each)`),
              quickReplyRows(a.quick_replies, p + '.quick_replies', MAX_QUICK_REPLIES, 20, 'button', render))] : value);
      });
      fill(form,
        h('h3', null, d.id ? 'Edit rule' : 'New rule'),
        field('Name', input(d, 'name', 'name', { id: 'rule-name', maxlength: '100' })),
        h('fieldset', { class: 'stack-sm', 'data-field': 'trigger' }, h('legend', null, 'When'), h('div', { class: 'inline' }, triggerFields)),
        h('fieldset', { class: 'stack-sm', 'data-field': 'conditions' }, h('legend', null, 'Only if'),
          conds.length ? conds : h('p', { class: 'muted' }, 'Always.'),
          listed(addBtn('Add condition', `[data-field="conditions[${d.conditions.length}].type"]`, () => { d.conditions.push({ type: 'follows' }); render(); }), 'conditions')),
        h('fieldset', { class: 'stack-sm', 'data-field': 'actions' }, h('legend', null, 'Then'),
          acts,
          listed(addBtn('Add action', `[data-field="actions[${d.actions.length}].type"]`, () => { d.actions.push({ type: 'reply', text: '', quick_replies: [] }); render(); }), 'actions')),
        err,
        h('div', { class: 'inline' },
          h('button', { type: 'submit', class: 'btn primary manage', id: 'rule-save' }, 'Save rule'),
          h('button', { type: 'button', class: 'btn', onclick: closeEditor }, manager ? 'Cancel' : 'Close')));
      for (const c of form.querySelectorAll('input, textarea, select')) c.disabled = !manager;
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      for (const a of d.actions) if (a.type !== 'reply') delete a.quick_replies;
      const ok = await saveRule(d, form, err);
      for (const a of d.actions) a.quick_replies = a.quick_replies || [];
      if (ok) {
        closeEditor();
        app.announce('Rule saved.');
      }
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') closeEditor();
    });
    render();
    return form;
  };

  // Flows.
  const flowList = h('ul', { class: 'rule-list', id: 'flow-list', 'aria-label': 'Flows' });
  const flowsErr = h('p', { class: 'form-error', role: 'alert' });
  const flowBox = h('div', { id: 'flow-editor-box' });
  const loadFlows = async () => {
    try {
      flows = (await api.get(b + '/flows')).flows;
      renderFlows();
    } catch (x) {
      flowsErr.textContent = x.message;
    }
  };
  const renderFlows = () => {
    flowList.replaceChildren(...(flows.length ? flows.map((f) => h('li', { class: 'rule', 'data-flow': f.id },
      h('span', { class: 'rule-main' }, h('strong', null, f.name), h('span', { class: 'muted' }, `${f.steps.length} step${f.steps.length === 1 ? '' : 's'}`)),
      h('span', { class: 'rule-actions' },
        h('button', { type: 'button', class: 'btn small', onclick: () => openFlow(f) }, manager ? 'Edit' : 'View'),
        askFirstButton('Delete', `Delete flow ${f.name}`, () => deleteFlow(f), { class: 'btn small danger-outline manage' })))) : [h('li', { class: 'muted' }, 'No flows yet.')]));
  };
  // deleteFlow runs on the second press of its Delete (askFirstButton): one
  // click took a whole flow, its steps and buttons, with no way back.
  const deleteFlow = async (f) => {
    try {
      await api.del(b + '/flows/' + enc(f.id));
      await loadFlows();
    } catch (x) {
      flowsErr.textContent = x.message;
    }
  };
  const openFlow = (f) => {
    const d = f ? JSON.parse(JSON.stringify(f)) : { name: '', steps: [{ id: 'start', text: '', options: [] }] };
    const form = h('form', { class: 'card stack rule-editor', id: 'flow-editor', novalidate: true });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const render = () => keepFocus(form, draw);
    const draw = () => {
      const ids = d.steps.map((s) => s.id).filter(Boolean);
      fill(form,
        h('h3', null, d.id ? 'Edit flow' : 'New flow'),
        field('Name', input(d, 'name', 'name', { id: 'flow-name', maxlength: '100' })),
        d.steps.map((s, i) => {
          const p = `steps[${i}]`;
          return h('fieldset', { class: 'part stack-sm', 'data-field': p },
            h('legend', null, i === 0 ? `Step ${i + 1} (the flow starts here)` : `Step ${i + 1}`),
            h('div', { class: 'inline' },
              field('Step id', input(s, 'id', p + '.id', { maxlength: '32' }), 'narrow-field'),
              listed(smallBtn('×', `Remove step ${i + 1}`, () => { d.steps.splice(i, 1); render(); }, 'manage'), 'steps')),
            field('Message', textarea(s, 'text', p + '.text', { maxlength: '4000' }), 'wide'),
            h('div', { class: 'stack-sm', 'data-field': p + '.options' },
              s.options.map((o, j) => {
                const op = `${p}.options[${j}]`;
                const ho = h('input', { type: 'checkbox', checked: !!o.handoff, 'data-field': op + '.handoff' });
                ho.addEventListener('change', () => { o.handoff = ho.checked; });
                return h('div', { class: 'qr-row inline flow-option' },
                  field(`Button ${j + 1}`, counted(input(o, 'title', op + '.title'), 20)),
                  field('Leads to', selectEl([['', 'End of the flow'], ...ids.map((x) => [x, 'Step ' + x])], o.next || '', op + '.next', (v) => { o.next = v; })),
                  h('label', { class: 'choice' }, ho, ' hands off'),
                  listed(smallBtn('×', `Remove button ${j + 1} of step ${i + 1}`, () => { s.options.splice(j, 1); render(); }, 'manage'), p + '.options'));
              }),
              s.options.length < MAX_QUICK_REPLIES ? listed(addBtn('Add button', `[data-field="${p}.options[${s.options.length}].title"]`, () => { s.options.push({ title: '' }); render(); }), p + '.options') : null));
        }),
        listed(addBtn('Add step', `[data-field="steps[${d.steps.length}].id"]`, () => { d.steps.push({ id: 'step' + (d.steps.length + 1), text: '', options: [] }); render(); }), 'steps'),
        err,
        h('div', { class: 'inline' },
          h('button', { type: 'submit', class: 'btn primary manage' }, 'Save flow'),
          h('button', { type: 'button', class: 'btn', onclick: () => flowBox.replaceChildren() }, manager ? 'Cancel' : 'Close')));
      for (const c of form.querySelectorAll('input, textarea, select')) c.disabled = !manager;
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        const body = { name: d.name, steps: d.steps };
        if (d.id) await api.call('PUT', b + '/flows/' + enc(d.id), body);
        else await api.post(b + '/flows', body);
        flowBox.replaceChildren();
        await loadFlows();
        app.announce('Flow saved.');
      } catch (x) {
        showError(form, err, x);
      }
    });
    render();
    flowBox.replaceChildren(form);
    const first = form.querySelector('input');
    if (first) first.focus();
  };

  // Dry run.
  const dryText = h('textarea', { id: 'dry-text', rows: '2', maxlength: '4000', placeholder: 'Where is my order?' });
  const dryPayload = h('input', { type: 'text', id: 'dry-payload', maxlength: '1000', placeholder: 'optional' });
  const dryFirst = h('input', { type: 'checkbox', id: 'dry-first' });
  const dryCustomer = h('input', { type: 'text', id: 'dry-customer', maxlength: '64', placeholder: 'optional handle', autocapitalize: 'none' });
  const dryOut = h('div', { id: 'dry-result', class: 'dry-result', 'aria-live': 'polite' });
  const dryErr = h('p', { class: 'form-error', role: 'alert' });
  const dryForm = h('form', { class: 'stack-sm', id: 'dry-form' },
    field('Sample customer message', dryText, 'wide'),
    h('div', { class: 'inline' },
      field('Button payload', dryPayload),
      field('As customer', dryCustomer),
      h('label', { class: 'choice' }, dryFirst, ' first message ever')),
    dryErr,
    h('div', null, h('button', { type: 'submit', class: 'btn primary', id: 'dry-run' }, 'Try it (nothing is sent)')),
    dryOut);
  dryForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    dryErr.textContent = '';
    try {
      const r = await api.post(b + '/dry-run', {
        text: dryText.value, quick_reply_payload: dryPayload.value || undefined,
        first_message: dryFirst.checked, customer: dryCustomer.value.trim().replace(/^@/, '') || undefined,
      });
      const effects = [];
      if (r.handoff) effects.push('Hands the conversation to a person.');
      if (r.add_labels && r.add_labels.length) effects.push('Adds labels: ' + r.add_labels.join(', '));
      if (r.remove_labels && r.remove_labels.length) effects.push('Removes labels: ' + r.remove_labels.join(', '));
      if (r.assign) effects.push('Assigns to ' + r.assign);
      if (r.status) effects.push('Sets the status to ' + r.status);
      if (r.priority) effects.push('Sets the priority to ' + r.priority);
      fill(dryOut,
        h('h3', null, 'The customer would receive'),
        r.reply
          ? h('div', { class: 'dry-reply msg theirs' },
            h('span', { class: 'bot-label' }, 'Automated'),
            h('div', { class: 'bubble' }, h('p', { class: 'text', id: 'dry-reply-text' }, r.reply.text)),
            (r.reply.quick_replies || []).length
              ? h('div', { class: 'quick-replies offered', 'aria-label': 'Buttons' }, r.reply.quick_replies.map((q) => h('span', { class: 'qr' }, q.title)))
              : null,
            r.reply.rule_id ? h('span', { class: 'muted' }, ' from rule ', ruleName(r.reply.rule_id)) : null)
          : h('p', { class: 'muted', id: 'dry-reply-text' }, 'No message.'),
        effects.length ? h('ul', { class: 'effects' }, effects.map((x) => h('li', null, x))) : null,
        h('h3', null, 'Rules'),
        h('ul', { class: 'dry-log', id: 'dry-log' }, (r.log || []).length
          ? r.log.map((l) => h('li', { class: 'outcome-' + l.outcome },
            h('strong', null, l.rule_id ? ruleName(l.rule_id) : 'Bot'), ` — ${l.outcome}`, l.detail ? `: ${l.detail}` : ''))
          : h('li', { class: 'muted' }, 'No rule matched.')));
    } catch (x) {
      dryErr.textContent = x.message;
    }
  });

  // Audit log.
  const logBody = h('tbody', { id: 'automation-log' });
  const logErr = h('p', { class: 'form-error', role: 'alert' });
  const loadLog = async () => {
    try {
      const r = await api.get(b + '/log?limit=50');
      logBody.replaceChildren(...(r.entries.length ? r.entries.map((e) => h('tr', null,
        h('td', null, h('time', { datetime: e.at }, fullTime(e.at))),
        h('td', null, e.event),
        h('td', null, e.outcome),
        h('td', null, ruleName(e.rule_id)),
        h('td', null, e.detail))) : [h('tr', null, h('td', { colspan: '5', class: 'muted' }, 'Nothing yet.'))]));
    } catch (x) {
      logErr.textContent = x.message;
    }
  };

  const el = h('section', { class: 'page console-analytics console-settings console-automation' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Automation`)),
    brandNav(handle, 'automation'),
    h('p', { class: 'notice readonly-note' }, 'Only the brand\'s owners and admins change the bot. You can read it and try it.'),
    h('div', { class: 'card stack' }, h('h2', null, 'Bot'), settingsForm),
    h('div', { class: 'card stack' },
      h('div', { class: 'card-head' }, h('h2', null, 'Rules'),
        h('button', { type: 'button', class: 'btn small primary manage', id: 'rule-new', onclick: () => openRule(null) }, 'New rule')),
      h('p', { class: 'hint' }, 'Evaluated top to bottom on every customer message; every matching rule acts, and the first that replies is the one the customer gets.'),
      ruleList, rulesErr, editorBox),
    h('div', { class: 'card stack' },
      h('div', { class: 'card-head' }, h('h2', null, 'Flows'),
        h('button', { type: 'button', class: 'btn small primary manage', id: 'flow-new', onclick: () => openFlow(null) }, 'New flow')),
      flowList, flowsErr, flowBox),
    h('div', { class: 'card stack' }, h('h2', null, 'Dry run'), dryForm),
    h('div', { class: 'card stack' },
      h('div', { class: 'card-head' }, h('h2', null, 'Audit log'),
        h('button', { type: 'button', class: 'btn small', id: 'log-refresh', onclick: () => loadLog() }, 'Refresh')),
      h('div', { class: 'table-scroll' }, h('table', { class: 'agents log-table' },
        h('thead', null, h('tr', null, ['When', 'Event', 'Outcome', 'Rule', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))), logBody)),
      logErr));

  (async () => {
    try {
      const mine = await api.get('/api/v1/brands');
      const me = mine.brands.find((x) => x.brand.handle === handle);
      manager = !!me && (me.role === 'owner' || me.role === 'admin');
      el.classList.toggle('readonly', !manager);
      settings = normalizeSettings((await api.get(b)).automation);
      renderSettings();
      await loadFlows();
      await loadRules();
      await loadLog();
    } catch (x) {
      settingsErr.textContent = x instanceof APIError && x.status === 404 ? `You are not on @${handle}'s team.` : x.message;
      if (!settingsForm.contains(settingsErr)) settingsForm.replaceChildren(settingsErr);
    }
  })();

  let logTimer = 0;
  return {
    el,
    title: `Automation · @${handle}`,
    // New bot decisions show in the audit log as they happen.
    onEvent(ev) {
      if (ev.brand !== handle || !ev.type.startsWith('inbox.')) return;
      clearTimeout(logTimer);
      logTimer = setTimeout(loadLog, 500);
    },
  };
}

function normalizeSettings(s) {
  return {
    enabled: !!s.enabled, handoff_words: s.handoff_words || [], handoff_message: s.handoff_message || '',
    loop_guard: s.loop_guard || 3, ice_breakers: (s.ice_breakers || []).map((q) => ({ ...q })), menu: (s.menu || []).map((q) => ({ ...q })),
  };
}
