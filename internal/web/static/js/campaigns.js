// The brand console's campaigns page: each campaign with a progress bar
// (sent, pending, skipped, failed over the targeted), the skipped ones by
// reason, an event invitation's RSVP tallies, and the actions its state
// allows. It follows campaign.progress events, so the bars and tallies
// move live. Plain SVG, no chart library.

import { h, busy } from './dom.js';
import { brandNav } from './console.js';
import { APIError } from './api.js';
import { funnelPanel } from './funnel.js';
import { campaignEditor } from './campaigneditor.js';
import { skippedText } from './skipreasons.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}


// progressBar draws sent, pending, skipped and failed as parts of one bar.
function progressBar(p) {
  const W = 300, H = 16;
  const total = Math.max(1, p.targeted);
  const skipped = Object.values(p.skipped || {}).reduce((a, b) => a + b, 0);
  const parts = [['sent', p.sent], ['skipped', skipped], ['failed', p.failed + p.cancelled], ['pending', p.pending]];
  // preserveAspectRatio none: the bar fills the width CSS gives it instead
  // of being drawn at its height's scale in the middle of the box.
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'campaign-bar', role: 'img',
    'aria-label': `${p.sent} sent, ${p.pending} pending, ${skipped} skipped, ${p.failed} failed of ${p.targeted}` });
  g.appendChild(svg('rect', { width: W, height: H, rx: 4, class: 'gauge-bg' }));
  let x = 0;
  for (const [cls, n] of parts) {
    const w = (n / total) * W;
    if (w > 0) g.appendChild(svg('rect', { x, width: w, height: H, class: 'bar-' + cls }));
    x += w;
  }
  return g;
}

