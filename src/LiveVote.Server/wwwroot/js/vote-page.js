// /vote/{pollId} and /v/{code}: choose an answer, then confirm it. A tap only selects (a radio button), so one
// accidental tap never spends the only vote; the confirm button sends it. The viewer registers once (viewer.js), the
// choice is remembered while it is on its way (vote-memory.js), and a refused-for-now vote (503/429/no connection) is
// sent again — the same vote, so the server can never count it twice. Nothing says the vote is safe or counted until
// the server has answered with its receipt.
// The live results show after the vote (and the final result after the close) only when the producer allows it
// (the poll's showResultsToViewers, read again when the vote is confirmed).

import { ApiError, polls, request, viewers } from './api.js';
import { backoffDelayMs } from './backoff.js';
import { freshSolution, solveChallenge } from './captcha.js';
import { announce, byId, h, pollIdFromPath, setNotice, sleep } from './dom.js';
import { formatPercent, initI18n, mountLanguageSwitcher, t } from './i18n.js';
import { ResultsBoard } from './results-board.js';
import { followResults } from './results-stream.js';
import { forgetViewer, viewerToken } from './viewer.js';
import { forgetVote, rememberPending, rememberVoted, rememberedVote } from './vote-memory.js';

// About a minute and a half of patience (0.5 s doubling to 30 s), then the viewer decides.
const MAX_RETRIES = 8;

// The risk check may ask a vote for a proof of work (428); a few rounds cover a solution used up by a retried request.
const MAX_CAPTCHA_ROUNDS = 4;

const notice = byId('notice');
let poll = null;
let board = null;
let selected = null;
let sending = false;
let voted = false;
let closed = false;
let viewerResults = false;

const labelOf = (optionId) => poll.options.find((option) => option.id === optionId)?.label ?? optionId;
const votes = (count) => t('common.votes', { count });

/** "You chose <strong>answer</strong>.": the answer goes in as an element, wherever the language puts it. */
function withStrong(key, name, value) {
  const [before, after = ''] = t(key).split(`{${name}}`);
  return [before, h('strong', { id: 'receipt-choice', dir: 'auto', text: value }), after];
}

function showNotFound() {
  byId('question').textContent = t('vote.notFound.heading');
  byId('ballot').hidden = true;
  setNotice(notice, 'error', t('vote.notFound.title'), t('vote.notFound.detail'),
    h('p', {}, h('a', { href: '/', text: t('vote.notFound.link') })));
}

function showUnknownCode(code) {
  document.title = `${t('vote.code.notFound.heading')} — LiveVote`;
  byId('question').textContent = t('vote.code.notFound.heading');
  byId('ballot').hidden = true;
  setNotice(notice, 'error', t('vote.code.notFound.title', { code }), t('vote.code.notFound.detail'),
    h('p', {}, h('a', { href: '/', text: t('vote.code.notFound.link') })));
}

function showLive() {
  byId('live').hidden = !viewerResults;
}

/** The producer may have changed the setting since the page loaded: ask once more when the vote is confirmed. */
async function showLiveIfAllowedNow() {
  try {
    viewerResults = Boolean((await polls.get(poll.id)).showResultsToViewers);
  } catch {
    // Keep what the page knew: the confirmation matters more than the results.
  }
  showLive();
}

function markClosed() {
  closed = true;
  byId('eyebrow').textContent = t('vote.eyebrow.closed');
}

function showClosed() {
  markClosed();
  sending = false;
  byId('ballot').hidden = true;
  if (!voted) {
    setNotice(notice, 'info', t('vote.closed.title'),
      t(viewerResults ? 'vote.closed.detailResults' : 'vote.closed.detailShow'));
  }
  showLive();
}

