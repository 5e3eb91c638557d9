// /verify: checks a vote receipt in the browser (merkle-verify.js does the checking, with WebCrypto) and says plainly
// what was proved and what was not. The fields come from the query (?poll=&log=&leaf=&receipt=, the vote page's link),
// from this browser's memory of its vote in the poll, or from the viewer pasting them.

import { ApiError, audit, polls } from './api.js';
import { byId, h, setNotice, sleep } from './dom.js';
import { keyIdHex, verifyReceipt } from './merkle-verify.js';
import { rememberedVote } from './vote-memory.js';

// A vote is covered by a signed checkpoint within about a second; wait a little longer than that before giving up.
const MAX_NOT_YET_SIGNED_WAITS = 10;

const form = byId('verify-form');
const notice = byId('notice');
const fields = ['receipt', 'poll', 'log', 'leaf'];
const validators = {
  receipt: (v) => (/^[0-9a-f]{64}$/i.test(v) ? null : 'A receipt is 64 characters, 0-9 and a-f.'),
  poll: (v) => (v ? null : 'Enter the poll the vote was in.'),
  log: (v) => (/^\d+\.\d+$/.test(v) ? null : 'A log is two numbers with a dot between them, like 0.0.'),
  leaf: (v) => (/^\d{1,15}$/.test(v) ? null : 'The entry number is a whole number, like 12.'),
};
let running = false;

const value = (name) => byId(name).value.trim();

function fill(values) {
  for (const name of fields) {
    if (values[name] !== undefined && values[name] !== null && values[name] !== '') byId(name).value = String(values[name]);
  }
}

/** A pasted link to this page or a saved {"poll","log","leaf","receipt"} line fills every field at once. */
function unpack(text) {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const saved = JSON.parse(trimmed);
      return { poll: saved.poll, log: saved.log, leaf: saved.leaf, receipt: saved.receipt };
    }
    if (/^https?:\/\//.test(trimmed)) {
      const query = new URL(trimmed).searchParams;
      return Object.fromEntries(fields.map((name) => [name, query.get(name)]));
    }
  } catch {
    // Not a link or a saved line after all: leave the text as typed.
  }
  return null;
}

function validate() {
  let first = null;
  for (const name of fields) {
    const error = validators[name](value(name));
    byId(name).setAttribute('aria-invalid', String(Boolean(error)));
    byId(`${name}-error`).textContent = error ?? '';
    if (error && !first) first = name;
  }
  if (first) byId(first).focus();
  return !first;
}

/** The inclusion proof; a vote not yet under a signed checkpoint is asked for again, as Retry-After says. */
async function fetchProof(pollId, log, leaf) {
  for (let wait = 0; ; wait++) {
    try {
      return await audit.inclusion(pollId, log, leaf);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'not-yet-signed' || wait >= MAX_NOT_YET_SIGNED_WAITS) throw error;
      setNotice(notice, 'info', 'Waiting for the next signed checkpoint…', 'Your vote is newer than the log’s last signature; one follows within seconds.');
      await sleep(Math.max(1, error.retryAfterSeconds ?? 1) * 1000);
    }
  }
}

/** Option labels make the verdict readable; without the poll the option's id is shown instead. */
async function optionLabels(pollId) {
  try {
    const poll = await polls.get(pollId);
    return new Map(poll.options.map((option) => [option.id, option.label]));
  } catch {
    return new Map();
  }
}

const STEP_NAMES = {
  entry: 'Your receipt matches an audit entry',
  inclusion: 'The entry is in the log (inclusion proof)',
  checkpoint: 'The log’s checkpoint states that tree',
  signature: 'The checkpoint is signed with a published key',
};

function notProved(report, pollId) {
  const keyText = report.key
    ? `its key id ${keyIdHex(report.key.keyId)} with the one the broadcaster publishes elsewhere (its website, the show’s auditors)`
    : 'the key with the one the broadcaster publishes elsewhere';
  return [
    `That the signing key is the broadcaster’s: this page read it from this server (/.well-known/livevote/audit-keys). Compare ${keyText}.`,
    'That everyone is shown the same log: independent auditors who collect the signed checkpoints and check each extends the last catch a log shown differently to different people.',
    `That your vote is in the final count: the signed result of poll ${pollId} names each log’s size and root, and an auditor’s recount (livevote audit verify) checks the count against the log.`,
    'Who cast the vote: the entry carries a pseudonymous voter key, not your name. Anyone holding your receipt can see which answer it was, so share it only if you want to.',
  ];
}

