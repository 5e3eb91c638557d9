// The console's poll form, for a new poll or to edit a draft (the same form, prefilled): sends POST /v1/polls or
// PUT /v1/polls/{id} and shows a refusal next to the form in plain words (a taken join code on the code field).

import { byId, setNotice } from './dom.js';
import { clearErrors, fillForm, readForm, resetForm, showFormError } from './poll-form.js';
import { manageApi } from './poll-manage-api.js';
import { attempt } from './poll-attempt.js';
import { explainRefusal } from './poll-errors.js';

/** @type {{asAdmin: Function, adminKey: () => string, notice: HTMLElement, reload: () => Promise<void>} | null} */
let desk = null;
/** The draft being edited, or null for a new poll. */
let editing = null;

export const editedPollId = () => editing?.id ?? null;

function setMode(poll) {
  editing = poll;
  const form = byId('create-form');
  form.dataset.mode = poll ? 'edit' : 'create';
  byId('create-heading').textContent = poll ? 'Edit draft' : 'New poll';
  byId('create-poll').textContent = poll ? 'Save changes' : 'Create poll';
  byId('cancel-edit').hidden = !poll;
  byId('create-note').hidden = Boolean(poll);
}

/** Fills the form with the draft and moves there. */
export function editPoll(poll) {
  setMode(poll);
  fillForm(poll);
  byId('create-heading').scrollIntoView({ block: 'start' });
  byId('poll-title').focus();
}

/** Back to an empty "New poll" form. */
export function stopEditing() {
  setMode(null);
  resetForm();
}

function showRefusal(error, poll, form) {
  const message = explainRefusal(error, poll ? 'edit' : 'create', { title: poll?.title ?? form.title, code: form.code });
  if (error.code === 'code-taken') {
    showFormError({ error: message, field: byId('poll-code'), where: 'poll-code-error' });
    return;
  }
  byId('poll-form-error').textContent = message;
  // The draft was opened (or deleted) meanwhile: the list shows what it is now.
  if (error.code === 'invalid-transition' || error.code === 'poll-not-found') desk.reload();
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const form = readForm();
  if (form.error) {
    showFormError(form);
    return;
  }
  const poll = editing;
  const button = byId('create-poll');
  button.disabled = true;
  const outcome = await attempt(desk.asAdmin, () => (poll
    ? manageApi.update(desk.adminKey(), poll.id, form)
    : manageApi.create(desk.adminKey(), form)));
  button.disabled = false;
  if (!outcome.done) {
    if (outcome.error) showRefusal(outcome.error, poll, form);
    return;
  }
  const saved = outcome.value;
  stopEditing();
  setNotice(desk.notice, 'ok', poll ? `Saved “${saved.title}”.` : `Created “${saved.title}”.`,
    `It is a draft: nobody can see it until you open it.${saved.code ? ` Join code ${saved.code}.` : ''}`);
  await desk.reload();
}

/** @param {{asAdmin: Function, adminKey: () => string, notice: HTMLElement, reload: () => Promise<void>}} context the console */
export function initPollEditor(context) {
  desk = context;
  byId('create-form').addEventListener('submit', submit);
  byId('cancel-edit').addEventListener('click', () => {
    const id = editing?.id;
    stopEditing();
    const item = id ? byId('admin-polls').querySelector(`[data-poll-id="${CSS.escape(id)}"]`) : null;
    (item?.querySelector('[data-manage="edit"]') ?? byId('poll-title')).focus();
  });
}
