// Plain words for what the server refused in poll management: the producer reads them next to the form or the card,
// so they say what happened and what to do, not the API's codes.

import { ApiError } from './api.js';

/**
 * @param {unknown} error an ApiError (anything else is rethrown by the caller)
 * @param {'create'|'edit'|'delete'|'archive'|'unarchive'|'reveal'|'hide'} action
 * @param {{title?: string, code?: string}} poll what the producer acted on
 */
export function explainRefusal(error, action, poll = {}) {
  if (!(error instanceof ApiError)) return 'Something went wrong. Nothing was changed.';
  const name = poll.title ? `“${poll.title}”` : 'This poll';
  if (error.status === 0) return 'The server could not be reached, so nothing was changed. Try again when the connection is back.';
  switch (error.code) {
    case 'code-taken':
      return `${poll.code ? `The join code ${poll.code}` : 'That join code'} is already used by another poll. Choose another one, or leave it empty to get a generated one.`;
    case 'invalid-transition':
      return {
        edit: `${name} can no longer be edited: it is not a draft any more (it was opened). Only drafts can be changed.`,
        delete: `${name} cannot be deleted: it is not a draft any more (it was opened). Only drafts can be deleted.`,
        archive: `${name} cannot be archived: only closed polls can.`,
        unarchive: `${name} cannot be brought back: it is not archived.`,
        reveal: `The results of ${name} could not be revealed in its current state.`,
        hide: `The results of ${name} could not be hidden in its current state.`,
      }[action] ?? `${name} cannot do that in its current state.`;
    case 'poll-not-found':
      return `${name} no longer exists: it was deleted, perhaps from another console.`;
    case 'invalid-poll':
      return `The poll was not saved: ${error.message}`;
    default:
      return `Not done: ${error.message}`;
  }
}
