// Follows a poll's results over Server-Sent Events, reconnecting by itself.
//
// EventSource reconnects on its own after a dropped connection (the server asks for 1 s). It gives up for good when
// the server answers with an error or the wrong type; then we start a new one after an exponential backoff, so an
// overlay left running through a server restart comes back without anyone touching it.

import { polls } from './api.js';
import { backoffDelayMs } from './backoff.js';

/**
 * @param {string} pollId
 * @param {{onSnapshot: (snapshot: object) => void, onConnection?: (state: 'live'|'reconnecting') => void}} handlers
 * @returns {() => void} stops following
 */
export function followResults(pollId, { onSnapshot, onConnection = () => {} }) {
  let source = null;
  let retryTimer = null;
  let failures = 0;
  let stopped = false;
  let latestVersion = -Infinity;

  const connect = () => {
    source = new EventSource(polls.resultsStreamUrl(pollId));
    source.addEventListener('open', () => {
      failures = 0;
      onConnection('live');
    });
    source.addEventListener('results', (event) => {
      let snapshot;
      try {
        snapshot = JSON.parse(event.data);
      } catch {
        return;
      }
      // After a reconnect an older snapshot must never replace a newer one on screen.
      if (typeof snapshot.version !== 'number' || snapshot.version < latestVersion) return;
      latestVersion = snapshot.version;
      onSnapshot(snapshot);
    });
    source.addEventListener('error', () => {
      if (stopped) return;
      onConnection('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        retryTimer = setTimeout(connect, backoffDelayMs(failures++, null, { baseMs: 1000, maxMs: 15_000 }));
      }
    });
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    source?.close();
  };
}
