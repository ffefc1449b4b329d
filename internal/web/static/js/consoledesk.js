// The brand console's support desk (internal/brand/console.go): the
// customer panel beside the chat, service-level badges, audit lines in the
// thread, macros, @mention notices, and the Desk page (service levels,
// agent teams, macros). Every piece of user data goes in as text.

import { h, displayName, clockTime, fullTime, shortTime, askFirstButton, busy } from './dom.js';

const enc = encodeURIComponent;
const base = (handle) => `/api/v1/brands/${enc(handle)}`;

// slaText renders business seconds left as "12m left", "2h 5m left" or,
// once breached, "overdue 4m".
export function slaText(sla) {
  const s = Math.abs(sla.remaining_seconds);
  const m = Math.max(1, Math.round(s / 60));
  const d = m < 60 ? `${m}m` : `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
  const what = sla.kind === 'first_response' ? 'First reply' : 'Next reply';
  return sla.breached ? `${what} overdue ${d}` : `${what} due in ${d}`;
}

// slaPill is the inbox list's badge: breached ones stand out.
export function slaPill(sla) {
  if (!sla) return null;
  return h('span', { class: 'pill sla' + (sla.breached ? ' sla-breached' : ''), 'data-sla': sla.breached ? 'breached' : 'running' },
    slaText(sla));
}

const FIELD_NAMES = { status: 'status', assignee: 'assignee', labels: 'labels', priority: 'priority' };

// auditItem is one small system line of the thread, for the team only.
export function auditItem(a) {
  const who = a.actor ? displayName(a.actor) : 'Automation';
  const show = (v) => (v === '' ? (a.field === 'assignee' ? 'nobody' : 'none')
    : a.field === 'assignee' ? '@' + v : a.field === 'labels' ? v.split(',').join(', ') : v);
  return h('li', { class: 'audit', 'data-audit': a.id },
    h('span', { class: 'audit-text' }, who, ` changed ${FIELD_NAMES[a.field] || a.field}: `,
      h('span', { dir: 'auto' }, show(a.from)), ' → ', h('span', { dir: 'auto' }, show(a.to))),
    h('time', { datetime: a.at, title: fullTime(a.at) }, ' · ', clockTime(a.at)));
}

// mentionNotice tells an agent a teammate mentioned them in a note.
export function mentionNotice(box, handle, ev) {
  const who = ev.actor ? displayName(ev.actor) : 'A teammate';
  const customer = ev.inbox ? displayName(ev.inbox.customer) : 'a customer';
  const note = h('p', { class: 'notice mention-notice', 'data-conversation': ev.conversation_id },
    `${who} mentioned you on ${customer}'s conversation: `,
    h('a', { href: `/brands/${enc(handle)}/c/${enc(ev.conversation_id)}` }, 'Open'),
    ' ',
    h('button', { type: 'button', class: 'btn ghost small', onclick: () => note.remove() }, 'Dismiss'));
  box.prepend(note);
  while (box.children.length > 5) box.lastChild.remove();
}

// CustomerPanel is the customer panel beside the console chat.
export class CustomerPanel {
  constructor(app, handle, customer, opts = {}) {
    this.app = app;
    this.handle = handle;
    this.customer = customer;
    this.onOpen = opts.onOpen || (() => {});
    this.body = h('div', { class: 'customer-body', id: 'customer-body' }, h('p', { class: 'muted' }, 'Loading…'));
    this.el = h('details', { class: 'customer-panel', id: 'customer-panel' },
      h('summary', null, h('span', { class: 'summary-title' }, 'Customer details')),
      this.body);
    // Open beside the chat on a wide screen; folded on a phone.
    if (!window.matchMedia || window.matchMedia('(min-width: 721px)').matches) this.el.open = true;
    this.load();
  }

