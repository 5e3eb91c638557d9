// What this browser remembers about its vote in each poll (localStorage), so a return visit shows the receipt
// instead of the ballot, and a vote interrupted mid-send is sent again (the server answers a repeat with the same
// receipt, so resending is always safe).

import { readStored, writeStored } from './dom.js';

const key = (pollId) => `livevote.vote.${pollId}`;

/**
 * @returns {{state: 'pending', optionId: string} | {state: 'voted', optionId: string|null, voteId: string|null,
 *   receipt: string|null, log?: string|null, leaf?: number|null} | null}
 */
export function rememberedVote(pollId) {
  const vote = readStored(window.localStorage, key(pollId));
  return vote && (vote.state === 'pending' || vote.state === 'voted') ? vote : null;
}

/** Before sending: the choice is kept in case the page closes before the answer. */
export function rememberPending(pollId, optionId) {
  writeStored(window.localStorage, key(pollId), { state: 'pending', optionId });
}

/**
 * The server has the vote. optionId/voteId/receipt are null when it told us so without them (already voted); log and
 * leaf place the receipt in the poll's signed log, for the receipt check (/verify).
 */
export function rememberVoted(pollId, { optionId = null, voteId = null, receipt = null, log = null, leaf = null } = {}) {
  writeStored(window.localStorage, key(pollId), { state: 'voted', optionId, voteId, receipt, log, leaf });
}

export function forgetVote(pollId) {
  writeStored(window.localStorage, key(pollId), null);
}
