// The brand console's surveys page: the brand's feedback surveys (CSAT
// 1-5, NPS 0-10, free text), a form to add one, and the dashboard of the
// one chosen: its score, the distribution and the trend as charts, the
// score per agent, the free-text answers, and the CSV. The charts are SVG
// drawn here (no library); every text in them is a text node. The
// dashboard updates live: the team's stream carries survey.answered (with
// the survey's id) for each answer, and the survey shown reloads.

import { h } from './dom.js';
import { brandNav } from './console.js';
import { APIError } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

const enc = encodeURIComponent;
const KINDS = [['csat', 'CSAT (1 to 5)'], ['nps', 'NPS (0 to 10)'], ['text', 'Free text']];
const KIND_NAMES = Object.fromEntries(KINDS);

// scoreText is a survey's headline as people read it.
export function scoreText(kind, score) {
  if (score === null || score === undefined) return 'No answers yet';
  if (kind === 'nps') return `NPS ${score > 0 ? '+' : ''}${score}`;
  return `${score}% satisfied`;
}

// lowest is a kind's lowest score (the first bar of the distribution).
const lowest = (kind) => (kind === 'csat' ? 1 : 0);

// barClass colours a score: low, middle or high for its kind.
function barClass(kind, score) {
  if (kind === 'nps') return score >= 9 ? 'bar-good' : score <= 6 ? 'bar-bad' : 'bar-mid';
  return score >= 4 ? 'bar-good' : score <= 2 ? 'bar-bad' : 'bar-mid';
}

// distributionChart draws one bar per score with its count above it.
export function distributionChart(kind, counts) {
  const W = 480, H = 180, top = 18, bottom = 24;
  const max = Math.max(1, ...counts);
  const slot = W / Math.max(1, counts.length);
  const total = counts.reduce((a, b) => a + b, 0);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart survey-dist', role: 'img',
    'aria-label': 'Answers per score: ' + counts.map((n, i) => `${i + lowest(kind)}: ${n}`).join(', ') });
  g.appendChild(svg('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, class: 'grid' }));
  counts.forEach((n, i) => {
    const score = i + lowest(kind);
    const bh = ((H - top - bottom) * n) / max;
    const x = i * slot + slot * 0.15, w = slot * 0.7, y = H - bottom - bh;
    if (n > 0) g.appendChild(svg('rect', { x, y, width: w, height: bh, rx: 3, class: 'bar ' + barClass(kind, score), 'data-score': score }));
    g.appendChild(svg('text', { x: x + w / 2, y: H - 8, 'text-anchor': 'middle', class: 'tick' }, score));
    if (n > 0) g.appendChild(svg('text', { x: x + w / 2, y: y - 4, 'text-anchor': 'middle', class: 'tick count' }, n));
  });
  const fig = h('figure', { class: 'card chart-card' }, h('figcaption', null, `Distribution (${total} ${total === 1 ? 'answer' : 'answers'})`));
  fig.appendChild(g);
  return fig;
}

// trendChart draws the daily score as a line through the days that had
// answers, a dot on each, on the kind's range (CSAT 0 to 100 %, NPS -100
// to 100).
export function trendChart(kind, points) {
  const W = 480, H = 180, left = 36, right = 8, top = 10, bottom = 24;
  const lo = kind === 'nps' ? -100 : 0, hi = 100;
  const n = Math.max(1, points.length - 1);
  const xOf = (i) => left + ((W - left - right) * i) / n;
  const yOf = (v) => top + ((H - top - bottom) * (hi - v)) / (hi - lo);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart survey-trend', role: 'img',
    'aria-label': 'Score per day: ' + points.filter((p) => p.count > 0).map((p) => `${p.day.slice(0, 10)}: ${p.score}`).join(', ') });
  for (const v of kind === 'nps' ? [-100, 0, 100] : [0, 50, 100]) {
    g.appendChild(svg('line', { x1: left, x2: W - right, y1: yOf(v), y2: yOf(v), class: 'grid' }));
    g.appendChild(svg('text', { x: left - 6, y: yOf(v) + 4, 'text-anchor': 'end', class: 'tick' }, v));
  }
  const answered = points.map((p, i) => [p, i]).filter(([p]) => p.count > 0);
  if (answered.length > 1) {
    g.appendChild(svg('polyline', { points: answered.map(([p, i]) => `${xOf(i)},${yOf(p.score)}`).join(' '), class: 'trend-line' }));
  }
  for (const [p, i] of answered) {
    const c = svg('circle', { cx: xOf(i), cy: yOf(p.score), r: 4, class: 'trend-dot' });
    c.appendChild(svg('title', null, `${p.day.slice(0, 10)}: ${p.score} (${p.count} answers)`));
    g.appendChild(c);
  }
  if (points.length) {
    g.appendChild(svg('text', { x: left, y: H - 6, class: 'tick' }, points[0].day.slice(5, 10)));
    g.appendChild(svg('text', { x: W - right, y: H - 6, 'text-anchor': 'end', class: 'tick' }, points[points.length - 1].day.slice(5, 10)));
  }
  const fig = h('figure', { class: 'card chart-card' }, h('figcaption', null, 'Score per day'));
  fig.appendChild(g);
  return fig;
}

