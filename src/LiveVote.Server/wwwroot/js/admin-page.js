// /admin: the producer's desk. Sign in with the admin key (kept in sessionStorage: this tab only), create polls, open
// and close them, watch the live figures (admin-stats.js) and each open poll's count, freeze and release the on-air
// results, and choose whether viewers see the results after voting. A closed poll shows whether its result is signed
// (final), and when the reconciliation gate refused it, why, with a button to sign again after the fix.

import { ApiError, adminApi, polls } from './api.js';
import { byId, formatTime, formatVotes, h, readStored, setNotice, writeStored } from './dom.js';
import { LiveFigures } from './admin-stats.js';
import { initOperatorSession } from './operator-session.js';
import { clearErrors, readForm, resetForm, showFormError } from './poll-form.js';

const KEY_STORAGE = 'livevote.adminKey';
const TOTALS_EVERY_MS = 2000;
const LIST_EVERY_MS = 15_000;
const STATUS_ORDER = { open: 0, draft: 1, closed: 2 };
const STATUS_NAMES = { open: 'Open', draft: 'Draft', closed: 'Closed' };
const RESULT_NAMES = { signed: 'Result signed: final', refused: 'Result refused: not final', pending: 'Result not signed yet' };

const notice = byId('notice');
let adminKey = readStored(window.sessionStorage, KEY_STORAGE);
let timers = [];
let shownList = '';
/** pollId -> { poll, totalElement, onAirElement } for the polls on screen. */
const onScreen = new Map();
const figures = new LiveFigures(() => adminKey, (error) => {
  signOut(error.status === 401 ? 'That admin key was not accepted. Sign in again with the key from the server’s configuration.'
    : 'Too many wrong admin keys came from this network, so admin access is paused.');
});

// ---- Session ---------------------------------------------------------------------------------------------------

function showDesk() {
  byId('login').hidden = true;
  byId('desk').hidden = false;
  loadPolls();
  timers = [setInterval(loadPolls, LIST_EVERY_MS), setInterval(refreshTotals, TOTALS_EVERY_MS)];
  figures.start();
}

function signOut(message) {
  adminKey = null;
  figures.stop();
  writeStored(window.sessionStorage, KEY_STORAGE, null);
  timers.forEach(clearInterval);
  timers = [];
  shownList = '';
  onScreen.clear();
  byId('admin-polls').replaceChildren();
  byId('desk').hidden = true;
  byId('login').hidden = false;
  setNotice(notice, message ? 'error' : 'info', message ?? 'Signed out.');
  byId('admin-key').value = '';
  byId('admin-key').focus();
}

/** Every admin call goes through here: a refused key signs out at once, anything else is reported. */
async function asAdmin(call, failureTitle) {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut('That admin key was not accepted. Sign in again with the key from the server’s configuration.');
    } else if (error instanceof ApiError && error.code === 'admin-locked-out') {
      const wait = error.retryAfterSeconds ? ` Try again in ${Math.ceil(error.retryAfterSeconds / 60)} min.` : '';
      signOut(`Too many wrong admin keys came from this network, so admin access is paused.${wait}`);
    } else if (error instanceof ApiError) {
      setNotice(notice, 'error', failureTitle, error.message);
    } else {
      throw error;
    }
    return null;
  }
}

function refuseKey(message) {
  const input = byId('admin-key');
  input.setAttribute('aria-invalid', 'true');
  byId('admin-key-error').textContent = message;
  input.focus();
}

byId('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byId('admin-key');
  const key = input.value.trim();
  input.removeAttribute('aria-invalid');
  byId('admin-key-error').textContent = '';
  if (!key) {
    refuseKey('Enter the admin key.');
    return;
  }
  const button = event.submitter ?? byId('login-form').querySelector('button');
  button.disabled = true;
  try {
    await adminApi.checkKey(key);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    refuseKey(error.status === 401 ? 'That admin key was not accepted.'
      : error.code === 'admin-locked-out' ? 'Too many wrong admin keys came from this network: admin access is paused for a while.'
        : `The key could not be checked: ${error.message}`);
    return;
  } finally {
    button.disabled = false;
  }
  adminKey = key;
  writeStored(window.sessionStorage, KEY_STORAGE, key);
  setNotice(notice, 'info', null);
  showDesk();
  byId('poll-title').focus();
});

byId('sign-out').addEventListener('click', () => signOut(null));
byId('refresh').addEventListener('click', () => loadPolls(true));

// ---- New poll form (poll-form.js) -----------------------------------------------------------------------------

