// /admin: the producer's desk. Sign in with the admin key (kept in sessionStorage: this tab only), create polls, open
// and close them, watch the live figures (admin-stats.js) and each open poll's count, freeze and release the on-air
// results, and choose whether viewers see the results after voting. A closed poll shows whether its result is signed
// (final), and when the reconciliation gate refused it, why, with a button to sign again after the fix.
// Each open or closed poll shows its counts per answer (poll-bars.js: live, and on air beside it while frozen). Every
// on-air action asks first (confirm-dialog.js) and has a key for the selected poll (shortcuts.js). When the server is
// out of reach, a banner says so, the figures are marked stale and the actions pause (connection-state.js).
// Poll management (the form, edit and delete of drafts, archive, join codes, hidden results, preview): poll-manage.js.

import { ApiError, adminApi, polls } from './api.js';
import { byId, formatTime, formatVotes, h, readStored, setNotice, writeStored } from './dom.js';
import { LiveFigures } from './admin-stats.js';
import { initOperatorSession } from './operator-session.js';
import { resetForm } from './poll-form.js';
import { confirmAction } from './confirm-dialog.js';
import { ConnectionState } from './connection-state.js';
import { PollBars } from './poll-bars.js';
import { PollShortcuts } from './shortcuts.js';
import { initPollManagement, manageActions, manageDetails, manageSignature, visiblePolls } from './poll-manage.js';

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
/** pollId -> { poll, totalElement, onAirElement, bars, figuresElement } for the polls on screen. */
const onScreen = new Map();
const connection = new ConnectionState({
  banner: byId('connection-banner'),
  root: byId('desk'),
  onRecovered: () => {
    // A notice about a failure of the connection is history now; the figures come back by themselves.
    if (notice.dataset.cause === 'connection') tell('info', null);
    loadPolls(true);
  },
});
const figures = new LiveFigures(() => adminKey, (error) => {
  signOut(error.status === 401 ? 'That admin key was not accepted. Sign in again with the key from the server’s configuration.'
    : 'Too many wrong admin keys came from this network, so admin access is paused.');
}, connection);
const shortcuts = new PollShortcuts({
  list: byId('admin-polls'),
  status: byId('selected-poll'),
  enabled: () => Boolean(adminKey) && !byId('desk').hidden,
  run: runShortcut,
});

/** A notice, remembering what caused it, so one about a lost connection or a failed load can clear by itself. */
function tell(kind, title, detail = '', cause = null) {
  setNotice(notice, kind, title, detail);
  if (cause) notice.dataset.cause = cause;
  else delete notice.dataset.cause;
}

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
  connection.reset();
  writeStored(window.sessionStorage, KEY_STORAGE, null);
  timers.forEach(clearInterval);
  timers = [];
  shownList = '';
  onScreen.clear();
  byId('admin-polls').replaceChildren();
  byId('desk').hidden = true;
  byId('login').hidden = false;
  tell(message ? 'error' : 'info', message ?? 'Signed out.');
  byId('admin-key').value = '';
  byId('admin-key').focus();
}

/**
 * Every admin call goes through here: a refused key signs out at once, a lost connection goes to the banner (and, for
 * an action the producer pressed, a notice that clears when the connection is back), anything else is reported.
 * @param {{background?: boolean}} [how] background: a read nobody pressed for; a lost connection is the banner's alone
 */
