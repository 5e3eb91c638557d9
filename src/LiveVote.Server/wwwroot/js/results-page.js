// /results/{pollId}: the broadcast graphic. Live from the SSE stream, reconnecting by itself; ?transparent=1 drops the
// page background for OBS / vision-mixer overlays; ?cta=0 hides the "Vote now at ..." line. A closed poll says "Final
// result" only once its result is signed (the snapshot's `final`, docs/design.md 7.6): until then, or when the
// reconciliation gate refused it, it says the result is not final.

import { ApiError, polls } from './api.js';
import { backoffDelayMs } from './backoff.js';
import { byId, formatVotes, pollIdFromPath, sleep } from './dom.js';
import { ResultsBoard } from './results-board.js';
import { followResults } from './results-stream.js';

// A draft poll is invisible until it opens; an overlay set up before the show waits for it.
const WAIT_FOR_POLL_MS = 5000;

const pollId = pollIdFromPath('results');
const params = new URLSearchParams(window.location.search);
const main = byId('main');
document.documentElement.classList.add(params.get('transparent') === '1' ? 'is-transparent' : 'is-opaque');

let poll = null;
let board = null;
let closed = false;
let final = false;
let connection = 'connecting';

function showMessage(title, text) {
  const message = byId('message');
  message.textContent = text;
  message.hidden = !text;
  if (title) byId('title').textContent = title;
}

function renderState() {
  main.classList.toggle('is-closed', closed);
  main.classList.toggle('is-final', closed && final);
  main.classList.toggle('is-reconnecting', connection === 'reconnecting');
  const state = !closed ? 'Live' : final ? 'Voting closed · Final result' : 'Voting closed · Result not final yet';
  byId('state').textContent = connection === 'reconnecting' ? `${state} · Reconnecting…` : state;
  byId('cta').hidden = closed || params.get('cta') === '0';
}

function announceClosed(snapshot) {
  if (!snapshot.final) {
    byId('announcer').textContent = 'Voting closed. The result is not final yet.';
    return;
  }
  const counts = poll.options.map((option) => snapshot.totals?.[option.id] ?? 0);
  const top = Math.max(0, ...counts);
  const winners = poll.options.filter((_, index) => top > 0 && counts[index] === top).map((option) => option.label);
  byId('announcer').textContent = winners.length === 0 ? 'Voting closed. No votes were cast.'
    : `Voting closed. ${winners.length > 1 ? 'Tie between' : 'Winner:'} ${winners.join(' and ')}.`;
}

/** One snapshot, applied in one synchronous pass: bars, total and state change together. */
function render(snapshot) {
  const { total } = board.render(snapshot);
  byId('total').textContent = formatVotes(total);
  const nowClosed = snapshot.status === 'closed';
  const nowFinal = nowClosed && snapshot.final === true;
  // The winner is announced once, when the result is final; a close before that says only that voting closed.
  if ((nowClosed && !closed) || (nowFinal && !final)) announceClosed(snapshot);
  closed = nowClosed;
  final = nowFinal;
  renderState();
}

async function loadPoll() {
  for (let retry = 0; ; retry++) {
    try {
      return await polls.get(pollId);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 400) return null;
      if (error.status === 404) {
        showMessage('Poll not found', `Waiting for poll “${pollId}” to open…`);
        await sleep(WAIT_FOR_POLL_MS);
      } else {
        byId('state').textContent = 'Reconnecting…';
        await sleep(backoffDelayMs(retry, error.retryAfterSeconds, { baseMs: 1000, maxMs: 15_000 }));
      }
    }
  }
}

async function start() {
  poll = pollId ? await loadPoll() : null;
  if (!poll) {
    byId('state').textContent = '';
    showMessage('Poll not found', 'This address does not name a poll.');
    return;
  }
  showMessage(null, '');
  document.title = `${poll.title} — Results`;
  byId('title').textContent = poll.title;
  byId('vote-address').textContent = `${window.location.host}/vote/${poll.id}`;
  board = new ResultsBoard(byId('board'), poll.options);
  closed = poll.status === 'closed';
  renderState();
  followResults(poll.id, {
    onSnapshot: render,
    onConnection: (state) => {
      connection = state;
      renderState();
    },
  });
}

start();
