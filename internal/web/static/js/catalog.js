// Product recommendations in the web app (internal/brand/catalog.go,
// docs/recommendations.md): the product card a brand's message carries, in
// the customer's chat and in the console; and the console's "Suggested
// products" panel beside the chat, which sends a suggestion as a card in one
// click. Every string from the server goes in as text; a URL is used only
// when it parses as http or https (images: https only).

import { busy, h } from './dom.js';

const enc = encodeURIComponent;
const base = (handle) => `/api/v1/brands/${enc(handle)}`;

// webURL returns u when it is an absolute URL of one of the schemes, else ''.
export function webURL(u, schemes = ['https:', 'http:']) {
  if (typeof u !== 'string' || u === '') return '';
  try {
    const p = new URL(u);
    return schemes.includes(p.protocol) ? p.href : '';
  } catch (e) {
    return '';
  }
}

// productCard renders a message's product card (null for none): the image,
// the title, the price, and a button that opens the product's page.
export function productCard(card) {
  if (!card) return null;
  const link = webURL(card.url);
  const img = webURL(card.image_url, ['https:']);
  return h('div', { class: 'product-card', 'data-product': card.product_id },
    img ? h('img', { class: 'product-img', src: img, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer', width: '240', height: '160' })
      : h('div', { class: 'product-img placeholder', 'aria-hidden': 'true' }, (card.title || '?').slice(0, 1)),
    h('div', { class: 'product-info' },
      h('strong', { class: 'product-title', dir: 'auto' }, card.title),
      h('span', { class: 'product-price' }, card.price || ''),
      link ? h('a', { class: 'btn primary small product-open', href: link, target: '_blank', rel: 'noopener noreferrer nofollow' }, 'View product') : null));
}

// SuggestionPanel is the console's "Suggested products" beside the chat of
// one conversation. onSent receives the card's message once sent.
export class SuggestionPanel {
  constructor(app, handle, convID, onSent) {
    this.app = app;
    this.handle = handle;
    this.convID = convID;
    this.onSent = onSent;
    this.list = h('ul', { class: 'suggestions', id: 'suggestions', 'aria-live': 'polite' }, h('li', { class: 'muted' }, 'Loading…'));
    this.err = h('p', { class: 'form-error', role: 'alert', id: 'suggestions-error' });
    this.refresh = h('button', { type: 'button', class: 'btn ghost small', id: 'suggestions-refresh', onclick: () => this.load() }, 'Refresh');
    this.el = h('details', { class: 'suggestion-panel', id: 'suggestion-panel' },
      h('summary', null, h('span', { class: 'summary-title' }, 'Suggested products')),
      this.list, this.err,
      this.refresh);
    if (!window.matchMedia || window.matchMedia('(min-width: 721px)').matches) this.el.open = true;
    this.load();
  }

  async load() {
    try {
      const r = await this.app.api.get(base(this.handle) + '/conversations/' + enc(this.convID) + '/suggestions?limit=5');
      this.render(r.suggestions);
      this.err.textContent = '';
    } catch (e) {
      this.list.replaceChildren();
      this.err.textContent = e.message || 'Suggestions are not available.';
    }
  }

  render(items) {
    if (!items.length) {
      this.list.replaceChildren(h('li', { class: 'muted' }, 'No suggestions yet: the catalog is empty or the customer is new.'));
      return;
    }
    this.list.replaceChildren(...items.map((s) => {
      const p = s.product;
      const img = webURL(p.image_url, ['https:']);
      const send = h('button', { type: 'button', class: 'btn small', 'data-send': p.id, 'aria-label': `Send ${p.title} as a card` }, 'Send');
      // Disabled while it sends (busy), and the list drawn again after it:
      // the focus stays with the keyboard, on this product's Send if it is
      // still suggested, else on the first Send, else on Refresh. It fell
      // to the page, and the agent started again from the top.
      send.addEventListener('click', () => busy(send, async () => {
        try {
          const r = await this.app.api.post(base(this.handle) + '/conversations/' + enc(this.convID) + '/product-cards',
            { product_id: p.id, client_id: 'card-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) });
          this.onSent(r.message);
          this.err.textContent = '';
          await this.load();
        } catch (e) {
          this.err.textContent = e.message;
        }
      }, () => {
        const to = send.isConnected ? send
          : this.list.querySelector(`[data-send="${CSS.escape(p.id)}"]`) || this.list.querySelector('[data-send]') || this.refresh;
        if (to.isConnected) to.focus();
      }));
      return h('li', { class: 'suggestion', 'data-product': p.id },
        img ? h('img', { class: 'suggestion-img', src: img, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer', width: '48', height: '48' })
          : h('span', { class: 'suggestion-img placeholder', 'aria-hidden': 'true' }, (p.title || '?').slice(0, 1)),
        h('div', { class: 'suggestion-info' },
          h('span', { class: 'suggestion-title', dir: 'auto' }, p.title),
          h('span', { class: 'suggestion-price' }, p.price),
          h('span', { class: 'suggestion-reason muted', dir: 'auto' }, s.reason)),
        send);
    }));
  }
}
