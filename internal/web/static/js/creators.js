// The brand console's creator pipeline: a board with one column per stage
// (prospect ... paid, declined), a card per creator that moves with its
// "Stage" menu (or by dragging it to another column), and a details panel to
// edit notes, deliverables, the agreed fee and due dates, see the history
// and results, propose a collaboration by DM (a template with follow-ups)
// and give offer codes. Everything is built with DOM calls: no data is
// parsed as markup. Owners, admins and agents with the partnerships
// permission see it; the API answers 404 to anyone else.

import { h, avatar, displayName, shortTime } from './dom.js';
import { brandNav } from './console.js';
import { APIError } from './api.js';

export const STAGES = [
  ['prospect', 'Prospect'], ['contacted', 'Contacted'], ['negotiating', 'Negotiating'], ['agreed', 'Agreed'],
  ['content_live', 'Content live'], ['paid', 'Paid'], ['declined', 'Declined'],
];
const stageName = (s) => (STAGES.find(([k]) => k === s) || [s, s])[1];

const OUTREACH = {
  running: 'Outreach running', answered: 'Answered', accepted: 'Accepted', declined: 'Declined', blocked: 'Blocked the brand',
  stopped: 'Outreach stopped', finished: 'Follow-ups sent',
};

// money shows minor units in a currency ("€2,500.00"); without a currency
// the number alone.
export function money(minor, currency) {
  if (!currency) return minor ? String(minor) : '';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch (e) {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

// parseMoney reads "2500" or "2500.50" as minor units (cents), or null.
function parseMoney(s) {
  const t = s.trim();
  if (t === '') return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  const [a, b = ''] = t.split('.');
  return Number(a) * 100 + Number((b + '00').slice(0, 2));
}

function field(label, id, control) {
  return h('label', { class: 'console-field', for: id }, h('span', { class: 'field-label' }, label), control);
}

export function creatorsPage(app, handle) {
  const base = `/api/v1/brands/${encodeURIComponent(handle)}/creators`;
  const err = h('p', { class: 'form-error', role: 'alert', id: 'creators-error' });
  const board = h('div', { class: 'creator-board', id: 'creator-board', role: 'list', 'aria-label': 'Pipeline' });
  const panel = h('section', { class: 'card creator-panel', id: 'creator-panel', hidden: true, 'aria-label': 'Creator details' });
  // With no one on it, the board was eight empty columns and nothing said
  // what they are for or how to begin.
  const empty = h('p', { class: 'notice creators-empty', id: 'creators-empty', hidden: true },
    'No creators yet. This board follows the creators @', handle, ' works with, from prospect to paid: add one by their handle above, then open their card to write to them, agree a fee and follow what they deliver.');
  let creators = [];
  let selected = '';
  let offers = null; // the brand's offers, for giving codes (loaded once)
  let canned = null; // canned replies, as outreach templates
  let shown = ''; // what the details panel shows (the creator as JSON), to skip redrawing it unchanged
  let madeLink = null; // the tracked link just made ({ handle, url }), shown until another creator is opened

  const show = (e) => {
    err.textContent = e instanceof APIError && e.status === 404 && !creators.length
      ? `The creator pipeline of @${handle} is for its owners, admins and agents with the partnerships permission.`
      : e.message;
  };
  const put = (c) => {
    const i = creators.findIndex((x) => x.creator.handle === c.creator.handle);
    if (i >= 0) creators[i] = c;
    else creators.unshift(c);
    renderBoard();
  };
  const move = async (c, stage) => {
    if (c.stage === stage) return;
    try {
      const r = await app.api.patch(`${base}/${encodeURIComponent(c.creator.handle)}`, { stage });
      put(r.creator);
      if (selected === c.creator.handle) renderPanel(r.creator);
      app.announce && app.announce(`${c.creator.handle} moved to ${stageName(stage)}`);
    } catch (e) {
      show(e);
    }
  };

  const DUE = { due_soon: 'Due soon', overdue: 'Overdue' };
  const card = (c) => {
    const done = c.deliverables.filter((d) => d.done).length;
    // The server flags deliverables due soon or overdue; the card shows the worst.
    const overdue = c.deliverables.filter((d) => d.due === 'overdue').length;
    const soon = c.deliverables.filter((d) => d.due === 'due_soon').length;
    const dueFlag = overdue ? h('span', { class: 'pill due-overdue', 'data-due': 'overdue' }, `${overdue} overdue`)
      : soon ? h('span', { class: 'pill due-soon', 'data-due': 'due_soon' }, `${soon} due soon`) : null;
    const stageSel = h('select', { class: 'card-stage', 'aria-label': `Stage of ${c.creator.handle}`, onchange: (e) => move(c, e.target.value) },
      STAGES.map(([v, t]) => h('option', { value: v, selected: v === c.stage }, t)));
    stageSel.value = c.stage;
    const el = h('article', { class: 'creator-card' + (selected === c.creator.handle ? ' selected' : ''), role: 'listitem', draggable: 'true',
      'data-handle': c.creator.handle },
      h('div', { class: 'creator-who' }, avatar(c.creator), h('div', { class: 'creator-name' }, h('strong', null, displayName(c.creator)), h('div', { class: 'handle' }, '@' + c.creator.handle))),
      c.fee_minor ? h('p', { class: 'creator-fee' }, money(c.fee_minor, c.fee_currency)) : null,
      c.due_date ? h('p', { class: 'hint' }, 'Due ' + c.due_date) : null,
      c.deliverables.length ? h('p', { class: 'hint' }, `${done}/${c.deliverables.length} deliverables done`) : null,
      dueFlag,
      c.outreach.state ? h('span', { class: 'pill outreach-' + c.outreach.state }, OUTREACH[c.outreach.state] || c.outreach.state) : null,
      h('div', { class: 'card-actions' }, stageSel,
        h('button', { type: 'button', class: 'btn small', 'data-action': 'open', onclick: () => open(c.creator.handle) }, 'Details')));
    el.addEventListener('dragstart', (e) => {
      e.dataTransfer.setData('text/plain', c.creator.handle);
      e.dataTransfer.effectAllowed = 'move';
    });
    return el;
  };

  const renderBoard = () => {
    empty.hidden = creators.length > 0;
    board.replaceChildren(...STAGES.map(([stage, title]) => {
      const cs = creators.filter((c) => c.stage === stage);
      const col = h('section', { class: 'creator-col', 'data-stage': stage, role: 'listitem', 'aria-label': title },
        h('h2', null, title, ' ', h('span', { class: 'count' }, String(cs.length))),
        h('div', { class: 'creator-cards', role: 'list' }, cs.map(card)));
      col.addEventListener('dragover', (e) => { e.preventDefault(); col.classList.add('drop'); });
      col.addEventListener('dragleave', () => col.classList.remove('drop'));
      col.addEventListener('drop', (e) => {
        e.preventDefault();
        col.classList.remove('drop');
        const c = creators.find((x) => x.creator.handle === e.dataTransfer.getData('text/plain'));
        if (c) move(c, stage);
      });
      return col;
    }));
  };

  // open shows who's details; live (a teammate's or the creator's change
  // told by an event) redraws the panel only when what it shows changed,
  // so that one's own save, told back a moment later, does not redraw the
  // form under the next thing one types.
  const open = async (who, live) => {
    if (!live && (!madeLink || madeLink.handle !== who)) madeLink = null;
    selected = who;
    renderBoard();
    try {
      const r = await app.api.get(`${base}/${encodeURIComponent(who)}`);
      // Unchanged: no redraw under what one may be typing already.
      if (!panel.hidden && shown === JSON.stringify(r.creator)) {
        if (!live) panel.scrollIntoView({ block: 'nearest' });
        return;
      }
      renderPanel(r.creator);
      if (!live) panel.scrollIntoView({ block: 'nearest' });
    } catch (e) {
      show(e);
    }
  };

  // renderPanel draws one creator's details: the deal, the outreach, codes.
  const renderPanel = (c) => {
    shown = JSON.stringify(c);
    const path = `${base}/${encodeURIComponent(c.creator.handle)}`;
    const perr = h('p', { class: 'form-error', role: 'alert', id: 'creator-panel-error' });
    const ok = h('p', { class: 'form-ok', role: 'status' });
    const notes = h('textarea', { id: 'creator-notes', rows: '3', maxlength: '4000' });
    notes.value = c.notes;
    const fee = h('input', { type: 'text', id: 'creator-fee', inputmode: 'decimal', value: c.fee_minor ? (c.fee_minor / 100).toFixed(2) : '', placeholder: '2500.00' });
    const cur = h('input', { type: 'text', id: 'creator-currency', maxlength: '3', value: c.fee_currency, placeholder: 'EUR', autocapitalize: 'characters' });
    const due = h('input', { type: 'date', id: 'creator-due', value: c.due_date });
    let items = c.deliverables.map((d) => ({ ...d }));
    const list = h('ul', { class: 'deliverables', id: 'creator-deliverables' });
    const renderItems = () => {
      list.replaceChildren(...items.map((d, i) => {
        const title = h('input', { type: 'text', value: d.title, maxlength: '200', 'aria-label': `Deliverable ${i + 1}`, oninput: (e) => { d.title = e.target.value; } });
        const date = h('input', { type: 'date', value: d.due_date, 'aria-label': `Due date of deliverable ${i + 1}`, onchange: (e) => { d.due_date = e.target.value; } });
        const tick = h('input', { type: 'checkbox', checked: d.done, 'aria-label': `Deliverable ${i + 1} done`, onchange: (e) => { d.done = e.target.checked; } });
        return h('li', null, tick, title, date,
          d.due && DUE[d.due] ? h('span', { class: 'pill due-' + (d.due === 'overdue' ? 'overdue' : 'soon') }, DUE[d.due]) : null,
          h('button', { type: 'button', class: 'btn ghost small', 'aria-label': `Remove deliverable ${i + 1}`, onclick: () => { items.splice(i, 1); renderItems(); } }, '✕'));
      }));
    };
    renderItems();
    const save = async () => {
      perr.textContent = '';
      ok.textContent = '';
      const minor = parseMoney(fee.value);
      if (minor === null) {
        perr.textContent = 'fee: a number such as 2500 or 2500.50.';
        return;
      }
      try {
        const r = await app.api.patch(path, {
          notes: notes.value, fee_minor: minor, fee_currency: cur.value.trim(), due_date: due.value,
          deliverables: items.map((d) => ({ id: d.id || '', title: d.title, due_date: d.due_date || '', done: !!d.done })),
        });
        put(r.creator);
        renderPanel(r.creator);
        panel.querySelector('.form-ok').textContent = 'Saved.';
      } catch (e) {
        perr.textContent = e.message;
      }
    };

    // The outreach: a template (a canned reply may fill it) and up to two
    // follow-ups.
    const text = h('textarea', { id: 'outreach-text', rows: '3', placeholder: 'Hi {{first_name|there}}, we love your work…' });
    const fus = [0, 1].map((i) => ({
      on: h('input', { type: 'checkbox', id: `followup-${i}-on`, checked: i === 0 }),
      hours: h('input', { type: 'number', id: `followup-${i}-hours`, min: '1', max: '720', value: i === 0 ? '48' : '96', 'aria-label': `Follow-up ${i + 1}: hours after the previous message` }),
      text: h('textarea', { id: `followup-${i}-text`, rows: '2', 'aria-label': `Follow-up ${i + 1} text`, placeholder: 'Just checking in, {{first_name|there}}!' }),
    }));
    const templates = h('select', { id: 'outreach-template', 'aria-label': 'Template' }, h('option', { value: '' }, 'Start from a canned reply…'));
    templates.addEventListener('change', () => {
      const r = (canned || []).find((x) => x.id === templates.value);
      if (r) text.value = r.text;
    });
    (async () => {
      try {
        if (!canned) canned = (await app.api.get(`/api/v1/brands/${encodeURIComponent(handle)}/canned-replies`)).canned_replies || [];
        for (const r of canned) templates.appendChild(h('option', { value: r.id }, r.title));
      } catch (e) { /* templates are a convenience */ }
    })();
    const oerr = h('p', { class: 'form-error', role: 'alert', id: 'outreach-error' });
    const sendOutreach = async (e) => {
      e.preventDefault();
      oerr.textContent = '';
      const follow = fus.filter((f) => f.on.checked).map((f) => ({ delay_minutes: Math.round(Number(f.hours.value) * 60), text: f.text.value }));
      try {
        const r = await app.api.post(`${path}/outreach`, { text: text.value, follow_ups: follow });
        put(r.creator);
        renderPanel(r.creator);
      } catch (x) {
        oerr.textContent = x.message;
      }
    };
    const running = c.outreach.state === 'running';
    const outreach = h('form', { class: 'stack-sm outreach-form', id: 'outreach-form', onsubmit: sendOutreach },
      h('h3', null, 'Propose a collaboration'),
      h('p', { class: 'hint' }, 'Sent as the brand to the creator’s DMs (their Requests if they don’t follow you), with Accept and Decline buttons. Placeholders: {{first_name|there}}, {{name}}, {{brand_name}}. Follow-ups stop as soon as they answer.'),
      templates, field('Message', 'outreach-text', text),
      // The delay sits in the fieldset's body, not in its legend: a legend
      // that wraps at phone width draws its second line across the border.
      fus.map((f, i) => h('fieldset', { class: 'followup' },
        h('legend', null, h('label', { for: `followup-${i}-on` }, f.on, ` Follow-up ${i + 1}`)),
        h('span', { class: 'followup-delay' }, 'after ', f.hours, ' hours'), f.text)),
      oerr,
      h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn', id: 'outreach-send', disabled: running }, 'Send proposal'),
        running ? h('button', { type: 'button', class: 'btn ghost small', id: 'outreach-stop', onclick: async () => {
          try {
            const r = await app.api.del(`${path}/outreach`);
            put(r.creator);
            renderPanel(r.creator);
          } catch (x) {
            oerr.textContent = x.message;
          }
        } }, 'Stop follow-ups') : null));

    // Codes of an offer, to hand out; their redemptions are the creator's.
    const offerSel = h('select', { id: 'codes-offer', 'aria-label': 'Offer' });
    const count = h('input', { type: 'number', id: 'codes-count', min: '1', max: '100', value: '1', 'aria-label': 'How many codes' });
    const cerr = h('p', { class: 'form-error', role: 'alert' });
    let codesForm = null;
    const res = c.results || { codes: [], codes_given: 0, redemptions: 0, links: 0, clicks: 0, unique_clicks: 0 };
    // A tracked link for the creator to share: its clicks are theirs.
    const linkURL = h('input', { type: 'url', id: 'creator-link-url', placeholder: 'https://shop.example/summer', maxlength: '2048', 'aria-label': 'Destination of the link' });
    const linkOut = h('p', { class: 'creator-link', id: 'creator-link', role: 'status' });
    // The link just made stays in view when the panel is redrawn (a live
    // event, a save), until another creator is opened.
    if (madeLink && madeLink.handle === c.creator.handle) linkOut.replaceChildren('Share this link: ', h('code', null, madeLink.url));
    const lerr = h('p', { class: 'form-error', role: 'alert' });
    const linkForm = h('form', { class: 'actions-row', id: 'creator-link-form', onsubmit: async (e) => {
      e.preventDefault();
      lerr.textContent = '';
      try {
        const r = await app.api.post(`${path}/links`, { url: linkURL.value.trim() });
        madeLink = { handle: c.creator.handle, url: r.url };
        put(r.creator);
        renderPanel(r.creator);
      } catch (x) {
        lerr.textContent = x.message;
      }
    } }, linkURL, h('button', { type: 'submit', class: 'btn small' }, 'Make a tracked link'));
    const results = h('div', { class: 'stack-sm creator-results', id: 'creator-results' },
      h('h3', null, 'Results'),
      h('p', null, h('strong', { class: 'result-redemptions' }, String(res.redemptions)), ` of ${res.codes_given} codes redeemed · `,
        h('strong', { class: 'result-clicks' }, String(res.clicks)), ` clicks on ${res.links} tracked link${res.links === 1 ? '' : 's'} (${res.unique_clicks} clicked)`),
      res.codes.length ? h('p', { class: 'hint creator-codes' }, res.codes.map((k) => k.code + (k.redeemed_at ? ' ✓' : '')).join(' · ')) : null,
      codesForm = h('form', { class: 'actions-row', id: 'codes-form', onsubmit: async (e) => {
        e.preventDefault();
        cerr.textContent = '';
        try {
          const r = await app.api.post(`${path}/codes`, { campaign_id: offerSel.value, count: Number(count.value) });
          put(r.creator);
          renderPanel(r.creator);
        } catch (x) {
          cerr.textContent = x.message;
        }
      } }, offerSel, count, h('button', { type: 'submit', class: 'btn small' }, 'Give codes')), cerr, linkForm, lerr, linkOut);

    (async () => {
      try {
        if (!offers) offers = ((await app.api.get(`/api/v1/brands/${encodeURIComponent(handle)}/campaigns`)).campaigns || []).filter((x) => x.type === 'offer');
        offerSel.replaceChildren(...offers.map((o) => h('option', { value: o.id }, o.name)));
        if (!offers.length) codesForm.replaceChildren(h('span', { class: 'hint' }, 'No offers yet: create an offer campaign to give its codes to creators.'));
      } catch (e) { /* only owners and admins may see campaigns' codes */ }
    })();
    const history = h('ol', { class: 'creator-history', id: 'creator-history' }, (c.history || []).map((m) =>
      h('li', null, h('time', { datetime: m.at }, shortTime(m.at)), ' ',
        m.from ? `${stageName(m.from)} → ${stageName(m.to)}` : `Added as ${stageName(m.to)}`,
        m.by ? ` · ${m.by.handle === c.creator.handle ? 'the creator' : '@' + m.by.handle}${m.reason === 'accepted' || m.reason === 'declined' ? ' ' + m.reason : ''}` : '')));

    panel.hidden = false;
    // The nulls left out: replaceChildren printed them as the text "null"
    // (a creator not yet written to).
    panel.replaceChildren(...[
      h('div', { class: 'panel-head' }, avatar(c.creator), h('h2', null, displayName(c.creator), ' ', h('span', { class: 'handle' }, '@' + c.creator.handle)),
        h('span', { class: 'pill' }, stageName(c.stage)),
        h('button', { type: 'button', class: 'btn ghost small', 'aria-label': 'Close', onclick: () => { selected = ''; panel.hidden = true; renderBoard(); } }, '✕')),
      c.outreach.state ? h('p', { class: 'hint', id: 'creator-outreach-state' }, `${OUTREACH[c.outreach.state] || c.outreach.state}: ${c.outreach.sent} message${c.outreach.sent === 1 ? '' : 's'} sent`,
        c.outreach.conversation_id ? [' · ', h('a', { href: `/brands/${encodeURIComponent(handle)}/c/${encodeURIComponent(c.outreach.conversation_id)}` }, 'Open the conversation')] : null) : null,
      h('form', { class: 'stack-sm deal-form', id: 'deal-form', onsubmit: (e) => { e.preventDefault(); save(); } },
        field('Notes', 'creator-notes', notes),
        h('div', { class: 'deal-row' }, field('Agreed fee', 'creator-fee', fee), field('Currency', 'creator-currency', cur), field('Due date', 'creator-due', due)),
        h('h3', null, 'Deliverables'), list,
        h('button', { type: 'button', class: 'btn small', id: 'add-deliverable', onclick: () => { items.push({ id: '', title: '', due_date: '', done: false }); renderItems(); } }, 'Add deliverable'),
        perr, ok,
        h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn', id: 'deal-save' }, 'Save'),
          h('button', { type: 'button', class: 'btn ghost small', onclick: async () => {
            if (!confirm(`Remove @${c.creator.handle} from the pipeline?`)) return;
            try {
              await app.api.del(path);
              creators = creators.filter((x) => x.creator.handle !== c.creator.handle);
              selected = '';
              panel.hidden = true;
              renderBoard();
            } catch (x) {
              perr.textContent = x.message;
            }
          } }, 'Remove'))),
      outreach, results,
      h('h3', null, 'History'), history,
    ].filter(Boolean));
  };

  const addInput = h('input', { type: 'text', id: 'creator-add-handle', placeholder: 'Creator’s handle', autocomplete: 'off', maxlength: '30' });
  const add = h('form', { class: 'actions-row creator-add', id: 'creator-add', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      const r = await app.api.post(base, { handle: addInput.value.trim().replace(/^@/, '') });
      addInput.value = '';
      put(r.creator);
    } catch (x) {
      show(x);
    }
  } }, h('label', { for: 'creator-add-handle', class: 'sr-only' }, 'Creator’s handle'), addInput, h('button', { type: 'submit', class: 'btn small' }, 'Add to pipeline'));

  const load = async () => {
    try {
      creators = (await app.api.get(base)).creators;
      err.textContent = '';
      renderBoard();
    } catch (e) {
      show(e);
    }
  };
  const el = h('section', { class: 'page console-creators' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Creators`)),
    brandNav(handle, 'creators'),
    add, err, empty, board, panel);
  load();
  // creator.updated (to those who see the pipeline): the board and an open
  // panel follow a teammate's changes and the creator's Accept or Decline;
  // creator.due (a deliverable became due soon or overdue) shows the flag.
  let timer = 0;
  return {
    el,
    title: `Creators · @${handle}`,
    onEvent(ev) {
      if ((ev.type !== 'creator.updated' && ev.type !== 'creator.due') || ev.brand !== handle) return;
      clearTimeout(timer);
      timer = setTimeout(async () => {
        await load();
        const who = ev.actor && ev.actor.handle;
        if (who && who === selected) {
          if (ev.state === 'removed') {
            selected = '';
            panel.hidden = true;
          } else if (!panel.contains(document.activeElement)) {
            open(who, true); // not while someone types in it
          }
        }
      }, 150);
    },
  };
}
