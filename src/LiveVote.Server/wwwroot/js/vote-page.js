// /vote/{pollId}: one tap votes. The viewer registers once (viewer.js), the choice is remembered (vote-memory.js), and
// a refused-for-now vote (503/429/no connection) is sent again — the same vote, so the server can never count it twice.
// The live results show after the vote (and the final result after the close) only when the producer allows it
// (the poll's showResultsToViewers, read again when the vote is confirmed).

import { ApiError, polls, viewers } from './api.js';
import { backoffDelayMs } from './backoff.js';
import { freshSolution, solveChallenge } from './captcha.js';
import { announce, byId, formatVotes, h, pollIdFromPath, setNotice, sleep } from './dom.js';
import { ResultsBoard } from './results-board.js';
import { followResults } from './results-stream.js';
import { forgetViewer, viewerToken } from './viewer.js';
import { forgetVote, rememberPending, rememberVoted, rememberedVote } from './vote-memory.js';

// About a minute and a half of patience (0.5 s doubling to 30 s), then the viewer decides.
const MAX_RETRIES = 8;

// The risk check may ask a vote for a proof of work (428); a few rounds cover a solution used up by a retried request.
const MAX_CAPTCHA_ROUNDS = 4;

const pollId = pollIdFromPath('vote');
const notice = byId('notice');
let poll = null;
let board = null;
let sending = false;
let voted = false;
let closed = false;
let viewerResults = false;

const labelOf = (optionId) => poll.options.find((option) => option.id === optionId)?.label ?? optionId;

function showNotFound() {
  byId('question').textContent = 'Poll not found';
  byId('ballot').hidden = true;
  setNotice(notice, 'error', 'We can’t find this poll.',
    'It may not be open yet, or the link may be wrong. Check the address, or see the polls that are open now.',
    h('p', {}, h('a', { href: '/', text: 'See the open polls' })));
}

function showLive() {
  byId('live').hidden = !viewerResults;
}

/** The producer may have changed the setting since the page loaded: ask once more when the vote is confirmed. */
async function showLiveIfAllowedNow() {
  try {
    viewerResults = Boolean((await polls.get(pollId)).showResultsToViewers);
  } catch {
    // Keep what the page knew: the confirmation matters more than the results.
  }
  showLive();
}

function markClosed() {
  closed = true;
  byId('eyebrow').textContent = 'Voting closed';
}

function showClosed() {
  markClosed();
  sending = false;
  byId('ballot').hidden = true;
  if (!voted) {
    setNotice(notice, 'info', 'Voting has closed.', viewerResults
      ? 'This poll no longer takes votes. Here is the final result.'
      : 'This poll no longer takes votes. Watch the show for the result.');
  }
  showLive();
}

function showVoted(vote, already) {
  voted = true;
  sending = false;
  byId('ballot').hidden = true;
  byId('receipt-heading').textContent = already ? 'You already voted' : 'Your vote is in';
  byId('receipt-choice-line').hidden = !vote.optionId;
  byId('receipt-choice').textContent = vote.optionId ? labelOf(vote.optionId) : '';
  const hasReceipt = Boolean(vote.receipt);
  byId('receipt-details').hidden = !hasReceipt;
  byId('receipt-vote-id').textContent = vote.voteId ?? '';
  byId('receipt-hash').textContent = vote.receipt ?? '';
  byId('receipt-hint').textContent = hasReceipt
    ? 'Your receipt is the fingerprint of your vote in the poll’s public audit trail: keep it to check that your vote was counted.'
    : 'Only your first vote counts, and it stands unchanged.';
  byId('copy-receipt').hidden = !hasReceipt || !navigator.clipboard?.writeText;
  // Where the receipt sits in the poll's signed log: with it /verify checks the vote in this browser.
  const placed = hasReceipt && vote.log && Number.isInteger(vote.leaf);
  byId('receipt-place-term').hidden = !placed;
  byId('receipt-place').hidden = !placed;
  byId('receipt-place').textContent = placed ? `log ${vote.log}, entry ${vote.leaf}` : '';
  const verifyLink = byId('verify-link');
  verifyLink.hidden = !placed;
  if (placed) {
    verifyLink.href = `/verify?${new URLSearchParams({ poll: pollId, log: vote.log, leaf: String(vote.leaf), receipt: vote.receipt })}`;
  }
  const receipt = byId('receipt');
  receipt.hidden = false;
  setNotice(notice, 'ok', null);
  announce(already ? 'You already voted in this poll.' : 'Thank you: your vote has been counted. Your receipt is below.');
  if (!already) receipt.focus();
  if (already) showLive();
  else showLiveIfAllowedNow();
}

