// Whether the producer console can reach the server, said so that it cannot be missed. Every read and action reports
// its outcome here; the first answer that is no answer at all (network failure, timeout) or a 5xx turns the console
// "lost": a banner (role=alert), every figure marked stale with its age, every action paused (its button disabled).
// The first success afterwards clears all of it by itself. A producer must never read a frozen number as a live one,
// nor press a button whose effect cannot happen.

import { ApiError } from './api.js';
import { h } from './dom.js';

const TICK_MS = 1000;
export const LOST_MESSAGE = 'Connection to the server lost — figures are stale; actions are paused. Retrying…';
/** What needs the server to work: on-air actions (data-action) and anything else marked data-needs-server. */
const ACTIONS = 'button[data-action], [data-needs-server]';

/** No answer, a timeout or a server error: the server is out of reach (a 4xx is an answer, about one request). */
export function isConnectionFailure(error) {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

/** "12 s", "2 min 5 s". */
export function formatAge(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export class ConnectionState {
  /**
   * @param {{banner: HTMLElement, root: HTMLElement, onRecovered?: () => void, now?: () => number}} options
   *   banner: the role=alert element; root: where figures and actions live
   */
  constructor({ banner, root, onRecovered = () => {}, now = () => Date.now() }) {
    this.banner = banner;
    this.root = root;
    this.onRecovered = onRecovered;
    this.now = now;
    this.isLost = false;
    this.timer = null;
  }

  get lost() {
    return this.isLost;
  }

  /** The figures shown in this host were just read from the server: its age starts again and any stale mark goes. */
  fresh(host) {
    if (!host) return;
    host.dataset.freshAt = String(this.now());
    clearMark(host);
  }

  /** An answer came: the server is reachable. */
  succeeded() {
    if (this.isLost) this.recover();
  }

  /**
   * A call failed; returns whether it was the connection (then the console is "lost" and the caller should stay quiet:
   * the banner says it all, a notice per failed read would pile up and never clear).
   */
  failed(error) {
    if (!isConnectionFailure(error)) return false;
    if (!this.isLost) this.lose();
    return true;
  }

  /** Stops everything (signed out): no banner, no marks. */
  reset() {
    if (this.isLost) this.recover(false);
  }

  lose() {
    this.isLost = true;
    this.root.dataset.connection = 'lost';
    this.banner.hidden = false;
    this.banner.textContent = LOST_MESSAGE;
    this.tick();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  recover(notify = true) {
    this.isLost = false;
    clearInterval(this.timer);
    this.timer = null;
    delete this.root.dataset.connection;
    this.banner.textContent = '';
    this.banner.hidden = true;
    for (const host of this.root.querySelectorAll('[data-stale]')) clearMark(host);
    for (const control of this.root.querySelectorAll('[data-paused-by-connection]')) {
      control.disabled = false;
      delete control.dataset.pausedByConnection;
    }
    if (notify) this.onRecovered();
  }

  /** Every second while lost: ages on the stale marks, and actions drawn since (a re-rendered card) paused too. */
  tick() {
    const now = this.now();
    for (const host of this.root.querySelectorAll('[data-fresh-at]')) {
      const age = formatAge(now - Number(host.dataset.freshAt));
      host.dataset.stale = 'true';
      let mark = host.querySelector(':scope > .stale-mark');
      if (!mark) {
        mark = h('span', { class: 'stale-mark' });
        host.append(mark);
      }
      const text = `stale, ${age}`;
      if (mark.textContent !== text) mark.textContent = text;
    }
    for (const control of this.root.querySelectorAll(ACTIONS)) {
      if (control.disabled) continue;
      control.disabled = true;
      control.dataset.pausedByConnection = 'true';
    }
  }
}

function clearMark(host) {
  delete host.dataset.stale;
  host.querySelector(':scope > .stale-mark')?.remove();
}
