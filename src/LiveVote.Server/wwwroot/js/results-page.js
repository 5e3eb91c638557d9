// /results/{pollId}: the on-air graphic, an OBS browser source. Its look comes from the URL (graphic-settings.js,
// docs/graphics.md). Nothing technical ever goes on air: until the poll and its first snapshot are there the page is
// transparent (then it shows the question alone), a draft or unknown poll renders nothing (the page waits for it
// silently), and a lost connection holds the last frame while the stream reconnects by itself. Faults go to the
// browser console as info, never as text on screen; the producer learns of them from the console page.
//
// ?preview=1 is the graphics operator's preview: with the admin session of this tab (the console's admin key in
// sessionStorage, or its sign-in cookie) it renders any poll, drafts included, from the live count, marked PREVIEW.
// Without that session it is the public graphic. A closed poll says "Final result" only once its result is signed
// (the snapshot's `final`, docs/design.md 7.6).

import { ApiError, polls, request } from './api.js';
import { backoffDelayMs } from './backoff.js';
import { byId, formatVotes, pollIdFromPath, readStored, sleep } from './dom.js';
import { applyGraphicSettings, readGraphicSettings } from './graphic-settings.js';
import { ResultsBoard } from './results-board.js';
import { followResults } from './results-stream.js';

// A draft poll is invisible until it opens; an overlay set up before the show waits for it.
const WAIT_FOR_POLL_MS = 5000;
// The preview reads the admin's live count; the public graphic is pushed by the stream.
const PREVIEW_REFRESH_MS = 1000;
// The console keeps the admin key under this name in sessionStorage (admin-page.js), shared by same-origin frames.
const ADMIN_KEY_STORAGE = 'livevote.adminKey';

const pollId = pollIdFromPath('results');
const settings = readGraphicSettings(new URLSearchParams(window.location.search), window.location.origin);
const root = document.documentElement;
const main = byId('main');
const pollPath = `/v1/polls/${encodeURIComponent(pollId ?? '')}`;

let poll = null;
let board = null;
let closed = false;
let final = false;
let hidden = false;

/** Faults for whoever opens the browser's console: never on air, and never as a console error. */
const note = (message, detail) => console.info(`LiveVote graphic: ${message}`, detail ?? '');

function renderState() {
  main.classList.toggle('is-closed', closed);
  main.classList.toggle('is-final', closed && final);
  main.classList.toggle('is-results-hidden', hidden);
  byId('state').textContent = !closed ? 'Live' : final ? 'Voting closed · Final result' : 'Voting closed · Result not final yet';
  byId('cta').hidden = closed || !settings.cta || !voteUrl(poll);
}

function announceClosed(snapshot, leaders) {
  if (!snapshot.final) {
    byId('announcer').textContent = 'Voting closed. The result is not final yet.';
    return;
  }
  const names = leaders.map((index) => poll.options[index].label);
  byId('announcer').textContent = hidden ? 'Voting closed.'
    : names.length === 0 ? 'Voting closed. No votes were cast.'
      : `Voting closed. ${names.length > 1 ? 'Tie between' : 'Winner:'} ${names.join(' and ')}.`;
}

/** One snapshot, applied in one synchronous pass: bars, total and state change together. */
function render(snapshot) {
  const wasHidden = hidden;
  hidden = snapshot.hidden === true || (settings.preview && poll.resultsHidden === true);
  const { total, leaders } = board.render({ ...snapshot, hidden });
  byId('total').textContent = formatVotes(total);
  const nowClosed = snapshot.status === 'closed';
  const nowFinal = nowClosed && snapshot.final === true;
  // The winner is announced once, when the result is final (and shown); a close before that says only that voting closed.
  if ((nowClosed && !closed) || (nowFinal && !final) || (nowClosed && wasHidden && !hidden)) announceClosed(snapshot, leaders);
  closed = nowClosed;
  final = nowFinal;
  main.classList.add('has-snapshot');
  renderState();
}