async function asAdmin(call, failureTitle, { background = false } = {}) {
  try {
    const answer = await call();
    connection.succeeded();
    return answer;
  } catch (error) {
    if (connection.failed(error)) {
      if (!background) tell('error', failureTitle, 'The server could not be reached. Try again once the connection is back.', 'connection');
    } else if (error instanceof ApiError && error.status === 401) {
      signOut('That admin key was not accepted. Sign in again with the key from the server’s configuration.');
    } else if (error instanceof ApiError && error.code === 'admin-locked-out') {
      const wait = error.retryAfterSeconds ? ` Try again in ${Math.ceil(error.retryAfterSeconds / 60)} min.` : '';
      signOut(`Too many wrong admin keys came from this network, so admin access is paused.${wait}`);
    } else if (error instanceof ApiError) {
      tell('error', failureTitle, error.message, background ? 'load' : null);
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
  tell('info', null);
  showDesk();
  byId('poll-title').focus();
});

byId('sign-out').addEventListener('click', () => signOut(null));
byId('refresh').addEventListener('click', () => loadPolls(true));

// ---- Poll form, edit, delete, archive, reveal, preview (poll-manage.js) ----------------------------------------

initPollManagement({ asAdmin, adminKey: () => adminKey, notice, reload: () => loadPolls(true) });

// ---- Poll list -------------------------------------------------------------------------------------------------

/** The on-air actions a hardware panel can press: the same POST the console sends (docs/hardware-panels.md). */
const PANEL_ACTIONS = [
  { action: 'open', name: 'Open voting', path: 'open' },
  { action: 'close', name: 'Close voting', path: 'close' },
  { action: 'freeze', name: 'Freeze on-air results', path: 'results/freeze' },
  { action: 'release', name: 'Release on-air results', path: 'results/release' },
];

function sortPolls(list) {
  return [...list].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

function actionButton(poll, action, text, kind) {
  return h('button', {
    type: 'button', class: `button small ${kind}`.trim(), dataset: { action }, text,
    'aria-label': `${text}: ${poll.title}`, onclick: () => change(poll, action),
  });
}

function pollItem(poll) {
  const id = encodeURIComponent(poll.id);
  const when = poll.status === 'closed' ? `closed ${formatTime(poll.closedAt)}`
    : poll.status === 'open' ? `opened ${formatTime(poll.openedAt)}` : `created ${formatTime(poll.createdAt)}`;
  const total = h('p', { class: 'live-total', text: poll.status === 'draft' ? 'Not open yet' : '…' });
  const onAir = h('p', { class: 'on-air', hidden: !poll.resultsFrozen });
  const bars = poll.status === 'draft' ? null : new PollBars(poll.options, poll.title, poll.status === 'closed' ? 'Count' : 'Live');
  // The figures of this card, marked stale as one while the connection is lost.
  const figuresElement = h('div', { class: 'poll-figures' }, total, onAir, bars?.element);
  const actions = h('div', { class: 'actions' });
  if (poll.status === 'draft') {
    actions.append(actionButton(poll, 'open', 'Open voting', 'primary'));
  }
  if (poll.status === 'open') {
    actions.append(actionButton(poll, 'close', 'Close voting', 'danger'));
    actions.append(poll.resultsFrozen
      ? actionButton(poll, 'release', 'Release on-air results', 'primary')
      : actionButton(poll, 'freeze', 'Freeze on-air results', ''));
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
  actions.append(...manageActions(poll));
  const viewerResults = h('input', {
    type: 'checkbox', id: `viewer-results-${poll.id}`, class: 'viewer-results', checked: poll.showResultsToViewers,
    dataset: { needsServer: '' }, onchange: (event) => setViewerResults(poll, event.target),
  });
  const item = h('li', { class: 'card admin-poll', dataset: { pollId: poll.id, status: poll.status, frozen: String(poll.resultsFrozen) } },
    h('div', { class: 'admin-poll-head' },
      h('h3', { tabindex: '-1', text: poll.title }),
      h('div', { class: 'badges' },
        poll.resultsFrozen ? h('span', { class: 'badge is-frozen', text: 'On air frozen' }) : null,
        h('span', { class: `badge is-${poll.status}`, text: STATUS_NAMES[poll.status] ?? poll.status }))),
    h('p', { class: 'meta' }, h('code', { class: 'mono', text: poll.id }),
      ` · ${poll.options.length} answers · ${when}`),
    manageDetails(poll),
    figuresElement,
    poll.status === 'closed' ? resultStatus(poll) : null,
    h('div', { class: 'checkbox-field' }, viewerResults,
      h('label', { for: viewerResults.id, text: 'Viewers see the results after voting' })),
    actions,
    panelUrls(poll));
  onScreen.set(poll.id, { poll, totalElement: total, onAirElement: onAir, bars, figuresElement });
  return item;
}

/**
 * The poll's action URLs for the operator of a hardware panel (Stream Deck through Bitfocus Companion, say): each a
 * POST with the admin key header, copyable. Shown for every poll: a panel is set up before the show.
 */
function panelUrls(poll) {
  const base = `${window.location.origin}/v1/polls/${encodeURIComponent(poll.id)}`;
  return h('details', { class: 'panel-urls' },
    h('summary', { text: 'Hardware panel URLs' }),
    h('p', { class: 'help', text: 'Each is a POST with the header X-Admin-Key (docs/hardware-panels.md).' }),
    h('ul', {}, PANEL_ACTIONS.map(({ action, name, path }) => {
      const inputId = `panel-url-${poll.id}-${action}`;
      const input = h('input', { type: 'text', id: inputId, class: 'mono', readonly: true, value: `${base}/${path}`, dataset: { panelAction: action } });
      return h('li', { class: 'panel-url' },
        h('label', { for: inputId, text: `${name} (POST)` }),
        h('div', { class: 'panel-url-row' }, input, h('button', {
          type: 'button', class: 'button small', text: 'Copy', 'aria-label': `Copy the ${name.toLowerCase()} URL: ${poll.title}`,
          onclick: (event) => copyUrl(input, event.currentTarget),
        })));
    })));
}

async function copyUrl(input, button) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = 'Copied';
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 2000);
  } catch {
    // No clipboard (permission, an old browser): the URL stays selected for Ctrl+C.
  }
}

