// The producer's poll management calls: create with a join code and hidden results, edit and delete drafts, archive
// closed polls, reveal and hide results. Kept beside api.js (built on its request()) so the console's other modules
// and this one grow without touching the same lines.

import { request } from './api.js';

const pollPath = (pollId) => `/v1/polls/${encodeURIComponent(pollId)}`;
const admin = (adminKey) => ({ 'X-Admin-Key': adminKey });
const post = (adminKey, path) => request(path, { method: 'POST', headers: admin(adminKey) });

/**
 * The body of POST /v1/polls and PUT /v1/polls/{id}. An empty code is left out: the server generates one.
 * @param {{title: string, options: {id: string, label: string}[], showResultsToViewers: boolean, code: string, hideResultsUntilReveal: boolean}} poll
 */
const definition = ({ title, options, showResultsToViewers, code, hideResultsUntilReveal }) => ({
  title, options, showResultsToViewers, hideResultsUntilReveal, ...(code ? { code } : {}),
});

export const manageApi = {
  create: (adminKey, poll) => request('/v1/polls', { method: 'POST', body: definition(poll), headers: admin(adminKey) }),
  /** Drafts only: 409 invalid-transition once the poll was opened. */
  update: (adminKey, pollId, poll) => request(pollPath(pollId), { method: 'PUT', body: definition(poll), headers: admin(adminKey) }),
  /** Drafts only; 204, after which the poll is 404 to everyone (its audit entries stay). */
  remove: (adminKey, pollId) => request(pollPath(pollId), { method: 'DELETE', headers: admin(adminKey) }),
  /** Closed polls only: hidden from the public list, still readable by id. */
  archive: (adminKey, pollId) => post(adminKey, `${pollPath(pollId)}/archive`),
  unarchive: (adminKey, pollId) => post(adminKey, `${pollPath(pollId)}/unarchive`),
  /** The public results (graphic, vote page) show the counts again, or hide them. */
  reveal: (adminKey, pollId) => post(adminKey, `${pollPath(pollId)}/reveal`),
  hideResults: (adminKey, pollId) => post(adminKey, `${pollPath(pollId)}/hide-results`),
};