  async load() {
    try {
      const r = await this.app.api.get(base(this.handle) + '/customers/' + enc(this.customer.handle));
      this.data = r.customer;
      this.render();
    } catch (e) {
      this.body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, e.message || 'Not available.'));
    }
  }

  render() {
    const p = this.data;
    const err = h('p', { class: 'form-error', role: 'alert', id: 'customer-error' });
    const guard = async (fn) => {
      err.textContent = '';
      try {
        await fn();
      } catch (e) {
        err.textContent = e.message || 'Something went wrong.';
      }
    };

    const attrRows = Object.keys(p.attributes).sort().map((k) => h('div', { class: 'attr-row', 'data-attr': k },
      h('dt', { dir: 'auto' }, k),
      h('dd', null, h('span', { dir: 'auto' }, p.attributes[k]), ' ',
        h('button', { type: 'button', class: 'btn ghost small', 'aria-label': `Remove attribute ${k}`, onclick: () => guard(async () => {
          await this.app.api.call('PUT', base(this.handle) + '/customers/' + enc(p.customer.handle) + '/attributes', { attributes: { [k]: '' } });
          await this.load();
        }) }, '×'))));
    const key = h('input', { type: 'text', id: 'attr-key', maxlength: '64', autocomplete: 'off', placeholder: 'plan' });
    const value = h('input', { type: 'text', id: 'attr-value', maxlength: '200', autocomplete: 'off', placeholder: 'gold' });
    const attrForm = h('form', { class: 'attr-form', id: 'attr-form' },
      h('label', { for: 'attr-key' }, h('span', { class: 'field-label' }, 'Attribute'), key),
      h('label', { for: 'attr-value' }, h('span', { class: 'field-label' }, 'Value'), value),
      h('button', { type: 'submit', class: 'btn small' }, 'Save attribute'));
    attrForm.addEventListener('submit', (e) => {
      e.preventDefault();
      guard(async () => {
        await this.app.api.call('PUT', base(this.handle) + '/customers/' + enc(p.customer.handle) + '/attributes',
          { attributes: { [key.value.trim()]: value.value } });
        await this.load();
      });
    });

    const noteText = h('textarea', { id: 'customer-note-text', rows: '2', maxlength: '4000' });
    const noteForm = h('form', { class: 'stack-sm', id: 'customer-note-form' },
      h('label', { for: 'customer-note-text' }, h('span', { class: 'field-label' }, 'Note on this customer (team only)'), noteText),
      h('div', null, h('button', { type: 'submit', class: 'btn small' }, 'Add note')));
    noteForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!noteText.value.trim()) return;
      guard(async () => {
        await this.app.api.post(base(this.handle) + '/customers/' + enc(p.customer.handle) + '/notes', { text: noteText.value });
        await this.load();
      });
    });

    const threads = p.conversations.map((th, i) => h('li', { class: 'thread-row' },
      h('span', null, i === 0 && !th.resolved_at ? 'Current · ' : '', 'opened ', shortTime(th.opened_at)),
      th.resolved_at ? h('span', { class: 'muted' }, ' · resolved ', shortTime(th.resolved_at)) : null,
      th.assignee ? h('span', { class: 'muted' }, ' · ', displayName(th.assignee)) : null));

    this.body.replaceChildren(
      h('div', { class: 'customer-who' },
        h('strong', { dir: 'auto', id: 'customer-name' }, displayName(p.customer)),
        h('a', { href: '/@' + p.customer.handle, class: 'handle' }, '@' + p.customer.handle)),
      h('dl', { class: 'customer-facts' },
        h('div', null, h('dt', null, 'Follows the brand'), h('dd', { id: 'customer-follows' }, p.follows_brand ? 'Yes' : 'No')),
        h('div', null, h('dt', null, 'First contact'), h('dd', { id: 'customer-first' }, h('time', { datetime: p.first_contact }, fullTime(p.first_contact)))),
        h('div', null, h('dt', null, 'Labels'), h('dd', { id: 'customer-labels' }, p.labels.length ? p.labels.map((l) => h('span', { class: 'pill label' }, '#' + l)) : 'None'))),
      h('h3', null, 'Conversations with the brand'),
      h('ol', { class: 'customer-threads', id: 'customer-threads' }, threads.length ? threads : h('li', { class: 'muted' }, 'None yet.')),
      h('h3', null, 'Attributes'),
      attrRows.length ? h('dl', { class: 'customer-attrs', id: 'customer-attrs' }, attrRows) : h('p', { class: 'muted', id: 'customer-attrs' }, 'None yet.'),
      attrForm,
      h('h3', null, 'Notes'),
      h('ul', { class: 'customer-notes', id: 'customer-notes' }, p.notes.length
        ? p.notes.map((n) => h('li', { class: 'customer-note' },
          h('span', { class: 'msg-author' }, displayName(n.author), ' · ', shortTime(n.created_at)),
          h('p', { dir: 'auto' }, n.text)))
        : h('li', { class: 'muted' }, 'None yet.')),
      noteForm, err);
  }
}

