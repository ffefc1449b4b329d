// A campaign's funnel on the console's campaigns page: targeted, sent,
// read, replied, clicked, acted (RSVP or redeemed), opted out, as
// horizontal bars in inline SVG drawn here (no chart library), the total
// and each A/B variant side by side, who was held back by reason (with
// the labels of skipreasons.js), with the CSV export. Every label is
// set with textContent, never parsed as markup.

import { h } from './dom.js';
import { skippedText } from './skipreasons.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const STAGES = [
  ['targeted', 'Targeted'], ['sent', 'Sent'], ['read', 'Read'], ['replied', 'Replied'],
  ['clicked', 'Clicked'], ['acted', 'RSVP / redeemed'], ['opted_out', 'Opted out'],
];

// funnelChart draws one set of funnel counts: a bar per stage, its width
// relative to the targeted, with the count and the share of those sent.
export function funnelChart(counts, title) {
  const W = 320, ROW = 22, LABEL = 110, H = STAGES.length * ROW + 24;
  const top = Math.max(1, counts.targeted);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'funnel-chart', role: 'img',
    'aria-label': title + ': ' + STAGES.map(([k, l]) => `${counts[k]} ${l.toLowerCase()}`).join(', ') });
  g.appendChild(svg('text', { x: 0, y: 14, class: 'funnel-title' }, title));
  STAGES.forEach(([k, label], i) => {
    const y = 24 + i * ROW;
    const n = counts[k] || 0;
    const w = Math.max(n > 0 ? 2 : 0, (n / top) * (W - LABEL - 70));
    g.appendChild(svg('text', { x: 0, y: y + 14, class: 'funnel-label' }, label));
    g.appendChild(svg('rect', { x: LABEL, y: y + 3, width: W - LABEL - 70, height: ROW - 8, rx: 3, class: 'gauge-bg' }));
    if (w > 0) g.appendChild(svg('rect', { x: LABEL, y: y + 3, width: w, height: ROW - 8, rx: 3, class: 'funnel-bar funnel-' + k }));
    const share = k !== 'targeted' && k !== 'sent' && counts.sent ? ` (${Math.round((100 * n) / counts.sent)}%)` : '';
    g.appendChild(svg('text', { x: W - 66, y: y + 14, class: 'funnel-count', 'data-stage': k }, `${n}${share}`));
  });
  return g;
}

// funnelPanel fetches a campaign's funnel and shows the charts (the total,
// then each variant of each step) with a link to the CSV.
export function funnelPanel(app, base, id) {
  const url = `${base}/${encodeURIComponent(id)}/funnel`;
  const el = h('div', { class: 'funnel', 'aria-busy': 'true' });
  app.api.get(url).then((f) => {
    // Each chart with who was held back, by reason, under it.
    const item = (counts, title) => {
      const sk = skippedText(counts.skipped);
      return h('div', { class: 'funnel-item' }, funnelChart(counts, title), sk ? h('p', { class: 'hint funnel-skipped' }, 'Held back: ' + sk) : null);
    };
    const charts = [item(f.total, 'All recipients')];
    for (const v of f.variants) {
      charts.push(item(v, `Step ${v.step + 1} · variant ${v.variant}`));
    }
    el.replaceChildren(
      h('div', { class: 'funnel-charts' }, ...charts),
      h('p', { class: 'hint' }, `${f.clicks} link clicks in all · `,
        h('a', { href: url + '.csv', download: '', class: 'funnel-csv' }, 'Download CSV')));
    el.removeAttribute('aria-busy');
  }).catch((e) => {
    el.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, e.message));
    el.removeAttribute('aria-busy');
  });
  return el;
}