/** Only called with what the server acknowledged (now, or remembered from an earlier acknowledgement). */
function showVoted(vote, already) {
  voted = true;
  sending = false;
  byId('ballot').hidden = true;
  byId('receipt-heading').textContent = t(already ? 'vote.receipt.headingAlready' : 'vote.receipt.heading');
  byId('receipt-safe').hidden = false;
  const choiceLine = byId('receipt-choice-line');
  choiceLine.hidden = !vote.optionId;
  choiceLine.replaceChildren(...(vote.optionId ? withStrong('vote.receipt.choice', 'answer', labelOf(vote.optionId)) : []));
  const hasReceipt = Boolean(vote.receipt);
  byId('receipt-details').hidden = !hasReceipt;
  byId('receipt-vote-id').textContent = vote.voteId ?? '';
  byId('receipt-hash').textContent = vote.receipt ?? '';
  byId('receipt-hint').textContent = t(hasReceipt ? 'vote.receipt.explain' : 'vote.receipt.firstStands');
  byId('copy-receipt').hidden = !hasReceipt || !navigator.clipboard?.writeText;
  // Where the receipt sits in the poll's signed log: with it /verify checks the vote in this browser.
  const placed = hasReceipt && vote.log && Number.isInteger(vote.leaf);
  byId('receipt-place-term').hidden = !placed;
  byId('receipt-place').hidden = !placed;
  byId('receipt-place').textContent = placed ? t('vote.receipt.place', { log: vote.log, leaf: String(vote.leaf) }) : '';
  const verifyLink = byId('verify-link');
  verifyLink.hidden = !placed;
  if (placed) {
    verifyLink.href = `/verify?${new URLSearchParams({ poll: poll.id, log: vote.log, leaf: String(vote.leaf), receipt: vote.receipt })}`;
  }
  const receipt = byId('receipt');
  receipt.hidden = false;
  setNotice(notice, 'ok', null);
  announce(t(already ? 'vote.announce.already' : 'vote.announce.counted'));
  if (!already) receipt.focus();
  if (already) showLive();
  else showLiveIfAllowedNow();
}

function choices() {
  return [...byId('options').querySelectorAll('input[type="radio"]')];
}

/** The confirm button names the answer it will send, so what is sent is never a surprise. */
function updateConfirm() {
  const button = byId('confirm-vote');
  if (sending) {
    button.disabled = true;
    button.textContent = t('vote.sending');
  } else {
    button.disabled = selected === null;
    button.textContent = selected === null ? t('vote.confirm.none') : t('vote.confirm', { answer: labelOf(selected) });
  }
}

/** While a vote is on its way (and after one got no answer) the choice is locked: only that same vote may be resent. */
function lockChoices(optionId) {
  for (const input of choices()) {
    input.disabled = true;
    input.checked = input.value === optionId;
  }
  selected = optionId;
}

/** The answer the viewer chose is not on the ballot any more: the viewer chooses again, from scratch. */
function unlockChoices() {
  for (const input of choices()) {
    input.disabled = false;
    input.checked = false;
  }
  selected = null;
  updateConfirm();
}

/** Registers in the background while the viewer reads the question, so confirming only has to vote. */
function prepareViewer() {
  viewerToken().catch(() => {
    // The vote registers again and reports what goes wrong; nothing to say before the viewer confirms.
  });
}

function renderBallot() {
  byId('options').replaceChildren(...poll.options.map((option, index) => h('label', {
    class: `option-choice bar-color-${index % 8}`,
    dataset: { optionId: option.id },
  },
  h('input', {
    type: 'radio',
    name: 'choice',
    value: option.id,
    onchange: (event) => {
      if (!event.target.checked || sending) return;
      selected = option.id;
      updateConfirm();
    },
  }),
  h('span', { class: 'option-label', dir: 'auto', text: option.label }))));
  byId('ballot').addEventListener('submit', (event) => {
    event.preventDefault();
    if (selected !== null) castVote(selected);
  });
  updateConfirm();
  byId('ballot').hidden = false;
}