export function campaignsPage(app, handle) {
  const base = `/api/v1/brands/${encodeURIComponent(handle)}/campaigns`;
  const list = h('div', { class: 'stack', id: 'campaign-list' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  let campaigns = [];
  const open = new Map(); // campaign id -> its funnel panel, while shown
  // asking is the campaign whose Cancel asks first: a cancelled campaign
  // cannot be resumed, and one press ended it. The question is kept in
  // this page's state, not the button's, since live progress redraws the
  // list many times a minute; it goes after a few seconds.
  let asking = '';
  let askTimer = 0;

  const row = (c) => {
    const p = c.progress;
    const skipped = skippedText(p.skipped);
    // Disabled while it runs (busy), the pressed button keeps the keyboard
    // focus: back on the campaign once redrawn (Start becomes Pause), or on
    // the button itself after a failure.
    const run = (b, action) => busy(b, async () => {
      try {
        const r = await app.api.post(`${base}/${encodeURIComponent(c.id)}/${action}`);
        err.textContent = '';
        replace(r.campaign);
      } catch (x) {
        err.textContent = x.message;
      }
    }, () => (b.isConnected ? b.focus() : focusIn(c.id, action)));
    const act = (action, label) => h('button', { type: 'button', class: 'btn small', 'data-action': action, onclick: (e) => run(e.currentTarget, action) }, label);
    const cancel = () => {
      const q = asking === c.id;
      return h('button', { type: 'button', class: 'btn small danger-outline', 'data-action': 'cancel',
        'aria-label': q ? `Confirm: cancel ${c.name} for good` : `Cancel ${c.name}`,
        onclick: (e) => {
          clearTimeout(askTimer);
          if (!q) {
            asking = c.id;
            askTimer = setTimeout(() => { asking = ''; render(); }, 5000);
            render();
            return;
          }
          asking = '';
          run(e.currentTarget, 'cancel');
        } }, q ? 'Cancel for good?' : 'Cancel');
    };
    const actions = [];
    if (c.status === 'draft') {
      actions.push(act('start', 'Start'));
      actions.push(h('button', { type: 'button', class: 'btn small', 'data-action': 'edit', onclick: () => edit(c) }, 'Edit'));
    }
    if (c.status === 'running') actions.push(act('pause', 'Pause'));
    if (c.status === 'paused') actions.push(act('resume', 'Resume'));
    if (['draft', 'scheduled', 'running', 'paused'].includes(c.status)) actions.push(cancel());
    if (c.status !== 'draft') {
      actions.push(h('button', { type: 'button', class: 'btn small', 'data-action': 'funnel', 'aria-expanded': String(open.has(c.id)),
        onclick: () => {
          if (open.has(c.id)) open.delete(c.id);
          else open.set(c.id, funnelPanel(app, base, c.id));
          render();
        } }, 'Funnel'));
    }
    const r = p.rsvp;
    return h('article', { class: 'card campaign', 'data-id': c.id },
      h('h2', null, c.name, ' ', h('span', { class: 'pill campaign-status' }, c.status)),
      progressBar(p),
      h('p', { class: 'campaign-counts' },
        h('span', { class: 'count-sent' }, `${p.sent} sent`), ` of ${p.targeted} · ${p.pending} pending`,
        p.deferred ? ` (${p.deferred} until quiet hours end)` : '', p.failed ? ` · ${p.failed} failed` : ''),
      skipped ? h('p', { class: 'hint campaign-skipped' }, 'Held back: ' + skipped) : null,
      r ? h('p', { class: 'rsvp-tally', 'aria-live': 'polite' },
        h('span', { class: 'rsvp-yes' }, `${r.yes} going`), ` · ${r.waitlist} waiting · ${r.maybe} maybe · ${r.no} no`) : null,
      actions.length ? h('div', { class: 'actions-row' }, ...actions) : null,
      open.get(c.id) || null);
  };
  // render draws the list again (on every live progress step): a control
  // that had the keyboard focus keeps it (the same action of the same
  // campaign, else that campaign's first button): it fell to the page, so
  // that a keyboard could hardly reach Pause on a running campaign.
  const render = () => {
    const a = document.activeElement;
    const had = a && list.contains(a) ? a : null;
    const card = had && had.closest('[data-id]');
    const id = card ? card.dataset.id : '';
    const action = had ? had.dataset.action : '';
    list.replaceChildren(...(campaigns.length ? campaigns.map(row) : [h('p', { class: 'muted campaigns-empty' }, 'No campaigns yet. Press New campaign to send an offer, an event invitation or a survey.')]));
    if (!had) return;
    if (had.isConnected) { had.focus(); return; }
    focusIn(id, action);
  };
  const focusIn = (id, action) => {
    const now = id && [...list.querySelectorAll('[data-id]')].find((x) => x.dataset.id === id);
    const to = now && ((action && now.querySelector(`[data-action="${CSS.escape(action)}"]`)) || now.querySelector('button:not([disabled])'));
    if (to) to.focus();
  };
  const replace = (c) => {
    const i = campaigns.findIndex((x) => x.id === c.id);
    if (i >= 0) campaigns[i] = c;
    render();
  };
  const load = async () => {
    try {
      const r = await app.api.get(base);
      campaigns = r.campaigns;
      err.textContent = '';
      render();
    } catch (e) {
      err.textContent = e instanceof APIError && e.status === 404 ? `You are not on @${handle}'s team.` : e.message;
    }
  };
  // The editor (campaigneditor.js), above the list while open.
  const editorSlot = h('div', { id: 'campaign-editor' });
  const edit = (c) => {
    editorSlot.replaceChildren(campaignEditor(app, handle, c, (saved) => {
      editorSlot.replaceChildren();
      if (c) replace(saved);
      else load();
    }, () => editorSlot.replaceChildren()));
    editorSlot.querySelector('input')?.focus();
  };
  const el = h('section', { class: 'page console-campaigns' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Campaigns`)),
    brandNav(handle, 'campaigns'),
    // Below the tabs, so that they sit where they do on every console page
    // (between the heading and the tabs it pushed them 40 px down here).
    h('div', { class: 'actions-row campaigns-actions' },
      h('button', { type: 'button', class: 'btn small primary', id: 'new-campaign', onclick: () => edit(null) }, 'New campaign')),
    err, editorSlot, list);
  load();
  return {
    el,
    title: `Campaigns · @${handle}`,
    onEvent(ev) {
      if (ev.brand !== handle || ev.type !== 'campaign.progress' || !ev.campaign) return;
      const c = campaigns.find((x) => x.id === ev.campaign.campaign_id);
      if (!c) {
        load();
        return;
      }
      c.progress = ev.campaign;
      c.status = ev.campaign.status;
      render();
    },
  };
}
