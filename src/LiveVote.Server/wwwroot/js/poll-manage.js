// Poll management on the console's cards: each poll's join code and public vote link, its hidden results (reveal,
// hide again), Preview (every poll, drafts too), Edit and Delete for drafts, Archive and Unarchive for closed polls,
// and the "Show archived" toggle of the list. A refused action is said in plain words on its own card, and stays there
// when the list is drawn again, until the next action on that card.

import { byId, h, setNotice } from './dom.js';
import { confirmAction } from './confirm-dialog.js';
import { manageApi } from './poll-manage-api.js';
import { attempt } from './poll-attempt.js';
import { explainRefusal } from './poll-errors.js';
import { editPoll, editedPollId, initPollEditor, stopEditing } from './poll-editor.js';
import { showPreview } from './poll-preview.js';

/** @type {{asAdmin: Function, adminKey: () => string, notice: HTMLElement, reload: () => Promise<void>} | null} */
let desk = null;
let showArchived = false;
/** pollId -> the last refusal on that card, in plain words. */
const refusals = new Map();

/** The join link viewers type: the configured public URL when the server knows it, else this server's. */
export const voteLink = (poll) => poll.voteUrl ?? `${window.location.origin}/v/${encodeURIComponent(poll.code)}`;

/** What, beyond the console's own fields, makes a card worth drawing again when it changes. */
export const manageSignature = (poll) =>
  [poll.code, poll.resultsHidden, poll.archivedAt, poll.voteUrl, poll.options.map((o) => `${o.id}=${o.label}`).join('|')];

/** The polls to draw: archived ones only when asked for; the toggle says how many there are. */
export function visiblePolls(list) {
  const archived = list.filter((poll) => poll.archivedAt).length;
  if (archived === 0) showArchived = false;
  const toggle = byId('show-archived');
  toggle.hidden = archived === 0;
  toggle.setAttribute('aria-pressed', String(showArchived));
  toggle.textContent = showArchived ? `Hide archived (${archived})` : `Show archived (${archived})`;
  return showArchived ? list : list.filter((poll) => !poll.archivedAt);
}

// data-needs-server: the console's connection state (connection-state.js) pauses these while the server is out of
// reach. Edit only fills the form, so it stays usable.
const button = (poll, action, text, onclick, kind = '') => h('button', {
  type: 'button', class: `button small ${kind}`.trim(), text, 'aria-label': `${text}: ${poll.title}`, onclick,
  dataset: action === 'edit' ? { manage: action } : { manage: action, needsServer: '' },
});