function retryMessage(error, delayMs, retry) {
  const seconds = Math.max(1, Math.round(delayMs / 1000));
  const when = t('vote.retry.when', { seconds, attempt: retry + 1 });
  return [t(error.status === 0 ? 'vote.retry.connection' : 'vote.retry.busy'), when];
}

function giveUp(error) {
  sending = false;
  updateConfirm();
  byId('confirm-vote').textContent = t('vote.fail.tryAgain', { answer: labelOf(selected) });
  const detail = error?.status === 0 ? t('vote.fail.connection')
    : error?.code === 'suspected-bot' ? t('vote.fail.bot')
      : error?.retryable ? t('vote.fail.busy')
        : t('vote.fail.other');
  setNotice(notice, 'error', t('vote.fail.title'), detail);
}

/** Sends the vote, retrying the very same vote on "not now" answers until it is stored or clearly refused. */
async function castVote(optionId, resumed = false) {
  if (sending || voted || closed) return;
  sending = true;
  lockChoices(optionId);
  updateConfirm();
  rememberPending(poll.id, optionId);
  setNotice(notice, 'info', t('vote.sending'), t(resumed ? 'vote.sending.resumed' : 'vote.sending.detail'));

  let reRegistered = false;
  let captcha = null;
  let challengeToSolve = null;
  let captchaRounds = 0;
  for (let retry = 0; ;) {
    try {
      const token = await viewerToken();
      if (challengeToSolve) {
        captcha = await (challengeToSolve === 'fetch' ? freshSolution() : solveChallenge(challengeToSolve));
        challengeToSolve = null;
      }
      const vote = await viewers.vote(poll.id, optionId, token, captcha);
      const memory = { optionId, voteId: vote.voteId, receipt: vote.receipt, log: vote.log ?? null, leaf: vote.leaf ?? null };
      rememberVoted(poll.id, memory);
      showVoted(memory, false);
      return;
    } catch (error) {
      if (!(error instanceof ApiError)) {
        // A bug, or a proof of work that could not be solved: nothing a retry would fix.
        console.warn('Voting failed unexpectedly:', error);
        giveUp(null);
        return;
      }
      // A saved token the server no longer takes (expired early, keys rotated): register again, once.
      if (error.status === 401 && !reRegistered) {
        forgetViewer();
        reRegistered = true;
        continue;
      }
      // The risk check wants a proof of work for this vote: solve it and send the same vote with the solution.
      if (error.code === 'captcha-required' && captchaRounds++ < MAX_CAPTCHA_ROUNDS) {
        setNotice(notice, 'info', t('vote.captcha.title'), t('vote.captcha.detail'));
        challengeToSolve = error.problem?.challenge ?? 'fetch';
        continue;
      }
      // A solution refused (used up by an earlier try, expired): send without it; the server asks again if it must.
      if (error.status === 403 && error.code?.startsWith('captcha-') && captchaRounds < MAX_CAPTCHA_ROUNDS) {
        captcha = null;
        continue;
      }
      switch (error.code) {
        case 'already-voted':
          rememberVoted(poll.id);
          showVoted({ optionId: null, voteId: null, receipt: null }, true);
          return;
        case 'poll-not-open':
          forgetVote(poll.id);
          showClosed();
          return;
        case 'poll-not-found':
          forgetVote(poll.id);
          sending = false;
          showNotFound();
          return;
        case 'unknown-option':
          forgetVote(poll.id);
          sending = false;
          unlockChoices();
          setNotice(notice, 'error', t('vote.unknownOption.title'), t('vote.unknownOption.detail'));
          return;
        default:
          break;
      }
      if (error.retryable && retry < MAX_RETRIES) {
        const delay = backoffDelayMs(retry, error.retryAfterSeconds);
        setNotice(notice, 'warn', ...retryMessage(error, delay, ++retry));
        await sleep(delay);
        continue;
      }
      giveUp(error);
      return;
    }
  }
}

/**
 * The board (shared with the broadcast graphic) writes its figures in English; the vote page rewrites them in the
 * viewer's language and number format, in the same task, so no English frame is ever painted.
 */
