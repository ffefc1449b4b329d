// The console's campaign editor: create or edit a draft of every type the
// API has (a message, an exclusive offer with generated codes or a pool
// uploaded as CSV, an event invitation, a survey), the first message's
// A/B variants with their split, up to two follow-ups, the audience as a
// tree of conditions (all of / any of, each one or a group negated with
// NOT, nested) with a live preview count and sample, the rate and the
// start. The API checks everything; a 400 names the field first
// ("steps[0].variants[1].weight: 1 to 100."), and the message is shown
// beside that field (for the audience, beside the condition it names).
// Every value is set as text or a property, never as markup.

import { h, displayName } from './dom.js';
import { APIError } from './api.js';

// fieldOf is the field path a 400's message starts with ("" if none).
function fieldOf(msg) {
  const m = /^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*):/.exec(msg || '');
  return m ? m[1] : '';
}

// parents lists a path and its parents, deepest first:
// steps[0].variants[1].weight, steps[0].variants[1], steps[0].variants, ...
function parents(path) {
  const out = [];
  while (path) {
    out.push(path);
    const up = path.replace(/(\.[a-z_]+|\[\d+\])$/, '');
    if (up === path) break;
    path = up;
  }
  return out;
}

// Limits the API sets (internal/campaign): 3 steps (the message and 2
// follow-ups), 5 variants, audiences nested 8 deep (the editor offers 4).
const MAX_FOLLOW_UPS = 2;
const MAX_VARIANTS = 5;
const MAX_GROUP_DEPTH = 4;

// Time zones: zoneOffset is how far tz is ahead of UTC at the instant ms.
function zoneOffset(ms, tz) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
}

// zonedToISO reads a datetime-local value as a wall time in tz.
export function zonedToISO(local, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return '';
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let ms = guess - zoneOffset(guess, tz);
  ms = guess - zoneOffset(ms, tz); // across a change of offset
  return new Date(ms).toISOString();
}

// isoToZoned is the wall time in tz of an instant, for a datetime-local.
function isoToZoned(iso, tz) {
  const ms = Date.parse(iso);
  return new Date(ms + zoneOffset(ms, tz)).toISOString().slice(0, 16);
}

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch (e) {
    return 'UTC';
  }
}

// Minutes shown as a number and a unit (the largest that divides them).
const UNITS = [['minutes', 1], ['hours', 60], ['days', 1440]];
function splitMinutes(min) {
  for (const [u, n] of [...UNITS].reverse()) if (min > 0 && min % n === 0) return [min / n, u];
  return [min, 'minutes'];
}
// unitSelect is the unit beside a number; label names it to a screen reader
// (the field's visible label is the number's: the unit had no name at all).
function unitSelect(unit, label) {
  const s = h('select', { class: 'unit', 'aria-label': label }, UNITS.map(([u]) => h('option', { value: u }, u)));
  s.value = unit;
  return s;
}
const toMinutes = (num, unit) => Math.round((Number(num.value) || 0) * (UNITS.find(([u]) => u === unit.value) || UNITS[0])[1]);

// The audience: leaves and groups. A node is { kind, not, ... }: a group
// has op ('and' or 'or') and children; a leaf its values.
const LEAVES = [
  ['followers', 'Followers of the brand'], ['label', 'Customers with the label'], ['attribute', 'Customers with the attribute'],
  ['wrote', 'Wrote to the brand within'], ['survey', 'Answered a survey with a score below'], ['rsvp', 'Answered an invitation'],
];

function fromAudience(a) {
  if (!a) return null;
  if (a.not) {
    const n = fromAudience(a.not);
    if (n) n.not = !n.not;
    return n;
  }
  if (a.and || a.or) {
    const op = a.and ? 'and' : 'or';
    return { kind: 'group', op, not: false, children: (a[op] || []).map(fromAudience).filter(Boolean) };
  }
  if (a.followers) return { kind: 'followers', not: false };
  if (a.label) return { kind: 'label', not: false, label: a.label };
  if (a.attribute) return { kind: 'attribute', not: false, key: a.attribute.key, value: a.attribute.value };
  if (a.wrote_within_days) return { kind: 'wrote', not: false, days: a.wrote_within_days };
  if (a.survey_below) return { kind: 'survey', not: false, survey_id: a.survey_below.survey_id, below: a.survey_below.below };
  if (a.rsvp) return { kind: 'rsvp', not: false, campaign_id: a.rsvp.campaign_id, answer: a.rsvp.answer || 'yes' };
  return null;
}

