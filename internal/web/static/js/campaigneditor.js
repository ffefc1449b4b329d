// The console's campaign editor: create or edit a draft (name, type, the
// first message's A/B variants with their split, one optional follow-up,
// the audience with a live preview count and sample, the rate and the
// start). The API checks everything; a 400 names the field first
// ("steps[0].variants[1].weight: 1 to 100."), and the message is shown
// beside that field. Every value is set as text or a property, never as
// markup.

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
  const name = h('input', { type: 'text', maxlength: '100', required: true });
  name.value = c ? c.name : '';
  const type = h('select', null, h('option', { value: 'message' }, 'Message'), h('option', { value: 'offer' }, 'Exclusive offer (a code for each)'));
  type.value = c && c.type === 'offer' ? 'offer' : 'message';

  // Variants of the first step.
  const variantList = h('div', { class: 'stack-sm cmp-variants' });
  const variants = [];
  const addVariant = (v) => {
    const i = variants.length;
    const vn = h('input', { type: 'text', maxlength: '20', class: 'cmp-variant-name' });
    vn.value = v.name;
    const vt = h('textarea', { rows: '3', maxlength: '4000', class: 'cmp-variant-text' });
    vt.value = v.text;
    const vw = h('input', { type: 'number', min: '1', max: '100', class: 'cmp-variant-weight' });
    vw.value = String(v.weight);
    variants.push({ vn, vt, vw });
    const p = `steps[0].variants[${i}]`;
    variantList.appendChild(h('fieldset', { class: 'cmp-variant' }, h('legend', null, `Variant ${i + 1}`),
      field(p + '.name', 'Name', vn), field(p + '.text', 'Message', vt, 'Placeholders: {{first_name|there}}, {{brand_name}}. Links are tracked.'),
      field(p + '.weight', 'Share of the split (1-100)', vw)));
  };
  first.variants.forEach(addVariant);
  const addBtn = h('button', { type: 'button', class: 'btn small', onclick: () => {
    if (variants.length < 5) addVariant({ name: String.fromCharCode(65 + variants.length), text: '', weight: 50 });
  } }, 'Add a variant');

  // One optional follow-up.
  const fu = steps[1];
  const fuText = h('textarea', { rows: '2', maxlength: '4000' });
  fuText.value = fu ? fu.variants[0].text : '';
  const fuDelay = h('input', { type: 'number', min: '1' });
  fuDelay.value = fu ? String(fu.delay_minutes) : '1440';

  // The audience: followers, a label, who wrote lately, combined with AND.
  const aud = c ? c.audience || {} : { followers: true };
  const terms = aud.and || [aud];
  const followers = h('input', { type: 'checkbox' });
  followers.checked = terms.some((t) => t.followers);
  const label = h('input', { type: 'text', maxlength: '50' });
  label.value = (terms.find((t) => t.label) || {}).label || '';
  const wrote = h('input', { type: 'number', min: '0' });
  wrote.value = String((terms.find((t) => t.wrote_within_days) || {}).wrote_within_days || '');
  const exclude = h('input', { type: 'text', maxlength: '50' });
  exclude.value = ((terms.find((t) => t.not && t.not.label) || {}).not || {}).label || '';
  const audience = () => {
    const t = [];
    if (followers.checked) t.push({ followers: true });
    if (label.value.trim()) t.push({ label: label.value.trim() });
    if (Number(wrote.value) > 0) t.push({ wrote_within_days: Number(wrote.value) });
    if (exclude.value.trim()) t.push({ not: { label: exclude.value.trim() } });
    return t.length === 1 ? t[0] : { and: t };
  };
  const preview = h('p', { class: 'hint cmp-preview', 'aria-live': 'polite' });
  let timer = 0;
  const runPreview = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const r = await app.api.post(`${base}/audience/preview`, { audience: touched ? audience() : c.audience });
        const names = (r.sample || []).map((a) => displayName(a)).join(', ');
        preview.textContent = `${r.count} people${names ? ': ' + names + (r.count > r.sample.length ? ', …' : '') : ''} (before consent rules)`;
      } catch (e) {
        preview.textContent = e.message;
      }
    }, 300);
  };
  // A draft's audience the form cannot show (OR, nested groups) is kept as
  // it is unless the brand changes the audience here.
  let touched = !c;
  const changed = () => { touched = true; runPreview(); };
  for (const el of [followers, label, wrote, exclude]) el.addEventListener('input', changed);
  followers.addEventListener('change', changed);

  const rate = h('input', { type: 'number', min: '0', max: '600000' });
  rate.value = c ? String(c.rate_per_minute) : '600';
  const start = h('input', { type: 'datetime-local' });
  if (c && c.start_at) start.value = new Date(c.start_at).toISOString().slice(0, 16);

  const general = h('p', { class: 'form-error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'btn primary' }, c ? 'Save draft' : 'Create draft');
  const form = h('form', { class: 'card stack campaign-editor', 'aria-label': c ? 'Edit campaign' : 'New campaign', novalidate: true },
    h('h2', null, c ? 'Edit campaign' : 'New campaign'),
    field('name', 'Name', name), field('type', 'Type', type),
    h('h3', null, 'Message'), variantList, addBtn,
    h('h3', null, 'Follow-up (optional)'),
    field('steps[1].variants[0].text', 'Follow-up message to those who did not answer', fuText),
    field('steps[1].delay_minutes', 'Minutes after the message', fuDelay),
    h('h3', null, 'Audience (all of)'),
    h('div', { class: 'choice' }, followers, h('label', { for: followers.id = id('followers') }, 'Followers of the brand')),
    field('audience.label', 'With the label', label), field('audience.wrote_within_days', 'Wrote within days', wrote),
    field('audience.not', 'Not with the label', exclude), preview,
    field('rate_per_minute', 'Messages per minute', rate), field('start_at', 'Start at (your time; empty: when started)', start),
    general,
    h('div', { class: 'actions-row' }, save, h('button', { type: 'button', class: 'btn', onclick: () => cancel() }, 'Cancel')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const x of errors) x.textContent = '';
    form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
    general.textContent = '';
    const body = {
      name: name.value, type: type.value, audience: touched ? audience() : c.audience, rate_per_minute: Number(rate.value) || 0,
      steps: [{ variants: variants.map((v) => ({ name: v.vn.value, text: v.vt.value, weight: Number(v.vw.value) || 0 })) }],
    };
    if (type.value === 'offer') body.offer = { generate: true };
    if (fuText.value.trim()) body.steps.push({ variants: [{ name: 'A', text: fuText.value, weight: 100 }], delay_minutes: Number(fuDelay.value) || 0 });
    if (start.value) body.start_at = new Date(start.value).toISOString();
    save.disabled = true;
    try {
      const r = c ? await app.api.call('PUT', `${base}/campaigns/${encodeURIComponent(c.id)}`, body)
        : await app.api.post(`${base}/campaigns`, body);
      done(r.campaign);
    } catch (x) {
      const path = x instanceof APIError && x.status === 400 ? fieldOf(x.message) : '';
      // The deepest field the message names, or the nearest parent shown.
      let target = null;
      for (const p of parents(path)) {
        target = form.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
        if (target) break;
      }
      if (!target && path.startsWith('audience')) target = form.querySelector('[data-error-for="audience.label"]');
      if (target) {
        target.textContent = x.message;
        const input = form.querySelector(`[data-field="${CSS.escape(target.getAttribute('data-error-for'))}"]`);
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          input.focus();
        }
      } else {
        general.textContent = x.message;
      }
    } finally {
      save.disabled = false;
    }
  });
  runPreview();
  return form;
}