function localiseBoard(snapshot) {
  for (const row of byId('board').querySelectorAll('[data-option-id]')) {
    const count = Number(snapshot.totals?.[row.dataset.optionId] ?? 0);
    const countElement = row.querySelector('.bar-count');
    if (countElement) countElement.textContent = votes(count);
    const percentElement = row.querySelector('.bar-percent');
    const percent = Number.parseInt(percentElement?.textContent ?? '', 10);
    if (percentElement && Number.isFinite(percent)) percentElement.textContent = formatPercent(percent);
  }
}

function onSnapshot(snapshot) {
  // Until the producer's reveal the public results carry zeros, not counts: saying "0 votes" would be false.
  const hidden = Boolean(snapshot.hidden);
  byId('board').hidden = hidden;
  const { total } = board.render(snapshot);
  localiseBoard(snapshot);
  // "Final" only once the result is signed (docs/design.md 7.6); a closed poll's count before that is not final.
  byId('live-total').textContent = hidden ? t('vote.live.hidden')
    : snapshot.status !== 'closed' ? votes(total)
      : t(snapshot.final ? 'vote.live.final' : 'vote.live.closedNotFinal', { votes: votes(total) });
  if (snapshot.status === 'closed' && !closed) {
    // A vote in flight gets its own answer (stored, or poll-not-open); otherwise the ballot goes away now.
    if (sending) markClosed();
    else if (voted) markClosed();
    else showClosed();
  }
}

/** The poll by id (/vote/{id}) or by join code (/v/{code}, GET /v1/codes/{code}); null when there is none. */
async function loadPoll(fetchPoll) {
  for (let retry = 0; ; retry++) {
    try {
      return await fetchPoll();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404 || error.status === 400) return null;
      setNotice(notice, 'warn', t('vote.loadRetry.title'), t('vote.loadRetry.detail'));
      await sleep(backoffDelayMs(retry, error.retryAfterSeconds, { baseMs: 1000, maxMs: 15_000 }));
    }
  }
}

async function start() {
  await initI18n();
  mountLanguageSwitcher(byId('language'));
  document.title = t('vote.pageTitle');

  const pollId = pollIdFromPath('vote');
  // Join codes are typed by people: any case, and only the code alphabet (the server compares case-insensitively).
  const code = pollIdFromPath('v')?.trim().toUpperCase() ?? null;
  if (code !== null) {
    poll = /^[A-Z0-9]{1,32}$/.test(code) ? await loadPoll(() => request(`/v1/codes/${encodeURIComponent(code)}`)) : null;
    if (!poll) {
      showUnknownCode(code);
      return;
    }
  } else {
    poll = pollId ? await loadPoll(() => polls.get(pollId)) : null;
    if (!poll) {
      showNotFound();
      return;
    }
  }
  setNotice(notice, 'info', null);
  viewerResults = Boolean(poll.showResultsToViewers);
  document.title = `${poll.title} — LiveVote`;
  byId('question').textContent = poll.title;
  byId('results-link').href = `/results/${encodeURIComponent(poll.id)}`;
  byId('copy-receipt').addEventListener('click', async (event) => {
    try {
      await navigator.clipboard.writeText(byId('receipt-hash').textContent);
      event.target.textContent = t('vote.receipt.copied');
    } catch {
      event.target.textContent = t('vote.receipt.copyFailed');
    }
  });
  board = new ResultsBoard(byId('board'), poll.options);
  localiseBoard({ totals: {} });

  const memory = rememberedVote(poll.id);
  if (memory?.state === 'voted') {
    if (poll.status === 'closed') markClosed();
    showVoted(memory, true);
  } else if (poll.status !== 'open') {
    showClosed();
  } else {
    renderBallot();
    if (memory?.state === 'pending') castVote(memory.optionId, true);
    else prepareViewer();
  }
  followResults(poll.id, { onSnapshot });
}

start();
