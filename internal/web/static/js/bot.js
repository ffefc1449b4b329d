// A brand's bot, as its customer sees it in the chat: bot messages marked
// "Automated", quick-reply buttons under the newest bot message, ice
// breakers on a first conversation, the persistent menu and the "Talk to a
// person" button. Tapping any of them sends the button's title as the
// customer's reply, carrying its payload for the bot (the server decides
// what happens next; the buttons are only a way to send).

import { h } from './dom.js';
import { others } from './store.js';

// automatedLabel marks a bot's message, as other DM apps mark bots.
export function automatedLabel(m) {
  if (m.collaboration) return h('span', { class: 'bot-label collab-label', title: 'A brand proposes a collaboration: Accept or Decline below' }, 'Collaboration');
  if (m.campaign_id) return h('span', { class: 'bot-label campaign-label', title: 'A business campaign: the brand sent this to many people' }, 'Campaign');
  return m.automated ? h('span', { class: 'bot-label', title: 'Sent automatically by the brand\'s bot' }, 'Automated') : null;
}

// quickReplies renders the buttons of a message. Only the newest message
// of the conversation keeps live buttons: once anything was written after
// it, its question was answered and its buttons go inactive.
export function quickReplies(m, live, onTap) {
  const qr = m.quick_replies || [];
  if (!qr.length || m.deleted) return null;
  return h('div', { class: 'quick-replies' + (live ? '' : ' answered'), role: 'group', 'aria-label': 'Quick replies' },
    qr.map((q, i) => h('button', {
      type: 'button', class: 'qr', 'data-action': 'qr-' + i, disabled: !live,
      onclick: () => onTap(q),
    }, q.title)));
}

// ChatBot is the bot's part of one chat window. It knows the brand's bot
// only from the brand's public profile (its `bot` entry, present when the
// bot is on); in any other conversation it stays empty and hidden.
export class ChatBot {
  // send(title, payload) sends a tap as the customer's reply.
  constructor(chat, send) {
    this.chat = chat;
    this.send = send;
    this.entry = null;
    this.menuOpen = false;
    this.el = h('div', { class: 'bot-bar', hidden: true });
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.menuOpen) {
        e.stopPropagation();
        this.toggleMenu(false);
      }
    });
  }

  // load looks the brand's bot up once the conversation is known, and
  // returns the other side's profile (null when none was read).
  async load(conv, me) {
    const other = conv && conv.kind === 'direct' ? others(conv, me)[0] : null;
    // Members carry no account kind: the profile tells whether the other
    // side is a brand with its bot on (one request per chat opened).
    if (!other || conv.status === 'request') {
      this.entry = null;
      this.render();
      return null;
    }
    let r = null;
    try {
      r = await this.chat.app.api.profile(other.handle);
    } catch (e) {
      // The bot's buttons are a convenience: without them the customer
      // still writes, and the hand-off words still reach a person.
    }
    this.fromProfile(r);
    return r;
  }

  // fromProfile shows the bot of the profile's account, if it is a brand
  // with its bot on (a draft chat has the profile already).
  fromProfile(r) {
    const a = r && r.account;
    this.entry = (a && a.kind === 'brand' && r.bot) || null;
    this.brandName = a ? a.display_name || a.handle : '';
    this.render();
  }

  toggleMenu(open = !this.menuOpen) {
    this.menuOpen = open;
    this.render();
    const target = this.el.querySelector(open ? '.bot-menu button' : '#bot-menu-button');
    if (target) target.focus();
  }

  tap(q) {
    this.menuOpen = false;
    this.send(q.title, q.payload);
    this.render();
  }

  // render draws the ice breakers (an empty conversation only), the menu
  // button with its entries, and the "Talk to a person" button.
  render() {
    const b = this.entry;
    this.el.hidden = !b;
    if (!b) {
      this.el.replaceChildren();
      return;
    }
    const empty = this.chat.msgs.size === 0 && this.chat.pending.size === 0;
    const ice = empty && (b.ice_breakers || []).length
      ? h('div', { class: 'ice-breakers', id: 'ice-breakers' },
        h('p', { class: 'hint', id: 'ice-breakers-title' }, `Ask ${this.brandName || 'the brand'}`),
        h('div', { class: 'ice-list', role: 'group', 'aria-labelledby': 'ice-breakers-title' },
          b.ice_breakers.map((q) => h('button', { type: 'button', class: 'ice', onclick: () => this.tap(q) }, q.title))))
      : null;
    const menu = b.menu || [];
    const menuBtn = menu.length
      ? h('button', {
        type: 'button', class: 'btn small bot-menu-button', id: 'bot-menu-button',
        'aria-expanded': String(this.menuOpen), 'aria-controls': 'bot-menu', 'aria-label': 'Menu',
        onclick: () => this.toggleMenu(),
      }, '☰ Menu')
      : null;
    const list = menu.length && this.menuOpen
      ? h('ul', { class: 'bot-menu', id: 'bot-menu', 'aria-label': 'Menu' },
        menu.map((q) => h('li', null, h('button', { type: 'button', class: 'menu-item', onclick: () => this.tap(q) }, q.title))))
      : null;
    const handoff = b.handoff && b.handoff.title
      ? h('button', { type: 'button', class: 'btn small', id: 'bot-handoff', onclick: () => this.tap(b.handoff) }, b.handoff.title)
      : null;
    // A redraw (a message arriving) keeps the keyboard focus on the same
    // button, e.g. the menu entry a person is on, instead of dropping it.
    const buttons = () => [...this.el.querySelectorAll('button')];
    const focused = this.el.contains(document.activeElement) ? buttons().indexOf(document.activeElement) : -1;
    this.el.replaceChildren(...[ice, list, h('div', { class: 'bot-row' }, menuBtn, handoff)].filter(Boolean));
    if (focused >= 0) buttons()[focused]?.focus();
  }
}