// macroPicker is the composer's one-click macros.
export function macroPicker(app, handle, getConv, macros, onApplied, onError) {
  const pick = h('select', { id: 'inbox-macro', 'aria-label': 'Apply a macro' },
    h('option', { value: '' }, 'Macro…'),
    macros.map((m) => h('option', { value: m.id }, m.title + (m.personal ? ' (mine)' : ''))));
  pick.addEventListener('change', async () => {
    const id = pick.value;
    if (!id) return;
    // Disabled meanwhile, the picker keeps the keyboard focus (busy).
    await busy(pick, async () => {
      try {
        const r = await app.api.post(base(handle) + '/conversations/' + enc(getConv()) + '/macro',
          { macro_id: id, client_id: 'macro-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) });
        onApplied(r);
      } catch (e) {
        onError(e);
      }
      pick.value = '';
    });
  });
  return pick;
}

// deskPage is the console's Desk tab: service levels and agent teams (owners
// and admins change them), and macros (any member saves their own).
export function deskPage(app, handle, nav) {
  const b = base(handle);
  const guard = async (box, fn) => {
    box.textContent = '';
    try {
      await fn();
    } catch (e) {
      box.textContent = e.message || 'Something went wrong.';
    }
  };
  let manager = false;
  const slaErr = h('p', { class: 'form-error', role: 'alert' });
  const slaOk = h('p', { class: 'form-ok', role: 'status' });
  // The fields stay disabled until the brand's current levels are in them:
  // a value typed earlier would be overwritten by the load.
  const num = (id) => h('input', { type: 'number', id, min: '0', step: '1', inputmode: 'numeric', disabled: true });
  const first = num('sla-first');
  const next = num('sla-next');
  const cap = num('sla-cap');
  const save = h('button', { type: 'submit', class: 'btn primary', id: 'sla-save', disabled: true }, 'Save service levels');
  const slaForm = h('form', { class: 'stack-sm', id: 'sla-form' },
    h('label', { class: 'field', for: 'sla-first' }, h('span', { class: 'field-label' }, 'First response target (business minutes, 0 = none)'), first),
    h('label', { class: 'field', for: 'sla-next' }, h('span', { class: 'field-label' }, 'Next response target (business minutes, 0 = none)'), next),
    h('label', { class: 'field', for: 'sla-cap' }, h('span', { class: 'field-label' }, 'Most open conversations per agent (0 = no cap)'), cap),
    slaErr, slaOk,
    h('div', { class: 'manage' }, save));
  slaForm.addEventListener('submit', (e) => {
    e.preventDefault();
    slaOk.textContent = '';
    guard(slaErr, async () => {
      await app.api.call('PUT', b + '/service-levels', {
        first_response_minutes: Number(first.value || 0), next_response_minutes: Number(next.value || 0), max_open_per_agent: Number(cap.value || 0) });
      slaOk.textContent = 'Saved.';
    });
  });

  const teamsErr = h('p', { class: 'form-error', role: 'alert' });
  const teamsList = h('ul', { class: 'stack-sm', id: 'agent-teams' });
  const tName = h('input', { type: 'text', id: 'team-name', maxlength: '32', autocomplete: 'off', placeholder: 'billing' });
  const tMembers = h('input', { type: 'text', id: 'team-members', autocomplete: 'off', placeholder: 'bob, carol' });
  const teamForm = h('form', { class: 'stack-sm manage', id: 'team-form' },
    h('label', { class: 'field', for: 'team-name' }, h('span', { class: 'field-label' }, 'Team name'), tName),
    h('label', { class: 'field', for: 'team-members' }, h('span', { class: 'field-label' }, 'Members (handles, comma separated)'), tMembers),
    h('div', null, h('button', { type: 'submit', class: 'btn small primary' }, 'Create team')));
  const handles = (s) => s.split(',').map((x) => x.trim().replace(/^@/, '')).filter(Boolean);
  teamForm.addEventListener('submit', (e) => {
    e.preventDefault();
    guard(teamsErr, async () => {
      await app.api.post(b + '/agent-teams', { name: tName.value.trim(), members: handles(tMembers.value) });
      tName.value = '';
      tMembers.value = '';
      loadTeams();
    });
  });
  const loadTeams = () => guard(teamsErr, async () => {
    const r = await app.api.get(b + '/agent-teams');
    teamsList.replaceChildren(...(r.agent_teams.length ? r.agent_teams.map((t) => h('li', { class: 'agent-team', 'data-team': t.name },
      h('strong', null, t.name), ' ',
      h('span', { class: 'muted' }, t.members.length ? t.members.map((m) => '@' + m.handle).join(', ') : 'no members'), ' ',
      // Asks first, as a flow's Delete does: one click took the team.
      askFirstButton('Delete', `Delete team ${t.name}`, () => guard(teamsErr, async () => {
        await app.api.del(b + '/agent-teams/' + enc(t.id));
        await loadTeams();
      }), { class: 'btn small danger-outline manage' })))
      : [h('li', { class: 'muted' }, 'No agent teams yet.')]));
  });

  const macrosErr = h('p', { class: 'form-error', role: 'alert', id: 'macro-error' });
  const macrosList = h('ul', { class: 'stack-sm', id: 'macro-list' });
  const mTitle = h('input', { type: 'text', id: 'macro-title', maxlength: '64', autocomplete: 'off' });
  const mText = h('textarea', { id: 'macro-text', rows: '3', maxlength: '4000', placeholder: 'Hi {{first_name|there}}, …' });
  const mLabels = h('input', { type: 'text', id: 'macro-labels', autocomplete: 'off', placeholder: 'refund, billing' });
  const mStatus = h('select', { id: 'macro-status' }, [['', 'Leave status'], ['open', 'Open'], ['pending', 'Pending'], ['resolved', 'Resolved']]
    .map(([v, t]) => h('option', { value: v }, t)));
  const mPriority = h('select', { id: 'macro-priority' }, [['', 'Leave priority'], ['none', 'No priority'], ['low', 'Low'], ['medium', 'Medium'], ['high', 'High'], ['urgent', 'Urgent']]
    .map(([v, t]) => h('option', { value: v }, t)));
  const mAssign = h('input', { type: 'text', id: 'macro-assign', autocomplete: 'off', placeholder: 'me, a handle, or team:billing' });
  const mPersonal = h('input', { type: 'checkbox', id: 'macro-personal' });
  const personalRow = h('label', { class: 'choice', id: 'macro-personal-row' }, mPersonal, ' Only for me');
  const macroForm = h('form', { class: 'stack-sm', id: 'macro-form' },
    h('label', { class: 'field', for: 'macro-title' }, h('span', { class: 'field-label' }, 'Title'), mTitle),
    h('label', { class: 'field', for: 'macro-text' }, h('span', { class: 'field-label' }, 'Reply (optional; placeholders as in canned replies)'), mText),
    h('label', { class: 'field', for: 'macro-labels' }, h('span', { class: 'field-label' }, 'Add labels'), mLabels),
    h('div', { class: 'inline' },
      h('label', { class: 'field', for: 'macro-status' }, h('span', { class: 'field-label' }, 'Status'), mStatus),
      h('label', { class: 'field', for: 'macro-priority' }, h('span', { class: 'field-label' }, 'Priority'), mPriority)),
    h('label', { class: 'field', for: 'macro-assign' }, h('span', { class: 'field-label' }, 'Assign to'), mAssign),
    personalRow,
    h('div', null, h('button', { type: 'submit', class: 'btn small primary', id: 'macro-save' }, 'Save macro')));
  macroForm.addEventListener('submit', (e) => {
    e.preventDefault();
    guard(macrosErr, async () => {
      await app.api.post(b + '/macros', { title: mTitle.value, text: mText.value, add_labels: mLabels.value.split(',').map((x) => x.trim()).filter(Boolean),
        status: mStatus.value, priority: mPriority.value, assign: mAssign.value.trim(), personal: mPersonal.checked });
      for (const f of [mTitle, mText, mLabels, mAssign]) f.value = '';
      mStatus.value = '';
      mPriority.value = '';
      loadMacros();
    });
  });
  const loadMacros = () => guard(macrosErr, async () => {
    const r = await app.api.get(b + '/macros');
    macrosList.replaceChildren(...(r.macros.length ? r.macros.map((m) => {
      const does = [m.text ? 'reply' : '', m.add_labels.length ? 'labels ' + m.add_labels.map((l) => '#' + l).join(' ') : '',
        m.status ? 'status ' + m.status : '', m.priority ? 'priority ' + m.priority : '', m.assign ? 'assign ' + m.assign : ''].filter(Boolean).join(' · ');
      return h('li', { class: 'macro', 'data-id': m.id },
        h('strong', { dir: 'auto' }, m.title), ' ', h('span', { class: 'pill' }, m.personal ? 'mine' : 'shared'),
        h('p', { class: 'muted', dir: 'auto' }, does),
        m.personal || manager
          ? askFirstButton('Delete', `Delete macro ${m.title}`, () => guard(macrosErr, async () => {
            await app.api.del(b + '/macros/' + enc(m.id));
            await loadMacros();
          }))
          : null);
    }) : [h('li', { class: 'muted' }, 'No macros yet.')]));
  });

  const el = h('section', { class: 'page console-analytics console-settings console-desk' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Desk`)),
    nav,
    h('p', { class: 'notice readonly-note' }, 'Only the brand\'s owners and admins change service levels and agent teams; you may save your own macros.'),
    h('div', { class: 'card stack' }, h('h2', null, 'Service levels'),
      h('p', { class: 'hint' }, 'Targets count business hours only (see Settings). Open conversations show the time left; overdue ones stand out.'), slaForm),
    h('div', { class: 'card stack' }, h('h2', null, 'Agent teams'),
      h('p', { class: 'hint' }, 'Each team has its own round-robin: assign a conversation to a team, or use team:name in a macro or a rule.'),
      teamsList, teamForm, teamsErr),
    h('div', { class: 'card stack' }, h('h2', null, 'Macros'),
      h('p', { class: 'hint' }, 'One click sends the reply and sets labels, status, priority and the assignee, all at once or not at all.'),
      macrosList, macroForm, macrosErr));

  guard(slaErr, async () => {
    const mine = await app.api.get('/api/v1/brands');
    const me = mine.brands.find((x) => x.brand.handle === handle);
    manager = !!me && (me.role === 'owner' || me.role === 'admin');
    el.classList.toggle('readonly', !manager);
    personalRow.hidden = !manager;
    const r = await app.api.get(b + '/service-levels');
    first.value = r.service_levels.first_response_minutes;
    next.value = r.service_levels.next_response_minutes;
    cap.value = r.service_levels.max_open_per_agent;
    for (const f of [first, next, cap]) f.disabled = !manager;
    save.disabled = !manager;
    loadTeams();
    loadMacros();
  });
  return { el, title: `Desk · @${handle}` };
}
