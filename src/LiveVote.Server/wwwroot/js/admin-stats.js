// The producer's live figures: GET /v1/admin/stats about once a second while the tab is visible (a hidden tab asks
// nothing: nobody is looking, and a desk left open all night should not load the server), drawn into the figures
// panel, the votes-per-second chart and the database status line (one line per cluster when the node writes to several).
// The figures are the fleet's (`stats.fleet`: every node's counters summed, labelled "all N servers") when the server
// sends them, else this server's own, labelled so. This poll is also the console's heartbeat: its outcome goes to the
// connection state (connection-state.js), and a request that hangs counts as a lost connection after a few seconds.

import { ApiError, adminApi } from './api.js';
import { byId, formatNumber } from './dom.js';
import { VotesChart } from './votes-chart.js';

const EVERY_MS = 1000;
const TIMEOUT_MS = 4000;
/** The figures marked stale (with their age) while the connection is lost. */
const FIGURE_HOSTS = ['stat-rate', 'stat-total', 'stat-duplicates', 'stat-throttled', 'stat-flagged', 'stat-queue'];
const rate = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export class LiveFigures {
  /**
   * @param {() => string|null} adminKey the key of the signed-in producer (null: stop)
   * @param {(error: ApiError) => void} onRefused a refused key or a lockout: the desk signs out
   * @param {import('./connection-state.js').ConnectionState} connection told of every answer and failure
   */
  constructor(adminKey, onRefused, connection) {
    this.adminKey = adminKey;
    this.onRefused = onRefused;
    this.connection = connection;
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
      // A timeout is not an AbortError: api.js turns it into "no connection" (status 0), which is what it is.
      const signal = AbortSignal.any ? AbortSignal.any([controller.signal, AbortSignal.timeout(TIMEOUT_MS)]) : controller.signal;
      const stats = await adminApi.stats(key, signal);
      this.connection.succeeded();
      this.show(stats);
    } catch (error) {
      if (error?.name === 'AbortError') return;
      if (error instanceof ApiError && (error.status === 401 || error.code === 'admin-locked-out')) {
        this.onRefused(error);
        return;
      }
      this.connection.failed(error);
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
    const counts = countsOf(stats);
    byId('stat-rate').textContent = rate.format(counts.votesPerSecond);
    byId('stat-total').textContent = formatNumber(counts.accepted);
    byId('stat-duplicates').textContent = formatNumber(counts.repeated);
    byId('stat-throttled').textContent = formatNumber(counts.throttled);
    byId('stat-flagged').textContent = formatNumber(counts.flagged);
    byId('stat-queue').textContent = `${formatNumber(stats.queueDepth)} / ${formatNumber(stats.queueCapacity)}`;
    byId('stat-queue-meter').value = stats.queueCapacity > 0 ? stats.queueDepth / stats.queueCapacity : 0;
    this.showScope(stats.fleet);
    this.showStore(stats);
    byId('figures-state').textContent = `Updated ${new Date(stats.asOf).toLocaleTimeString('en-GB')}`;
    this.chart.add(Date.parse(stats.asOf) || Date.now(), counts.votesPerSecond);
    for (const id of FIGURE_HOSTS) this.connection.fresh(byId(id).parentElement);
    this.connection.fresh(byId('votes-chart').parentElement);
  }

  // Whose figures these are, in words: the whole fleet's ("all 3 servers", with how many reported in the last 10 s)
  // or this server's alone (a server without fleet figures). The queue is always this server's own.
  showScope(fleet) {
    const scope = byId('figures-scope');
    const text = fleet ? fleetLabel(fleet) : 'Figures: this server';
    if (scope.textContent !== text) scope.textContent = text;
    scope.dataset.scope = fleet ? 'fleet' : 'this-server';
    const caption = fleet
      ? `Votes per second (mean of the last 5 s) on ${serversLabel(fleet.nodes)}, over the last 2 minutes.`
      : 'Votes per second (mean of the last 5 s) on this server since it started, over the last 2 minutes.';
    const captionElement = byId('votes-chart-caption');
    if (captionElement.textContent !== caption) captionElement.textContent = caption;
  }

  // The database as this server last read it: which primary and synchronous standby, or what is missing. One cluster
  // (or SQLite) is one line; several are one line each, with their failovers and queue. Both are polite live regions,
  // so they are written only when they change: a screen reader hears a failover, not a tick a second.
  showStore(stats) {
    const clusters = stats.partitions ?? [];
    const several = clusters.length > 1;
    byId('store-state').hidden = several;
    byId('cluster-states').hidden = !several;
    if (several) {
      this.showClusters(clusters, stats.queues ?? []);
      return;
    }
    const store = stats.store;
    if (!store) return;
    const line = byId('store-state');
    if (line.dataset.status !== store.status) line.dataset.status = store.status;
    const summary = byId('store-summary');
    if (summary.textContent !== store.summary) summary.textContent = store.summary;
  }

  showClusters(clusters, queues) {
    const list = byId('cluster-list');
    while (list.children.length > clusters.length) list.lastElementChild.remove();
    while (list.children.length < clusters.length) list.append(document.createElement('li'));
    clusters.forEach((cluster, i) => {
      const item = list.children[i];
      const text = clusterLine(cluster, queues.find((q) => q.partition === cluster.partition));
      if (item.dataset.status !== cluster.status) item.dataset.status = cluster.status;
      if (item.dataset.partition !== String(cluster.partition)) item.dataset.partition = String(cluster.partition);
      if (item.textContent !== text) item.textContent = text;
    });
  }
}

/** The five counters, from the fleet's sums when present (contract: AdminStats.Fleet), else this server's. */
export function countsOf(stats) {
  const fleet = stats.fleet;
  return fleet
    ? { votesPerSecond: fleet.votesPerSecond, accepted: fleet.accepted, repeated: fleet.repeated, throttled: fleet.throttled, flagged: fleet.flagged }
    : { votesPerSecond: stats.votesPerSecond, accepted: stats.totalAccepted, repeated: stats.duplicatesRefused, throttled: stats.throttled, flagged: stats.flagged };
}

const serversLabel = (nodes) => (nodes === 1 ? 'the 1 server' : `all ${formatNumber(nodes)} servers`);

// "Figures: all 3 servers · queue: this server", and how many of them reported lately when not all did.
export function fleetLabel(fleet) {
  const missing = fleet.nodes - fleet.nodesReporting;
  const reporting = missing > 0 ? ` (${formatNumber(fleet.nodesReporting)} reporting)` : '';
  return `Figures: ${serversLabel(fleet.nodes)}${reporting} · queue: this server`;
}

// "Cluster 1: primary 10.0.2.5:5432, timeline 4, sync standby zone_c · 1 failover · queue 12 / 100,000". The summary
// names the primary and its timeline while there is one; without one, the last timeline seen is added.
export function clusterLine(cluster, queue) {
  const parts = [`Cluster ${cluster.partition}: ${cluster.summary}`];
  if (!cluster.primary && cluster.timeline != null) parts.push(`last timeline ${cluster.timeline}`);
  parts.push(`${formatNumber(cluster.failovers)} ${cluster.failovers === 1 ? 'failover' : 'failovers'}`);
  if (queue) parts.push(`queue ${formatNumber(queue.depth)} / ${formatNumber(queue.capacity)}`);
  return parts.join(' · ');
}