/** Whether the closed poll's result is signed, and why not: the gate's reason names the figures that differ. */
function resultStatus(poll) {
  const status = poll.resultStatus ?? 'pending';
  return h('div', { class: `result-status is-${status}`, dataset: { resultStatus: status } },
    h('p', { class: 'result-status-name', text: RESULT_NAMES[status] ?? status }),
    poll.resultProblem ? h('p', { class: 'result-problem', text: poll.resultProblem }) : null);
}

async function signResult(poll) {
  if (connection.lost) return;
  const signed = await asAdmin(() => adminApi.signResult(adminKey, poll.id), 'The result was not signed.');
  if (!signed) return;
  if (signed.resultStatus === 'signed') {
    tell('ok', `The result of “${signed.title}” is signed: it is final.`);
  } else {
    tell('error', `The result of “${signed.title}” is not final.`, signed.resultProblem ?? 'Try again in a few seconds.');
  }
  await loadPolls(true);
}

async function loadPolls(force = false) {
  if (!adminKey) return;
  const result = await asAdmin(() => polls.list(adminKey), 'The polls could not be loaded.', { background: true });
  if (!result) return;
  // A failed load said so; this one worked.
  if (notice.dataset.cause === 'load') tell('info', null);
  const list = visiblePolls(sortPolls(result.polls));
  const signature = JSON.stringify(list.map((p) => [p.id, p.status, p.title, p.resultsFrozen, p.showResultsToViewers, p.resultStatus, p.resultProblem, ...manageSignature(p)]));
  if (signature === shownList && !force) return;
  shownList = signature;
  onScreen.clear();
  byId('admin-polls').replaceChildren(...list.map(pollItem));
  byId('admin-empty').hidden = list.length > 0;
  shortcuts.mark();
  refreshTotals(true);
}

/**
 * Counts of open polls every few seconds: the live count per answer (even behind a freeze) and, while frozen, what is
 * on air beside it; closed ones once when listed (final when their result is signed).
 */