function ballotButtons() {
  return [...byId('options').querySelectorAll('button')];
}

function setBallotBusy(chosenOptionId) {
  for (const button of ballotButtons()) {
    button.disabled = chosenOptionId !== null;
    button.setAttribute('aria-pressed', String(button.dataset.optionId === chosenOptionId));
  }
}

/** Registers in the background while the viewer reads the question, so the tap itself only has to vote. */
function prepareViewer() {
  viewerToken().catch(() => {
    // The vote registers again and reports what goes wrong; nothing to say before the viewer taps.
  });
}

function renderBallot() {
  byId('options').replaceChildren(...poll.options.map((option, index) => h('button', {
    type: 'button',
    class: `option-button bar-color-${index % 8}`,
    dataset: { optionId: option.id },
    'aria-pressed': 'false',
    text: option.label,
    onclick: () => castVote(option.id),
  })));
  byId('ballot').hidden = false;
}

function retryMessage(error, delayMs, retry) {
  const seconds = Math.max(1, Math.round(delayMs / 1000));
  const when = `Your vote is safe with us: we’ll send it again in ${seconds} s (try ${retry + 1}). Please keep this page open.`;
  return error.status === 0
    ? ['Connection trouble.', when]
    : ['So many people are voting right now!', when];
}

function giveUp(optionId, error) {
  sending = false;
  const again = h('p', {}, h('button', { type: 'button', class: 'button primary', text: 'Try again', onclick: () => castVote(optionId) }));
  const detail = error?.status === 0 ? 'We could not reach LiveVote. Check your connection, then try again.'
    : error?.code === 'suspected-bot' ? 'Votes from your network look automated right now, so this one was not counted. Please try again in a few minutes.'
      : error?.retryable ? 'LiveVote is very busy. Your choice is kept: try again in a moment.'
        : 'Something went wrong on our side. Your choice is kept: try again in a moment.';
  setNotice(notice, 'error', 'Your vote has not been sent yet.', detail, again);
}

/** Sends the vote, retrying the very same vote on "not now" answers until it is stored or clearly refused. */
async function castVote(optionId, resumed = false) {
  if (sending || voted || closed) return;
  sending = true;
  setBallotBusy(optionId);
  rememberPending(poll.id, optionId);
  setNotice(notice, 'info', resumed ? 'Sending the vote you chose earlier…' : 'Sending your vote…');

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
        giveUp(optionId, null);
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
        setNotice(notice, 'info', 'One moment…', 'Making sure you are not a robot. This takes a second or two.');
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
          setBallotBusy(null);
          setNotice(notice, 'error', 'That answer is not available.', 'Please reload the page and choose again.');
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
      giveUp(optionId, error);
      return;
    }
  }
}

function onSnapshot(snapshot) {
  const { total } = board.render(snapshot);
  // "Final" only once the result is signed (docs/design.md 7.6); a closed poll's count before that is not final.
  byId('live-total').textContent = snapshot.status !== 'closed' ? formatVotes(total)
    : snapshot.final ? `Final: ${formatVotes(total)}` : `Closed, not final yet: ${formatVotes(total)}`;
  if (snapshot.status === 'closed' && !closed) {
    // A vote in flight gets its own answer (stored, or poll-not-open); otherwise the ballot goes away now.
    if (sending) markClosed();
    else if (voted) markClosed();
    else showClosed();
  }
}

async function loadPoll() {
  for (let retry = 0; ; retry++) {
    try {
      return await polls.get(pollId);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404 || error.status === 400) return null;
      setNotice(notice, 'warn', 'Can’t reach LiveVote right now.', 'Trying again…');
      await sleep(backoffDelayMs(retry, error.retryAfterSeconds, { baseMs: 1000, maxMs: 15_000 }));
    }
  }
}

async function start() {
  poll = pollId ? await loadPoll() : null;
  if (!poll) {
    showNotFound();
    return;
  }
  setNotice(notice, 'info', null);
  viewerResults = Boolean(poll.showResultsToViewers);
  document.title = `${poll.title} — LiveVote`;
  byId('question').textContent = poll.title;
  byId('results-link').href = `/results/${encodeURIComponent(poll.id)}`;
  byId('ballot').addEventListener('submit', (event) => event.preventDefault());
  byId('copy-receipt').addEventListener('click', async (event) => {
    try {
      await navigator.clipboard.writeText(byId('receipt-hash').textContent);
      event.target.textContent = 'Copied';
    } catch {
      event.target.textContent = 'Copy failed — select the receipt instead';
    }
  });
  board = new ResultsBoard(byId('board'), poll.options);

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