function render(report, { pollId, log, leaf }, labels) {
  const entry = report.entry;
  const choice = entry ? `“${labels.get(entry.optionId) ?? entry.optionId}”` : '';
  byId('verdict').textContent = report.ok ? 'Your vote is in the signed log' : 'This receipt could not be confirmed';
  byId('verdict-detail').textContent = report.ok
    ? `Your receipt is entry ${leaf} of log ${log} of poll ${pollId}: a vote for ${choice}.`
    : report.failure.message;

  const order = ['entry', 'inclusion', 'checkpoint', 'signature'];
  const failedAt = report.ok ? -1 : report.steps.length;
  byId('steps').replaceChildren(...order.map((id, i) => {
    const passed = report.steps.find((step) => step.id === id);
    const state = passed ? 'passed' : i === failedAt ? 'failed' : 'skipped';
    const detail = passed ? passed.text : state === 'failed' ? report.failure.message : 'Not checked: an earlier check failed.';
    return h('li', { class: `verify-step is-${state}`, dataset: { step: id, state } },
      h('strong', { text: `${state === 'passed' ? 'Passed' : state === 'failed' ? 'Failed' : 'Not checked'}: ${STEP_NAMES[id]}` }),
      h('p', { text: detail }));
  }));

  byId('proved-block').hidden = !report.ok;
  if (report.ok) {
    const at = report.checkpoint.timeUnixMs ? ` at ${new Date(report.checkpoint.timeUnixMs).toISOString()}` : '';
    byId('proved').replaceChildren(
      h('li', { text: `A vote for ${choice} with your receipt is entry ${leaf} of log ${log} of poll ${pollId}, recorded at ${entry.at}.` }),
      h('li', { text: `The key ${report.key.name} (id ${keyIdHex(report.key.keyId)}) signed${at} that this log then held ${report.checkpoint.size} entries with a root your vote is part of. The log cannot later drop or change your vote without contradicting that signature.` }));
  }
  byId('not-proved').replaceChildren(...notProved(report, pollId).map((text) => h('li', { text })));
  const section = byId('report');
  section.hidden = false;
  section.dataset.result = report.ok ? 'verified' : 'rejected';
  section.focus();
}

function failureReport(message) {
  return { ok: false, steps: [], failure: { message }, entry: null, checkpoint: null, key: null };
}

async function check() {
  if (running) return;
  running = true;
  const input = { pollId: value('poll'), log: value('log'), leaf: Number(value('leaf')), receipt: value('receipt').toLowerCase() };
  const query = new URLSearchParams({ poll: input.pollId, log: input.log, leaf: String(input.leaf), receipt: input.receipt });
  window.history.replaceState(null, '', `/verify?${query}`);
  byId('verify-button').disabled = true;
  setNotice(notice, 'info', 'Checking your receipt…');
  try {
    const [keys, labels] = await Promise.all([audit.keys(), optionLabels(input.pollId)]);
    let report;
    try {
      const proof = await fetchProof(input.pollId, input.log, input.leaf);
      report = await verifyReceipt({ ...input, proof, keys });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      report = failureReport(error.code === 'not-yet-signed'
        ? 'No signed checkpoint covers this entry yet. Try again in a minute.'
        : `The log has no such entry: ${error.detail ?? error.message}`);
    }
    setNotice(notice, report.ok ? 'ok' : 'error', report.ok ? 'Receipt confirmed.' : 'Receipt not confirmed.');
    render(report, input, labels);
  } catch (error) {
    if (error instanceof ApiError) {
      setNotice(notice, 'error', 'Could not fetch what the check needs.',
        error.status === 0 ? 'We could not reach LiveVote. Check your connection, then try again.' : error.message);
    } else {
      console.warn('Checking the receipt failed:', error);
      setNotice(notice, 'error', 'The check could not run in this browser.', error.message);
    }
  } finally {
    running = false;
    byId('verify-button').disabled = false;
  }
}

function start() {
  const query = new URLSearchParams(window.location.search);
  const given = Object.fromEntries(fields.map((name) => [name, query.get(name)]));
  fill(given);
  // The vote page's memory knows the receipt, log and entry of this browser's vote in the poll.
  const remembered = given.poll ? rememberedVote(given.poll) : null;
  if (remembered?.state === 'voted' && remembered.receipt && (!given.receipt || given.receipt === remembered.receipt)) {
    fill({ receipt: remembered.receipt, log: given.log || remembered.log, leaf: given.leaf ?? remembered.leaf });
  }
  if (!value('log')) byId('log').value = '0.0';

  byId('receipt').addEventListener('input', (event) => {
    const unpacked = unpack(event.target.value);
    if (unpacked) {
      byId('receipt').value = '';
      fill(unpacked);
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (validate()) check();
  });
  if (fields.every((name) => !validators[name](value(name)))) check();
}

start();