// toAudience writes a node as the API's expression; paths maps each
// node's path in it to the node (for the API's messages).
function toAudience(n, path, paths) {
  if (n.not) {
    paths.set(path, n);
    const inner = toAudience({ ...n, not: false }, path + '.not', paths);
    paths.set(path + '.not', n);
    return inner === null ? null : { not: inner };
  }
  paths.set(path, n);
  switch (n.kind) {
    case 'group': {
      const kids = n.children.filter((c) => c.kind !== 'group' || c.children.length);
      if (!kids.length) return null;
      if (kids.length === 1) return toAudience(kids[0], path, paths);
      return { [n.op]: kids.map((c, i) => toAudience(c, `${path}.${n.op}[${i}]`, paths)).filter((x) => x !== null) };
    }
    case 'followers': return { followers: true };
    case 'label': return { label: (n.label || '').trim() };
    case 'attribute': return { attribute: { key: (n.key || '').trim(), value: n.value || '' } };
    case 'wrote': return { wrote_within_days: Number(n.days) || 0 };
    case 'survey': return { survey_below: { survey_id: n.survey_id || '', below: Number(n.below) || 0 } };
    case 'rsvp': return { rsvp: { campaign_id: n.campaign_id || '', answer: n.answer || 'yes' } };
  }
  return null;
}

let seq = 0;