/** The public vote address, when the server has one configured (LiveVote:PublicBaseUrl); never this page's host. */
function voteUrl(current) {
  const value = current?.voteUrl;
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

async function showCallToAction(headers) {
  const url = voteUrl(poll);
  if (!url || !settings.cta) return;
  // Said without the scheme, as a presenter reads it out; the QR code carries the whole address.
  byId('vote-address').textContent = url.href.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const qr = byId('qr');
  qr.alt = `QR code: ${url.href}`;
  qr.addEventListener('error', () => {
    qr.hidden = true;
    note('the QR code did not load');
  });
  if (headers['X-Admin-Key']) {
    // A draft's QR code is the admin's: an <img> cannot send the key, so the preview fetches it (CSP allows data:).
    try {
      const response = await fetch(`${pollPath}/qr.svg`, { headers, cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const svg = await response.text();
      qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    } catch (error) {
      qr.hidden = true;
      note('the QR code did not load', error);
    }
  } else {
    qr.src = `${pollPath}/qr.svg`;
  }
}

/** The admin session of this tab, as request headers; null when there is none (then the preview is the public graphic). */
async function adminSession() {
  const key = readStored(window.sessionStorage, ADMIN_KEY_STORAGE);
  const headers = typeof key === 'string' && key ? { 'X-Admin-Key': key } : {};
  for (let retry = 0; ; retry++) {
    try {
      // The admin's live count answers a key or a signed-in operator's cookie (same origin, sent anyway).
      await request(`${pollPath}/results/live`, { headers });
      return headers;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Admin checks run before the poll is looked up: a 404 comes only to the admin (a draft may have no count yet).
      if (error.status === 404) return headers;
      if (!error.retryable) {
        note('preview needs the console\'s admin session in this browser tab; showing the public graphic', error.status);
        return null;
      }
      await sleep(backoffDelayMs(retry, error.retryAfterSeconds, { baseMs: 1000, maxMs: 15_000 }));
    }
  }
}

async function loadPoll(headers) {
  for (let retry = 0; ; retry++) {
    try {
      return await request(pollPath, { headers });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 400) return null;
      if (error.status === 404) {
        note(`poll "${pollId}" is not open (or does not exist); waiting for it`);
        await sleep(WAIT_FOR_POLL_MS);
      } else {
        note('the poll could not be read; trying again', error.status);
        await sleep(backoffDelayMs(retry, error.retryAfterSeconds, { baseMs: 1000, maxMs: 15_000 }));
      }
    }
  }
}

/** The operator's preview: the admin's live count and poll (reveal, status) read again every second. */
async function followPreview(headers) {
  for (;;) {
    try {
      poll = await request(pollPath, { headers });
      // A draft has no votes: nothing to ask for (and no 404 a second in the operator's console).
      render(poll.status === 'draft' ? { status: 'draft', totals: {}, total: 0 }
        : await request(`${pollPath}/results/live`, { headers }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      note('preview refresh failed; holding the last frame', error.status);
    }
    await sleep(PREVIEW_REFRESH_MS);
  }
}

function showPoll() {
  document.title = `${poll.title} — Results`;
  byId('title').textContent = poll.title;
  board = new ResultsBoard(byId('board'), poll.options, { badges: true });
  closed = poll.status === 'closed';
  byId('preview-mark').hidden = !settings.preview;
  main.hidden = false;
  root.classList.add('has-poll');
}

async function start() {
  applyGraphicSettings(settings);
  if (settings.logo) {
    const logo = byId('logo');
    logo.addEventListener('error', () => {
      logo.hidden = true;
      note('the logo did not load', settings.logo);
    });
    logo.src = settings.logo;
    logo.hidden = false;
  }
  if (!pollId) {
    note('this address names no poll');
    return;
  }
  const headers = settings.preview ? await adminSession() : null;
  if (settings.preview && !headers) settings.preview = false;
  poll = await loadPoll(headers ?? {});
  if (!poll) {
    note('this address names no poll');
    return;
  }
  showPoll();
  renderState();
  showCallToAction(headers ?? {});
  if (settings.preview) {
    followPreview(headers);
    return;
  }
  followResults(poll.id, {
    onSnapshot: render,
    onConnection: (state) => {
      // Held silently: the last frame stays on air while the stream reconnects by itself.
      if (state === 'reconnecting') note('results stream interrupted; holding the last frame');
      else note('results stream connected');
    },
  });
}

start().catch((error) => note('the graphic stopped', error));