async function refreshTotals(includeClosed = false) {
  if (!adminKey) return;
  const wanted = [...onScreen.values()].filter(({ poll }) => poll.status === 'open' || (includeClosed && poll.status === 'closed'));
  await Promise.all(wanted.map(async ({ poll, totalElement, onAirElement, bars, figuresElement }) => {
    try {
      // The live count has every answer's figure even when the public results are hidden or frozen.
      const live = await adminApi.liveResults(adminKey, poll.id);
      if (poll.status === 'closed') {
        // "Final" only for a signed result: a refused or pending one is a count, not a result. The total is the public
        // one, as the graphic shows it.
        const label = poll.resultStatus === 'signed' ? 'Final' : 'Counted, not final';
        totalElement.textContent = `${label}: ${formatVotes((await polls.results(poll.id)).total)}`;
        bars.render(live);
      } else {
        const onAir = poll.resultsFrozen ? await polls.results(poll.id) : null;
        totalElement.textContent = formatVotes(live.total);
        if (onAir) {
          onAirElement.textContent = onAir.frozen
            ? `On air: frozen at ${formatVotes(onAir.total)} since ${formatTime(poll.resultsFrozenAt)}`
            : 'On air: catching up…';
        }
        bars.render(live, onAir?.frozen ? onAir : null);
      }
      connection.succeeded();
      connection.fresh(figuresElement);
    } catch (error) {
      // No connection: the banner and the stale marks say so. Anything else: the next round tries again.
      connection.failed(error);
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

/** What each action does, in words, for the confirmation: the poll by its question, and what cannot be undone. */
const QUESTIONS = {
  open: (p) => ({
    title: `Open voting on “${p.title}”?`,
    message: `Opening “${p.title}” lets everyone vote from now on. It cannot go back to being a draft.`,
    confirmLabel: 'Open voting',
  }),
  close: (p) => ({
    title: `Close voting on “${p.title}”?`,
    message: `Closing “${p.title}” ends voting for everyone. It cannot be reopened.${p.resultsFrozen
      ? ' The on-air results are frozen: closing releases them, so the final count goes on air.' : ''}`,
    confirmLabel: 'Close voting',
    danger: true,
  }),
  freeze: (p) => ({
    title: `Freeze the on-air results of “${p.title}”?`,
    message: `The graphic of “${p.title}” holds its figures as they are now; votes go on being counted here until you release it.`,
    confirmLabel: 'Freeze on-air results',
  }),
  release: (p) => ({
    title: `Release the on-air results of “${p.title}”?`,
    message: `The graphic of “${p.title}” jumps to the live count: the audience sees every vote counted since the freeze.`,
    confirmLabel: 'Release on-air results',
  }),
};

async function setViewerResults(poll, checkbox) {
  const show = checkbox.checked;
  checkbox.disabled = true;
  const changed = await asAdmin(() => adminApi.setViewerResults(adminKey, poll.id, show), 'The viewer results setting was not changed.');
  checkbox.disabled = connection.lost;
  if (connection.lost) checkbox.dataset.pausedByConnection = 'true';
  if (!changed) {
    checkbox.checked = !show;
    return;
  }
  poll.showResultsToViewers = changed.showResultsToViewers;
  tell('ok', changed.showResultsToViewers
    ? `Viewers of “${changed.title}” see the live results after voting.`
    : `Viewers of “${changed.title}” no longer see the results on their phones.`);
}

async function change(poll, action) {
  if (connection.lost) return;
  if (!(await confirmAction(QUESTIONS[action](poll)))) return;
  // The connection may have gone while the producer read the question: the banner says so, nothing is sent.
  if (connection.lost) return;
  const { call, failed, done } = CHANGES[action];
  const changed = await asAdmin(() => call(adminKey, poll.id), failed);
  if (!changed) return;
  tell('ok', ...done(changed));
  await loadPolls(true);
  // Keep the keyboard where the producer was: on that poll's next action, else its title.
  const item = byId('admin-polls').querySelector(`[data-poll-id="${CSS.escape(poll.id)}"]`);
  (item?.querySelector('[data-action]') ?? item?.querySelector('h3'))?.focus();
}

/** A shortcut key: presses the selected card's button for it, which asks first; says why when there is none. */
function runShortcut(card, action) {
  if (!card) {
    tell('info', 'Select a poll first.', 'Click a poll, or Tab into it, then press the key.');
    return;
  }
  const title = card.querySelector('h3')?.textContent ?? '';
  const button = card.querySelector(`button[data-action="${action}"]`);
  if (!button) {
    tell('info', `“${title}” cannot be changed that way now.`, `${QUESTIONS[action]({ title }).confirmLabel} is not available for a poll that is ${card.dataset.status}${card.dataset.frozen === 'true' ? ' and frozen' : ''}.`);
    return;
  }
  if (button.disabled) return;
  button.click();
}

// ---- Start -----------------------------------------------------------------------------------------------------

resetForm();
adminKey ??= await initOperatorSession(); // an operator signed in through the broadcaster's provider
if (adminKey) {
  showDesk();
} else {
  byId('login').hidden = false;
}