// campaignEditor returns the editor's element. c is the draft to edit (null
// for a new one); done(campaign) is called after a save, cancel() to close.
export function campaignEditor(app, handle, c, done, cancel) {
  const base = `/api/v1/brands/${encodeURIComponent(handle)}`;
  const id = (n) => `cmp-${++seq}-${n}`;
  const errors = [];
  const field = (path, label, input, hint) => {
    input.id = input.id || id(path.replace(/\W+/g, '-'));
    const err = h('p', { class: 'field-error', role: 'alert', 'data-error-for': path });
    errors.push(err);
    input.setAttribute('data-field', path);
    return h('div', { class: 'field stack-sm' }, h('label', { for: input.id, class: 'field-label' }, label), input,
      hint ? h('p', { class: 'hint' }, hint) : null, err);
  };
  const steps = c ? c.steps : [];
  const first = steps[0] || { variants: [{ name: 'A', text: '', weight: 100 }] };
  const name = h('input', { type: 'text', maxlength: '80', required: true });
  name.value = c ? c.name : '';
  const type = h('select', null, h('option', { value: 'message' }, 'Message'), h('option', { value: 'offer' }, 'Exclusive offer (a code for each)'),
    h('option', { value: 'event' }, 'Event invitation (RSVP)'), h('option', { value: 'survey' }, 'Feedback survey'));
  type.value = c ? c.type : 'message';

  // The brand's surveys and event invitations, for the survey type and
  // the audience's conditions; filled when they arrive.
  let surveys = [], events = [];
  const surveyPick = h('select', null, h('option', { value: c ? c.survey_id || '' : '' }, 'Loading…'));
  const fillSurveys = () => {
    const want = surveyPick.value || (c && c.survey_id) || '';
    surveyPick.replaceChildren(h('option', { value: '' }, surveys.length ? 'Pick a survey…' : 'No surveys yet (add one on the Surveys page)'),
      ...surveys.map((s) => h('option', { value: s.id }, `${s.name} (${s.kind})`)));
    surveyPick.value = want;
  };

  // The event of an invitation.
  const ev = (c && c.event) || {};
  const evTitle = h('input', { type: 'text', maxlength: '100' });
  evTitle.value = ev.title || '';
  const evZone = h('input', { type: 'text', maxlength: '64', list: id('zones'), autocomplete: 'off', spellcheck: 'false' });
  evZone.value = ev.time_zone || browserZone();
  let zones = [];
  try {
    zones = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [];
  } catch (e) { /* an old browser: free text */ }
  const zoneList = h('datalist', { id: evZone.getAttribute('list') }, zones.map((z) => h('option', { value: z })));
  const evStart = h('input', { type: 'datetime-local' });
  if (ev.starts_at) {
    try {
      evStart.value = isoToZoned(ev.starts_at, evZone.value);
    } catch (e) {
      evStart.value = new Date(ev.starts_at).toISOString().slice(0, 16);
    }
  }
  const evPlace = h('input', { type: 'text', maxlength: '200' });
  evPlace.value = ev.place || '';
  const evLink = h('input', { type: 'url', maxlength: '500', placeholder: 'https://' });
  evLink.value = ev.link || '';
  const evCap = h('input', { type: 'number', min: '0', max: '1000000' });
  evCap.value = String(ev.capacity || 0);
  const [remN, remU] = splitMinutes(ev.reminder_minutes_before || (c ? 0 : 1440));
  const evRemind = h('input', { type: 'number', min: '0', class: 'num' });
  evRemind.value = String(remN);
  const evRemindUnit = unitSelect(remU, 'Unit of the reminder');
  const eventBox = h('fieldset', { class: 'stack-sm cmp-event' }, h('legend', null, 'The event'),
    field('event.title', 'Title', evTitle),
    h('div', { class: 'cmp-row' }, field('event.starts_at', 'Starts at (in the event\'s time zone)', evStart),
      field('event.time_zone', 'Time zone', evZone, 'An IANA zone such as Europe/Paris.'), zoneList),
    field('event.place', 'Place (optional)', evPlace), field('event.link', 'Link (optional)', evLink),
    field('event.capacity', 'Places (0: no limit; beyond it, a waitlist)', evCap),
    h('div', { class: 'field stack-sm' }, h('label', { for: evRemind.id = id('remind'), class: 'field-label' }, 'Remind those going before it starts (0: no reminder)'),
      h('div', { class: 'cmp-inline' }, evRemind, evRemindUnit, h('span', { class: 'hint' }, 'before')),
      h('p', { class: 'field-error', role: 'alert', 'data-error-for': 'event.reminder_minutes_before' })),
    h('p', { class: 'hint' }, 'The message carries the event, a calendar (.ics) link and the buttons Yes / No / Maybe.'));
  evRemind.setAttribute('data-field', 'event.reminder_minutes_before');
  errors.push(eventBox.querySelector('[data-error-for="event.reminder_minutes_before"]'));

  // An offer's codes: generated, or a pool uploaded as CSV.
  const off = (c && c.offer) || { generate: true };
  const offGen = h('input', { type: 'radio', name: id('codes'), value: 'generate', checked: off.generate !== false });
  const offPool = h('input', { type: 'radio', name: offGen.name, value: 'pool', checked: off.generate === false });
  const offPrefix = h('input', { type: 'text', maxlength: '10', placeholder: 'SPRING-', class: 'cmp-prefix' });
  offPrefix.value = off.prefix || '';
  const offFile = h('input', { type: 'file', accept: '.csv,.txt,text/csv,text/plain' });
  const offTally = c && c.progress && c.progress.offer;
  const offerBox = h('fieldset', { class: 'stack-sm cmp-offer' }, h('legend', null, 'Codes'),
    h('div', { class: 'choice' }, offGen, h('label', { for: offGen.id = id('gen') }, 'Generate a unique code for each person')),
    field('offer.prefix', 'Prefix of the generated codes (optional: A-Z, 0-9, -)', offPrefix),
    h('div', { class: 'choice' }, offPool, h('label', { for: offPool.id = id('pool') }, 'Use codes I upload (each given once)')),
    field('codes', 'Upload codes (CSV: one code a line, the first column)', offFile,
      offTally ? `${offTally.pool} codes in the pool now; an upload adds to it.` : 'Uploaded when the draft is saved. Someone the pool has no code for is skipped.'));
  const offerMode = () => {
    offPrefix.disabled = !offGen.checked;
    offFile.disabled = !offPool.checked;
  };
  offGen.addEventListener('change', offerMode);
  offPool.addEventListener('change', offerMode);
  offerMode();

  const surveyBox = h('fieldset', { class: 'stack-sm cmp-survey' }, h('legend', null, 'The survey'),
    field('survey_id', 'Survey to ask', surveyPick, 'Its question and answer buttons follow the message.'));
  const showType = () => {
    eventBox.hidden = type.value !== 'event';
    offerBox.hidden = type.value !== 'offer';
    surveyBox.hidden = type.value !== 'survey';
  };
  type.addEventListener('change', showType);
  showType();

  // Variants of the first step. Any of them can be taken off again while
  // two or more are left (only the last one could: a mistake in variant 2
  // of 3 meant removing 3 as well). The list is drawn again after a change
  // so that legends, labels and the API's paths follow the new order, as
  // the follow-ups' do; the fields themselves (and what is typed in them)
  // are kept.
  const variantList = h('div', { class: 'stack-sm cmp-variants' });
  const variants = [];
  // Each share says what it comes to: the weights are relative (100 and
  // 50 split two to one), which a bare number does not tell.
  const updateShares = () => {
    const ws = variants.map((v) => Math.max(0, parseInt(v.vw.value, 10) || 0));
    const total = ws.reduce((a, b) => a + b, 0);
    variants.forEach((v, i) => {
      v.share.textContent = variants.length === 1 ? 'All of the recipients.'
        : total > 0 ? `About ${Math.round((100 * ws[i]) / total)}% of the recipients.` : '';
    });
  };
  const makeVariant = (v) => {
    const vn = h('input', { type: 'text', maxlength: '20', class: 'cmp-variant-name' });
    vn.value = v.name;
    const vt = h('textarea', { rows: '3', maxlength: '4000', class: 'cmp-variant-text' });
    vt.value = v.text;
    const vw = h('input', { type: 'number', min: '1', max: '100', class: 'num cmp-variant-weight', oninput: updateShares });
    vw.value = String(v.weight);
    const share = h('span', { class: 'cmp-share' });
    return { vn, vt, vw, share };
  };
  const renderVariants = () => {
    errors.splice(0, errors.length, ...errors.filter((e) => !variantList.contains(e)));
    variantList.replaceChildren(...variants.map((v, i) => {
      const p = `steps[0].variants[${i}]`;
      for (const x of [v.vn, v.vt, v.vw]) x.removeAttribute('id');
      return h('fieldset', { class: 'cmp-variant' }, h('legend', null, `Variant ${i + 1}`),
        field(p + '.name', 'Name', v.vn), field(p + '.text', 'Message', v.vt, 'Placeholders: {{first_name|there}}, {{brand_name}}. Links are tracked.'),
        field(p + '.weight', 'Share of the split (1-100)', v.vw, v.share),
        variants.length > 1 ? h('button', { type: 'button', class: 'btn small', 'data-action': 'remove-variant', onclick: () => {
          variants.splice(i, 1);
          renderVariants();
          // The focus goes to the next variant's Remove, or to Add a
          // variant once one is left: the pressed button is gone.
          const rs = variantList.querySelectorAll('[data-action=remove-variant]');
          (rs[Math.min(i, rs.length - 1)] || addBtn).focus();
        } }, `Remove variant ${i + 1}`) : null);
    }));
    addBtn.disabled = variants.length >= MAX_VARIANTS;
    updateShares();
  };
  // Add a variant is off at the limit (it did nothing), names the new one
  // with the first letter no other variant has (after a removal, A, C plus
  // one more is B, not a second C the API refuses), and hands the focus to
  // its name.
  const addBtn = h('button', { type: 'button', class: 'btn small', 'data-action': 'add-variant', onclick: () => {
    if (variants.length >= MAX_VARIANTS) return;
    const taken = new Set(variants.map((v) => v.vn.value.trim()));
    const name = [...'ABCDEFGHIJ'].find((l) => !taken.has(l)) || '';
    variants.push(makeVariant({ name, text: '', weight: 50 }));
    renderVariants();
    variants[variants.length - 1].vn.focus();
  } }, 'Add a variant');
  for (const v of first.variants) variants.push(makeVariant(v));
  renderVariants();
  const topPick = h('input', { type: 'checkbox', checked: !!first.top_pick });

  // Follow-ups: up to two, each to those who did not answer the step
  // before within its delay.
  const followUps = [];
  const fuList = h('div', { class: 'stack-sm cmp-followups' });
  const fuAdd = h('button', { type: 'button', class: 'btn small', id: id('add-followup'), 'data-action': 'add-followup' }, 'Add a follow-up');
  const renderFollowUps = () => {
    // Paths are rebuilt so that the API's messages find their fields.
    errors.splice(0, errors.length, ...errors.filter((e) => !fuList.contains(e)));
    fuList.replaceChildren(...followUps.map((f, i) => {
      const k = i + 1;
      f.text.removeAttribute('id');
      f.delay.removeAttribute('id');
      return h('fieldset', { class: 'cmp-followup stack-sm' }, h('legend', null, `Follow-up ${k}`),
        field(`steps[${k}].variants[0].text`, `Message to those who did not answer ${k === 1 ? 'the message' : 'follow-up ' + i}`, f.text),
        h('div', { class: 'field stack-sm' }, h('label', { for: f.delay.id = id('delay'), class: 'field-label' }, 'Send it after'),
          h('div', { class: 'cmp-inline' }, f.delay, f.unit),
          (() => {
            const e = h('p', { class: 'field-error', role: 'alert', 'data-error-for': `steps[${k}].delay_minutes` });
            errors.push(e);
            f.delay.setAttribute('data-field', `steps[${k}].delay_minutes`);
            return e;
          })()),
        h('button', { type: 'button', class: 'btn small', 'data-action': 'remove-followup', onclick: () => {
          followUps.splice(i, 1);
          renderFollowUps();
          // The focus goes to the next follow-up's Remove, or to Add a
          // follow-up: with the pressed button gone it fell to the page.
          const rs = fuList.querySelectorAll('[data-action=remove-followup]');
          (rs[Math.min(i, rs.length - 1)] || fuAdd).focus();
        } }, 'Remove this follow-up'));
    }));
    fuAdd.disabled = followUps.length >= MAX_FOLLOW_UPS;
  };
  const addFollowUp = (s) => {
    const text = h('textarea', { rows: '2', maxlength: '4000' });
    text.value = s ? s.variants[0].text : '';
    const [n, u] = splitMinutes(s ? s.delay_minutes : 1440);
    const delay = h('input', { type: 'number', min: '1', class: 'num' });
    delay.value = String(n);
    followUps.push({ text, delay, unit: unitSelect(u, 'Unit of the delay') });
  };
  steps.slice(1).forEach(addFollowUp);
  fuAdd.addEventListener('click', () => {
    if (followUps.length >= MAX_FOLLOW_UPS) return;
    addFollowUp(null);
    renderFollowUps();
    followUps[followUps.length - 1].text.focus();
  });
  renderFollowUps();

  // The audience tree.
  let root = fromAudience(c ? c.audience : { followers: true }) || { kind: 'group', op: 'and', not: false, children: [] };
  if (root.kind !== 'group' || root.not) root = { kind: 'group', op: 'and', not: false, children: [root] };
  const audBox = h('div', { class: 'cmp-audience', id: id('audience') });
  const audErr = h('p', { class: 'field-error', role: 'alert', 'data-error-for': 'audience' });
  errors.push(audErr);
  let paths = new Map();
  const audience = () => {
    paths = new Map();
    return toAudience(root, 'audience', paths);
  };
  const preview = h('p', { class: 'hint cmp-preview', 'aria-live': 'polite' });
  let timer = 0;
  const runPreview = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const a = audience();
      if (!a) {
        preview.textContent = 'Add a condition to choose who gets it.';
        return;
      }
      try {
        const r = await app.api.post(`${base}/audience/preview`, { audience: a });
        const names = (r.sample || []).map((x) => displayName(x)).join(', ');
        preview.textContent = `${r.count} ${r.count === 1 ? 'person' : 'people'}${names ? ': ' + names + (r.count > r.sample.length ? ', …' : '') : ''} (before consent rules)`;
      } catch (e) {
        preview.textContent = e.message;
      }
    }, 300);
  };
  const notSelect = (n) => {
    const s = h('select', { class: 'aud-not', 'aria-label': 'Include or exclude' },
      h('option', { value: '' }, 'Include'), h('option', { value: 'not' }, 'Exclude (NOT)'));
    s.value = n.not ? 'not' : '';
    s.addEventListener('change', () => { n.not = s.value === 'not'; runPreview(); });
    return s;
  };
  const input = (n, key, attrs, label) => {
    const el = h(attrs.tag || 'input', { ...attrs, tag: null, 'aria-label': label, class: 'aud-' + key + (attrs.class ? ' ' + attrs.class : '') });
    el.value = n[key] === undefined ? '' : String(n[key]);
    el.addEventListener('input', () => { n[key] = el.value; runPreview(); });
    el.addEventListener('change', () => { n[key] = el.value; runPreview(); });
    return el;
  };
  const leafInputs = (n) => {
    switch (n.kind) {
      case 'label': return [input(n, 'label', { type: 'text', maxlength: '50', placeholder: 'vip' }, 'Label')];
      case 'attribute': return [input(n, 'key', { type: 'text', maxlength: '40', placeholder: 'city' }, 'Attribute'), h('span', null, '='),
        input(n, 'value', { type: 'text', maxlength: '200', placeholder: 'Paris' }, 'Value')];
      case 'wrote': return [input(n, 'days', { type: 'number', min: '1', max: '3650', class: 'num' }, 'Days'), h('span', null, 'days')];
      case 'survey': {
        const s = input(n, 'survey_id', { tag: 'select' }, 'Survey');
        s.replaceChildren(h('option', { value: '' }, 'Pick a survey…'),
          ...surveys.filter((x) => x.kind !== 'text').map((x) => h('option', { value: x.id }, x.name)));
        s.value = n.survey_id || '';
        return [s, input(n, 'below', { type: 'number', min: '1', max: '11', class: 'num' }, 'Score below')];
      }
      case 'rsvp': {
        const s = input(n, 'campaign_id', { tag: 'select' }, 'Invitation');
        s.replaceChildren(h('option', { value: '' }, 'Pick an invitation…'),
          ...events.filter((x) => !c || x.id !== c.id).map((x) => h('option', { value: x.id }, x.name)));
        s.value = n.campaign_id || '';
        const a = input(n, 'answer', { tag: 'select' }, 'Answer');
        a.replaceChildren(h('option', { value: 'yes' }, 'Yes'), h('option', { value: 'maybe' }, 'Maybe'), h('option', { value: 'no' }, 'No'));
        a.value = n.answer || 'yes';
        return [h('span', null, 'with'), a, s];
      }
    }
    return [];
  };
  const defaults = { label: { label: '' }, attribute: { key: '', value: '' }, wrote: { days: 30 }, survey: { survey_id: '', below: 3 },
    rsvp: { campaign_id: '', answer: 'yes' }, followers: {} };
  // Each redraw of the audience replaces its controls; the keyboard focus
  // goes back to the one that stands for what was pressed (els: a node's
  // kind select, ✕ and Add): a condition's kind changed with the arrow
  // keys, an Add or a ✕ left it on the page.
  const els = new WeakMap();
  const focusNode = (n, which) => { const e = els.get(n); if (e && e[which]) e[which].focus(); };
  const renderNode = (n, parent, depth) => {
    n.err = h('p', { class: 'field-error', role: 'alert' });
    const mine = {};
    els.set(n, mine);
    const remove = parent ? h('button', { type: 'button', class: 'btn small aud-remove', 'aria-label': n.kind === 'group' ? 'Remove this group' : 'Remove this condition',
      onclick: () => {
        const i = parent.children.indexOf(n);
        parent.children.splice(i, 1);
        renderAudience();
        const next = parent.children[i] || parent.children[i - 1];
        if (next) focusNode(next, 'remove');
        else focusNode(parent, 'add');
        runPreview();
      } }, '✕') : null;
    mine.remove = remove;
    if (n.kind !== 'group') {
      const kind = h('select', { class: 'aud-kind', 'aria-label': 'Condition' }, LEAVES.map(([k, l]) => h('option', { value: k }, l)));
      kind.value = n.kind;
      kind.addEventListener('change', () => {
        for (const k of Object.keys(n)) if (!['not', 'err'].includes(k)) delete n[k];
        Object.assign(n, { kind: kind.value }, defaults[kind.value]);
        renderAudience();
        focusNode(n, 'kind');
        runPreview();
      });
      mine.kind = kind;
      return h('li', { class: 'aud-leaf' }, h('div', { class: 'aud-row' }, notSelect(n), kind, ...leafInputs(n), remove), n.err);
    }
    const op = h('select', { class: 'aud-op', 'aria-label': 'Combine with' }, h('option', { value: 'and' }, 'All of (AND)'), h('option', { value: 'or' }, 'Any of (OR)'));
    op.value = n.op;
    op.addEventListener('change', () => { n.op = op.value; runPreview(); });
    const add = h('button', { type: 'button', class: 'btn small', 'data-action': 'add-condition', onclick: () => {
      const x = { kind: 'followers', not: false };
      n.children.push(x);
      renderAudience();
      focusNode(x, 'kind');
      runPreview();
    } }, 'Add a condition');
    mine.add = add;
    const addGroup = depth < MAX_GROUP_DEPTH ? h('button', { type: 'button', class: 'btn small', 'data-action': 'add-group', onclick: () => {
      const x = { kind: 'followers', not: false };
      n.children.push({ kind: 'group', op: n.op === 'and' ? 'or' : 'and', not: false, children: [x] });
      renderAudience();
      focusNode(x, 'kind');
      runPreview();
    } }, 'Add a group') : null;
    return h(parent ? 'li' : 'div', { class: 'aud-group' + (parent ? '' : ' aud-root') },
      h('div', { class: 'aud-row' }, parent ? notSelect(n) : null, op, remove),
      h('ul', { class: 'aud-children' }, n.children.map((x) => renderNode(x, n, depth + 1))),
      h('div', { class: 'aud-row' }, add, addGroup), n.err);
  };
  const renderAudience = () => audBox.replaceChildren(renderNode(root, null, 1));
  renderAudience();

  const rate = h('input', { type: 'number', min: '0', max: '600000' });
  rate.value = c ? String(c.rate_per_minute) : '600';
  const start = h('input', { type: 'datetime-local' });
  if (c && c.start_at) start.value = isoToZoned(c.start_at, browserZone());

  const general = h('p', { class: 'form-error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'btn primary' }, c ? 'Save draft' : 'Create draft');
  const form = h('form', { class: 'card stack campaign-editor', 'aria-label': c ? 'Edit campaign' : 'New campaign', novalidate: true },
    h('h2', null, c ? 'Edit campaign' : 'New campaign'),
    field('name', 'Name', name), field('type', 'Type', type), eventBox, offerBox, surveyBox,
    h('h3', null, 'Message'), variantList, addBtn,
    h('div', { class: 'choice' }, topPick, h('label', { for: topPick.id = id('toppick') }, 'Add each person\'s top product pick as a card')),
    h('h3', null, 'Follow-ups'), h('p', { class: 'hint' }, 'Each goes to those who did not answer, act or redeem since the step before (at most two).'),
    fuList, fuAdd,
    h('h3', null, 'Audience'), audBox, audErr, preview,
    field('rate_per_minute', 'Messages per minute', rate), field('start_at', 'Start at (your time; empty: when started)', start),
    general,
    h('div', { class: 'actions-row' }, save, h('button', { type: 'button', class: 'btn', onclick: () => cancel() }, 'Cancel')));

  // showError puts a 400's message beside the field (or audience
  // condition) it names, or under the form.
  const showError = (msg) => {
    const path = fieldOf(msg);
    if (path.startsWith('audience')) {
      for (const p of parents(path)) {
        const n = paths.get(p);
        if (n && n.err) {
          n.err.textContent = msg;
          return;
        }
      }
      audErr.textContent = msg;
      return;
    }
    let target = null;
    for (const p of parents(path)) {
      target = form.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
      if (target) break;
    }
    if (!target) {
      general.textContent = msg;
      return;
    }
    // Beside the very field it names, the message goes without the API's
    // path ("steps[0].variants[0].weight: 1 to 100." reads "1 to 100.").
    const own = target.getAttribute('data-error-for') === path ? msg.slice(path.length + 1).trim() : '';
    target.textContent = own ? own.charAt(0).toUpperCase() + own.slice(1) : msg;
    const el = form.querySelector(`[data-field="${CSS.escape(target.getAttribute('data-error-for'))}"]`);
    if (el) {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
    }
  };

  // uploadCodes posts the chosen CSV to the offer's pool (a text body).
  const uploadCodes = async (cid) => {
    const file = offFile.files && offFile.files[0];
    if (!file) return;
    if (file.size > 4 << 20) throw new APIError(400, 'invalid', 'codes: a file of at most 4 MB.');
    const res = await fetch(`${base}/campaigns/${encodeURIComponent(cid)}/codes`, {
      method: 'POST', body: await file.text(), credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'text/csv', Accept: 'application/json', 'X-CSRF-Token': app.api.csrf || '' },
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new APIError(res.status, 'http_' + res.status, 'codes: ' + ((data && data.error && data.error.message) || `the server answered ${res.status}.`));
  };

  let saved = c; // after a create whose upload failed, the next save edits it
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const x of errors) x.textContent = '';
    audBox.querySelectorAll('.field-error').forEach((x) => { x.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
    general.textContent = '';
    const body = {
      name: name.value, type: type.value, audience: audience(), rate_per_minute: Number(rate.value) || 0,
      steps: [{ variants: variants.map((v) => ({ name: v.vn.value, text: v.vt.value, weight: Number(v.vw.value) || 0 })) }],
    };
    if (topPick.checked) body.steps[0].top_pick = true;
    for (const f of followUps) {
      body.steps.push({ variants: [{ name: 'A', text: f.text.value, weight: 100 }], delay_minutes: toMinutes(f.delay, f.unit) });
    }
    if (type.value === 'offer') body.offer = offGen.checked ? { generate: true, prefix: offPrefix.value.trim() || undefined } : { generate: false };
    if (type.value === 'survey') body.survey_id = surveyPick.value;
    if (type.value === 'event') {
      let startsAt = '';
      try {
        startsAt = evStart.value ? zonedToISO(evStart.value, evZone.value.trim()) : '';
      } catch (x) {
        showError('event.time_zone: an IANA time zone such as Europe/Paris.');
        return;
      }
      body.event = { title: evTitle.value, starts_at: startsAt || null, time_zone: evZone.value.trim(), place: evPlace.value || undefined,
        link: evLink.value.trim() || undefined, capacity: Number(evCap.value) || 0, reminder_minutes_before: toMinutes(evRemind, evRemindUnit) };
    }
    if (start.value) body.start_at = new Date(start.value).toISOString();
    save.disabled = true;
    try {
      const r = saved ? await app.api.call('PUT', `${base}/campaigns/${encodeURIComponent(saved.id)}`, body)
        : await app.api.post(`${base}/campaigns`, body);
      saved = r.campaign;
      if (type.value === 'offer' && offPool.checked) await uploadCodes(saved.id);
      done(saved);
    } catch (x) {
      if (x instanceof APIError && x.status === 400) showError(x.message);
      else general.textContent = x.message;
    } finally {
      save.disabled = false;
    }
  });

  // The lists the pickers need.
  app.api.get(`${base}/surveys`).then((r) => {
    surveys = r.surveys || [];
    fillSurveys();
    renderAudience();
  }).catch(() => fillSurveys());
  app.api.get(`${base}/campaigns`).then((r) => {
    events = (r.campaigns || []).filter((x) => x.type === 'event');
    renderAudience();
  }).catch(() => {});
  runPreview();
  return form;
}
