// The producer's live figures: GET /v1/admin/stats about once a second while the tab is visible (a hidden tab asks
// nothing: nobody is looking, and a desk left open all night should not load the server), drawn into the figures
// panel, the votes-per-second chart and the database status line.

import { ApiError, adminApi } from './api.js';
import { byId, formatNumber } from './dom.js';
import { VotesChart } from './votes-chart.js';

const EVERY_MS = 1000;
const rate = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export class LiveFigures {
  /**
   * @param {() => string|null} adminKey the key of the signed-in producer (null: stop)
   * @param {(error: ApiError) => void} onRefused a refused key or a lockout: the desk signs out
   */
  constructor(adminKey, onRefused) {
    this.adminKey = adminKey;
    this.onRefused = onRefused;
    this.chart = new VotesChart(byId('votes-chart'));
    this.timer = null;
    this.running = false;
    this.inFlight = null;
    this.onVisibility = () => (document.hidden ? this.pause() : this.resume());
  }

  start() {
    if (this.running) return;
    this.running = true;
    document.addEventListener('visibilitychange', this.onVisibility);
    if (!document.hidden) this.tick();
  }

  stop() {
    this.running = false;
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.pause();
  }

  pause() {
    clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
    byId('figures-state').textContent = this.running ? 'Paused while this tab is hidden' : '';
  }

  resume() {
    if (this.running && !this.timer && !this.inFlight) this.tick();
  }

  async tick() {
    const key = this.adminKey();
    if (!this.running || !key) return;
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      this.show(await adminApi.stats(key, controller.signal));
    } catch (error) {
      if (error?.name === 'AbortError') return;
      if (error instanceof ApiError && (error.status === 401 || error.code === 'admin-locked-out')) {
        this.onRefused(error);
        return;
      }
      byId('figures-state').textContent = 'Figures unavailable: retrying…';
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
    }
    if (this.running && !document.hidden) this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, EVERY_MS);
  }

  show(stats) {
    byId('stat-rate').textContent = rate.format(stats.votesPerSecond);
    byId('stat-total').textContent = formatNumber(stats.totalAccepted);
    byId('stat-duplicates').textContent = formatNumber(stats.duplicatesRefused);
    byId('stat-throttled').textContent = formatNumber(stats.throttled);
    byId('stat-flagged').textContent = formatNumber(stats.flagged);
    byId('stat-queue').textContent = `${formatNumber(stats.queueDepth)} / ${formatNumber(stats.queueCapacity)}`;
    byId('stat-queue-meter').value = stats.queueCapacity > 0 ? stats.queueDepth / stats.queueCapacity : 0;
    this.showStore(stats.store);
    byId('figures-state').textContent = `Updated ${new Date(stats.asOf).toLocaleTimeString('en-GB')}`;
    this.chart.add(Date.parse(stats.asOf) || Date.now(), stats.votesPerSecond);
  }

  // The database as this server last read it: which primary and synchronous standby, or what is missing. The line is a
  // polite live region, so it is written only when it changes: a screen reader hears a failover, not a tick a second.
  showStore(store) {
    if (!store) return;
    const line = byId('store-state');
    if (line.dataset.status !== store.status) line.dataset.status = store.status;
    const summary = byId('store-summary');
    if (summary.textContent !== store.summary) summary.textContent = store.summary;
  }
}
