// Keyboard shortcuts for the on-air actions of the SELECTED poll card: O open, C close, F freeze, R release. A card is
// selected by clicking it or by moving the keyboard focus into it (Tab); the selection is shown on the card ("Selected"
// in text, not only a colour) and named in the on-screen legend. A key never acts by itself: it presses the card's
// button, which asks for confirmation like a click would. Nothing fires while typing in a form field, with a modifier
// held (browser shortcuts stay the browser's) or while a dialog is open.

import { h } from './dom.js';

/** key -> the card's data-action; the legend in admin.html lists the same. */
export const SHORTCUT_KEYS = { o: 'open', c: 'close', f: 'freeze', r: 'release' };

const TEXT_INPUTS = new Set(['text', 'password', 'search', 'email', 'url', 'tel', 'number', 'date', 'datetime-local', 'month', 'time', 'week']);

/** The keystroke belongs to a field the producer is typing in. */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest('[contenteditable=""], [contenteditable="true"]')) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type);
}

export class PollShortcuts {
  /**
   * @param {{list: HTMLElement, status: HTMLElement, enabled: () => boolean,
   *          run: (card: HTMLElement|null, action: string) => void}} options
   *   list: the cards' container (children with data-poll-id); status: where the selection is named;
   *   enabled: whether the console is showing (signed in); run: does the action (null card: nothing selected)
   */
  constructor({ list, status, enabled, run }) {
    this.list = list;
    this.status = status;
    this.enabled = enabled;
    this.run = run;
    this.selectedId = null;
    const select = (event) => {
      const card = event.target.closest?.('[data-poll-id]');
      if (card && this.list.contains(card)) this.select(card.dataset.pollId);
    };
    list.addEventListener('click', select);
    list.addEventListener('focusin', select);
    document.addEventListener('keydown', (event) => this.onKey(event));
  }

  select(pollId) {
    if (this.selectedId === pollId) return;
    this.selectedId = pollId;
    this.mark();
  }

  selectedCard() {
    if (this.selectedId === null) return null;
    return [...this.list.children].find((card) => card.dataset.pollId === this.selectedId) ?? null;
  }

  /** Shows the selection on the cards (call after every render: the cards are drawn anew). */
  mark() {
    const selected = this.selectedCard();
    if (!selected) this.selectedId = null;
    for (const card of this.list.children) {
      const on = card === selected;
      card.classList.toggle('is-selected', on);
      if (on) card.setAttribute('aria-current', 'true');
      else card.removeAttribute('aria-current');
      const badge = card.querySelector('.selected-mark');
      if (on && !badge) card.querySelector('.badges')?.prepend(h('span', { class: 'selected-mark', text: 'Selected' }));
      if (!on) badge?.remove();
    }
    const title = selected?.querySelector('h3')?.textContent;
    this.status.textContent = title ? `Selected poll: “${title}”.` : 'No poll selected: click a poll, or Tab into it.';
  }

  onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const action = SHORTCUT_KEYS[event.key?.toLowerCase()];
    if (!action || !this.enabled() || isTyping(event.target) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    this.run(this.selectedCard(), action);
  }
}