function field(id, label, el) {
  el.id = id;
  return h('label', { class: 'console-field', for: id }, h('span', { class: 'field-label' }, label), el);
}

export function surveysPage(app, handle) {
  const base = `/api/v1/brands/${enc(handle)}/surveys`;
  const err = h('p', { class: 'form-error', role: 'alert' });
  const picker = h('select', { onchange: () => { current = picker.value; loadResults(); } });
  const period = h('select', { onchange: () => { days = Number(period.value); loadResults(); } },
    [['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days'], ['365', 'Last year']].map(([v, t]) => h('option', { value: v, selected: v === '30' }, t)));
  const dash = h('div', { class: 'stack survey-dashboard', 'aria-live': 'polite' });
  let surveys = [], current = '', days = 30, timer = null;

  // The form to add a survey (owners and admins; an agent gets a 403).
  const name = h('input', { type: 'text', maxlength: 80, required: true, autocomplete: 'off' });
  const kind = h('select', null, KINDS.map(([v, t]) => h('option', { value: v }, t)));
  const question = h('textarea', { rows: 2, maxlength: 500, required: true });
  const formErr = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'card survey-form', onsubmit: async (e) => {
    e.preventDefault();
    formErr.textContent = '';
    try {
      const r = await app.api.post(base, { name: name.value, kind: kind.value, question: question.value });
      name.value = question.value = '';
      current = r.survey.id;
      await loadList();
    } catch (x) {
      formErr.textContent = x.message;
    }
  } },
  h('h2', null, 'New survey'),
  h('p', { class: 'hint' }, 'Ask it after a conversation is resolved (Automation: a rule on "resolved" with the action "send survey") or as a campaign of type survey.'),
  field('survey-name', 'Name', name), field('survey-kind', 'Kind', kind), field('survey-question', 'Question', question),
  formErr, h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn primary small' }, 'Add survey')));

  const render = (r) => {
    const s = r.survey;
    const rate = r.sent ? Math.round((100 * r.answered) / r.sent) : 0;
    const csv = `${base}/${enc(s.id)}/answers.csv?days=${days}`;
    const parts = [
      h('div', { class: 'card survey-head' },
        h('h2', null, s.name, ' ', h('span', { class: 'pill' }, KIND_NAMES[s.kind] || s.kind)),
        h('p', { class: 'survey-question' }, s.question),
        s.kind !== 'text' ? h('p', { class: 'survey-score', 'data-score': r.score === null ? '' : String(r.score) }, scoreText(s.kind, r.score)) : null,
        h('p', { class: 'muted survey-counts' }, `${r.answered} answered of ${r.sent} sent (${rate}%)`, r.truncated ? ' · the oldest 100,000 only' : ''),
        h('a', { class: 'btn small', href: csv, download: `survey-${s.id}.csv` }, 'Export answers (CSV)')),
    ];
    if (s.kind !== 'text') {
      parts.push(h('div', { class: 'survey-charts' }, distributionChart(s.kind, r.distribution), trendChart(s.kind, r.trend)));
      parts.push(h('div', { class: 'card' }, h('h3', null, 'By agent'),
        r.agents.length ? h('table', { class: 'survey-agents' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Agent'), h('th', { scope: 'col' }, 'Score'), h('th', { scope: 'col' }, 'Answers'))),
          h('tbody', null, r.agents.map((a) => h('tr', null,
            h('td', null, a.agent ? `@${a.agent.handle}` : 'Unassigned'), h('td', null, scoreText(s.kind, a.score)), h('td', null, String(a.count))))))
          : h('p', { class: 'muted' }, 'No answers yet.')));
    } else {
      parts.push(h('div', { class: 'card' }, h('h3', null, 'Answers'),
        r.texts.length ? h('ul', { class: 'survey-texts' }, r.texts.map((t) => h('li', null,
          h('p', { class: 'survey-text' }, t.text),
          h('p', { class: 'hint' }, `@${t.customer.handle}`, t.agent ? ` · handled by @${t.agent.handle}` : '', ` · ${new Date(t.answered_at).toLocaleString()}`))))
          : h('p', { class: 'muted' }, 'No answers yet.')));
    }
    dash.replaceChildren(...parts);
  };

  const loadResults = async () => {
    if (!current) {
      dash.replaceChildren(h('p', { class: 'muted', id: 'surveys-empty' }, 'No surveys yet. Add one below; its answers show here.'));
      return;
    }
    try {
      const r = await app.api.get(`${base}/${enc(current)}/results?days=${days}`);
      err.textContent = '';
      render(r.results);
    } catch (e) {
      err.textContent = e.message;
    }
  };
  const loadList = async () => {
    try {
      surveys = (await app.api.get(base)).surveys;
      if (!surveys.some((s) => s.id === current)) current = surveys.length ? surveys[0].id : '';
      picker.replaceChildren(...surveys.map((s) => h('option', { value: s.id, selected: s.id === current }, s.name)));
      picker.value = current;
      // With no survey there is nothing to pick: the Survey box was an empty
      // dropdown, and the period one of nothing.
      controls.hidden = !surveys.length;
      await loadResults();
    } catch (e) {
      err.textContent = e instanceof APIError && e.status === 404 ? `You are not on @${handle}'s team.` : e.message;
    }
  };

  const controls = h('div', { class: 'survey-controls', hidden: true }, field('survey-pick', 'Survey', picker), field('survey-period', 'Period', period));
  const el = h('section', { class: 'page console-surveys' },
    h('div', { class: 'sidebar-head' }, h('h1', null, `@${handle} · Surveys`)),
    brandNav(handle, 'surveys'),
    err,
    controls,
    dash, form);
  loadList();
  return {
    el,
    title: `Surveys · @${handle}`,
    onEvent(ev) {
      // survey.answered names the survey answered (in state): the one
      // shown reloads, at most four times a second under a burst.
      if (ev.brand !== handle || ev.type !== 'survey.answered' || ev.state !== current || timer) return;
      timer = setTimeout(() => { timer = null; loadResults(); }, 250);
    },
    destroy() { clearTimeout(timer); },
  };
}

// surveyPicker is the Automation page's choice of survey for a
// "send_survey" action: a select of the brand's surveys, filled when they
// arrive; action.value is the chosen id.
export function surveyPicker(api, handle, action, path) {
  const el = h('select', { 'data-field': path }, h('option', { value: action.value || '' }, action.value ? 'Loading…' : 'Pick a survey…'));
  el.addEventListener('change', () => { action.value = el.value; });
  api.get(`/api/v1/brands/${enc(handle)}/surveys`).then((r) => {
    el.replaceChildren(h('option', { value: '' }, 'Pick a survey…'),
      ...r.surveys.map((s) => h('option', { value: s.id, selected: s.id === action.value }, `${s.name} (${KIND_NAMES[s.kind] || s.kind})`)));
    el.value = action.value || '';
  }).catch(() => {});
  return el;
}