byId('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const form = readForm();
  if (form.error) {
    showFormError(form);
    return;
  }
  const button = byId('create-poll');
  button.disabled = true;
  const created = await asAdmin(() => adminApi.create(adminKey, form.title, form.options, form.showResultsToViewers), 'The poll was not created.');
  button.disabled = false;
  if (!created) return;
  resetForm();
  setNotice(notice, 'ok', `Created “${created.title}”.`, 'It is a draft: nobody can see it until you open it.');
  await loadPolls(true);
});

// ---- Poll list -------------------------------------------------------------------------------------------------

function sortPolls(list) {
  return [...list].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

function pollItem(poll) {
  const id = encodeURIComponent(poll.id);
  const when = poll.status === 'closed' ? `closed ${formatTime(poll.closedAt)}`
    : poll.status === 'open' ? `opened ${formatTime(poll.openedAt)}` : `created ${formatTime(poll.createdAt)}`;
  const total = h('p', { class: 'live-total', text: poll.status === 'draft' ? 'Not open yet' : '…' });
  const onAir = h('p', { class: 'on-air', hidden: !poll.resultsFrozen });
  const actions = h('div', { class: 'actions' });
  if (poll.status === 'draft') {
    actions.append(h('button', {
      type: 'button', class: 'button primary small', dataset: { action: 'open' }, text: 'Open voting',
      'aria-label': `Open voting: ${poll.title}`, onclick: () => change(poll, 'open'),
    }));
  }
  if (poll.status === 'open') {
    actions.append(h('button', {
      type: 'button', class: 'button danger small', dataset: { action: 'close' }, text: 'Close voting',
      'aria-label': `Close voting: ${poll.title}`, onclick: () => change(poll, 'close'),
    }));
    actions.append(poll.resultsFrozen
      ? h('button', {
        type: 'button', class: 'button primary small', dataset: { action: 'release' }, text: 'Release on-air results',
        'aria-label': `Release on-air results: ${poll.title}`, onclick: () => change(poll, 'release'),
      })
      : h('button', {
        type: 'button', class: 'button small', dataset: { action: 'freeze' }, text: 'Freeze on-air results',
        'aria-label': `Freeze on-air results: ${poll.title}`, onclick: () => change(poll, 'freeze'),
      }));
  }
  if (poll.status === 'closed' && poll.resultStatus !== 'signed') {
    actions.append(h('button', {
      type: 'button', class: 'button primary small', dataset: { action: 'sign-result' }, text: 'Sign result',
      'aria-label': `Sign result: ${poll.title}`, onclick: () => signResult(poll),
    }));
  }
  if (poll.status !== 'draft') {
    actions.append(
      h('a', { href: `/vote/${id}`, target: '_blank', rel: 'noopener', text: 'Vote page' }),
      h('a', { href: `/results/${id}`, target: '_blank', rel: 'noopener', text: 'Results' }),
      h('a', { href: `/results/${id}?transparent=1`, target: '_blank', rel: 'noopener', text: 'TV overlay' }));
  }
  const viewerResults = h('input', {
    type: 'checkbox', id: `viewer-results-${poll.id}`, class: 'viewer-results', checked: poll.showResultsToViewers,
    onchange: (event) => setViewerResults(poll, event.target),
  });
  const item = h('li', { class: 'card admin-poll', dataset: { pollId: poll.id, status: poll.status, frozen: String(poll.resultsFrozen) } },
    h('div', { class: 'admin-poll-head' },
      h('h3', { tabindex: '-1', text: poll.title }),
      h('div', { class: 'badges' },
        poll.resultsFrozen ? h('span', { class: 'badge is-frozen', text: 'On air frozen' }) : null,
        h('span', { class: `badge is-${poll.status}`, text: STATUS_NAMES[poll.status] ?? poll.status }))),
    h('p', { class: 'meta' }, h('code', { class: 'mono', text: poll.id }),
      ` · ${poll.options.length} answers · ${when}`),
    total,
    onAir,
    poll.status === 'closed' ? resultStatus(poll) : null,
    h('div', { class: 'checkbox-field' }, viewerResults,
      h('label', { for: viewerResults.id, text: 'Viewers see the results after voting' })),
    actions);
  onScreen.set(poll.id, { poll, totalElement: total, onAirElement: onAir });
  return item;
}

/** Whether the closed poll's result is signed, and why not: the gate's reason names the figures that differ. */
function resultStatus(poll) {
  const status = poll.resultStatus ?? 'pending';
  return h('div', { class: `result-status is-${status}`, dataset: { resultStatus: status } },
    h('p', { class: 'result-status-name', text: RESULT_NAMES[status] ?? status }),
    poll.resultProblem ? h('p', { class: 'result-problem', text: poll.resultProblem }) : null);
}

async function signResult(poll) {
  const signed = await asAdmin(() => adminApi.signResult(adminKey, poll.id), 'The result was not signed.');
  if (!signed) return;
  if (signed.resultStatus === 'signed') {
    setNotice(notice, 'ok', `The result of “${signed.title}” is signed: it is final.`);
  } else {
    setNotice(notice, 'error', `The result of “${signed.title}” is not final.`, signed.resultProblem ?? 'Try again in a few seconds.');
  }
  await loadPolls(true);
}

async function loadPolls(force = false) {
  if (!adminKey) return;
  const result = await asAdmin(() => polls.list(adminKey), 'The polls could not be loaded.');
  if (!result) return;
  const list = sortPolls(result.polls);
  const signature = JSON.stringify(list.map((p) => [p.id, p.status, p.title, p.resultsFrozen, p.showResultsToViewers, p.resultStatus, p.resultProblem]));
  if (signature === shownList && !force) return;
  shownList = signature;
  onScreen.clear();
  byId('admin-polls').replaceChildren(...list.map(pollItem));
  byId('admin-empty').hidden = list.length > 0;
  refreshTotals(true);
}

/**
 * Counts of open polls every few seconds: the live count (even behind a freeze) and, while frozen, what is on air;
 * closed ones once when listed (final when their result is signed).
 */
async function refreshTotals(includeClosed = false) {
  const wanted = [...onScreen.values()].filter(({ poll }) => poll.status === 'open' || (includeClosed && poll.status === 'closed'));
  await Promise.all(wanted.map(async ({ poll, totalElement, onAirElement }) => {
    try {
      if (poll.status === 'closed') {
        // "Final" only for a signed result: a refused or pending one is a count, not a result.
        const label = poll.resultStatus === 'signed' ? 'Final' : 'Counted, not final';
        totalElement.textContent = `${label}: ${formatVotes((await polls.results(poll.id)).total)}`;
        return;
      }
      const live = await adminApi.liveResults(adminKey, poll.id);
      totalElement.textContent = formatVotes(live.total);
      if (poll.resultsFrozen) {
        const onAir = await polls.results(poll.id);
        onAirElement.textContent = onAir.frozen
          ? `On air: frozen at ${formatVotes(onAir.total)} since ${formatTime(poll.resultsFrozenAt)}`
          : 'On air: catching up…';
      }
    } catch {
      // The next round tries again; a stale total is better than an alarming one.
    }
  }));
}

const CHANGES = {
  open: { call: adminApi.open, failed: 'The poll was not opened.', done: (p) => [`“${p.title}” is open for voting.`] },
  close: { call: adminApi.close, failed: 'The poll was not closed.', done: (p) => [`Voting on “${p.title}” is closed.`] },
  freeze: {
    call: adminApi.freeze,
    failed: 'The on-air results were not frozen.',
    done: (p) => [`The on-air results of “${p.title}” are frozen.`, 'The graphic holds still; votes are still being counted.'],
  },
  release: {
    call: adminApi.release,
    failed: 'The on-air results were not released.',
    done: (p) => [`The on-air results of “${p.title}” are released.`, 'The graphic catches up with the count now.'],
  },
};

async function setViewerResults(poll, checkbox) {
  const show = checkbox.checked;
  checkbox.disabled = true;
  const changed = await asAdmin(() => adminApi.setViewerResults(adminKey, poll.id, show), 'The viewer results setting was not changed.');
  checkbox.disabled = false;
  if (!changed) {
    checkbox.checked = !show;
    return;
  }
  poll.showResultsToViewers = changed.showResultsToViewers;
  setNotice(notice, 'ok', changed.showResultsToViewers
    ? `Viewers of “${changed.title}” see the live results after voting.`
    : `Viewers of “${changed.title}” no longer see the results on their phones.`);
}

async function change(poll, action) {
  const frozenNote = poll.resultsFrozen ? '\n\nThe on-air results are frozen: closing releases them, so the final count goes on air.' : '';
  if (action === 'close' && !window.confirm(`Close voting on “${poll.title}”?\n\nVotes stop at once, and a closed poll cannot be opened again.${frozenNote}`)) {
    return;
  }
  const { call, failed, done } = CHANGES[action];
  const changed = await asAdmin(() => call(adminKey, poll.id), failed);
  if (!changed) return;
  setNotice(notice, 'ok', ...done(changed));
  await loadPolls(true);
  // Keep the keyboard where the producer was: on that poll's next action, else its title.
  const item = byId('admin-polls').querySelector(`[data-poll-id="${CSS.escape(poll.id)}"]`);
  (item?.querySelector('[data-action]') ?? item?.querySelector('h3'))?.focus();
}

// ---- Start -----------------------------------------------------------------------------------------------------

resetForm();
adminKey ??= await initOperatorSession(); // an operator signed in through the broadcaster's provider
if (adminKey) {
  showDesk();
} else {
  byId('login').hidden = false;
}