/** The card's join code, vote link, hidden-results state and the place for a refusal. */
export function manageDetails(poll) {
  const parts = [];
  if (poll.code) {
    const link = voteLink(poll);
    parts.push(h('p', { class: 'join' },
      h('span', { class: 'join-label', text: 'Join code ' }),
      h('strong', { class: 'join-code mono', text: poll.code }),
      h('span', { class: 'join-sep', text: ' · ' }),
      h('a', { class: 'join-link', href: link, target: '_blank', rel: 'noopener', text: link.replace(/^https?:\/\//, '') })));
  }
  if (poll.resultsHidden) {
    parts.push(h('div', { class: 'results-hidden' },
      h('p', { class: 'results-hidden-note', text: 'Results hidden from viewers and on air' }),
      button(poll, 'reveal', 'Reveal results', () => reveal(poll), 'primary')));
  }
  if (poll.archivedAt) parts.push(h('p', { class: 'archived-note', text: 'Archived: not in the public list.' }));
  parts.push(h('p', { class: 'card-error', role: 'alert', dataset: { pollError: poll.id }, text: refusals.get(poll.id) ?? '' }));
  return h('div', { class: 'poll-manage' }, ...parts);
}

/** The card's management buttons, for its actions row. */
export function manageActions(poll) {
  const buttons = [button(poll, 'preview', 'Preview', () => showPreview(poll))];
  if (poll.status === 'draft') {
    buttons.push(button(poll, 'edit', 'Edit', () => editPoll(poll)), button(poll, 'delete', 'Delete', () => remove(poll), 'danger'));
  }
  if (poll.status === 'closed') {
    buttons.push(poll.archivedAt
      ? button(poll, 'unarchive', 'Unarchive', () => act(poll, 'unarchive', manageApi.unarchive, `“${poll.title}” is back in the public list.`))
      : button(poll, 'archive', 'Archive', () => act(poll, 'archive', manageApi.archive,
        `“${poll.title}” is archived: it is gone from the public list.`, 'Its results and audit trail stay; Show archived brings it back here.')));
  }
  if (!poll.resultsHidden) buttons.push(button(poll, 'hide', 'Hide results', () => hide(poll)));
  return buttons;
}

function showRefusal(poll, message) {
  if (message) refusals.set(poll.id, message);
  else refusals.delete(poll.id);
  const place = byId('admin-polls').querySelector(`[data-poll-error="${CSS.escape(poll.id)}"]`);
  if (place) place.textContent = message ?? '';
}

/** Sends one action; on success says so and draws the list again, on refusal says why on the card. */
async function act(poll, action, call, done, detail = '') {
  showRefusal(poll, null);
  const outcome = await attempt(desk.asAdmin, () => call(desk.adminKey(), poll.id));
  if (!outcome.done) {
    if (outcome.error) {
      showRefusal(poll, explainRefusal(outcome.error, action, poll));
      // The poll changed elsewhere (opened, deleted): the list shows what it is now, the refusal stays on its card.
      if (outcome.error.status === 404 || outcome.error.status === 409) await desk.reload();
    }
    return false;
  }
  setNotice(desk.notice, 'ok', done, detail);
  await desk.reload();
  // Keep the keyboard on the poll (its first management button); when it left the list (deleted, archived), on the
  // first poll still there, else the form.
  const item = byId('admin-polls').querySelector(`[data-poll-id="${CSS.escape(poll.id)}"]`);
  (item?.querySelector('[data-manage]') ?? byId('admin-polls').querySelector('h3') ?? byId('poll-title')).focus();
  return true;
}

async function remove(poll) {
  const sure = await confirmAction({
    title: `Delete “${poll.title}”?`,
    message: 'The draft is removed from the console for good: it cannot be opened or brought back. Its creation stays in the audit trail.',
    confirmLabel: 'Delete draft',
    danger: true,
  });
  if (!sure) return;
  if (editedPollId() === poll.id) stopEditing();
  if (await act(poll, 'delete', manageApi.remove, `“${poll.title}” is deleted.`)) refusals.delete(poll.id);
}

async function reveal(poll) {
  const sure = await confirmAction({
    title: `Reveal the results of “${poll.title}”?`,
    message: 'The counts appear at once on the on-air graphic and, if viewers may see results, on their phones.',
    confirmLabel: 'Reveal results',
  });
  if (sure) await act(poll, 'reveal', manageApi.reveal, `The results of “${poll.title}” are revealed.`, 'The graphic shows the counts now.');
}

async function hide(poll) {
  const sure = await confirmAction({
    title: `Hide the results of “${poll.title}”?`,
    message: 'The on-air graphic and viewers’ phones keep the question and answers but show no counts until you reveal them again. Votes are still counted.',
    confirmLabel: 'Hide results',
  });
  if (sure) await act(poll, 'hide', manageApi.hideResults, `The results of “${poll.title}” are hidden.`, 'Only this console sees the counts until you reveal them.');
}

/** @param {{asAdmin: Function, adminKey: () => string, notice: HTMLElement, reload: () => Promise<void>}} context the console */
export function initPollManagement(context) {
  desk = context;
  initPollEditor(context);
  byId('show-archived').addEventListener('click', async () => {
    showArchived = !showArchived;
    await desk.reload();
  });
}
