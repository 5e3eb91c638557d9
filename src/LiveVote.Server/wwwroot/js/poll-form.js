// The admin page's poll form (a new poll, or a draft being edited, poll-editor.js): 2 to 20 answers, each with a label
// and an id derived from it (editable), an optional join code and whether the results stay hidden until a reveal,
// checked against the server's rules before anything is sent.

import { byId, h } from './dom.js';
import { MAX_OPTION_ID_LENGTH, SLUG_PATTERN, uniqueSlug } from './slug.js';

const MIN_OPTIONS = 2;
const MAX_OPTIONS = 20;
const MAX_TITLE_LENGTH = 200;
const MAX_LABEL_LENGTH = 80;
/** A chosen join code: what the server accepts (it stores it upper-case; empty = generated). */
const CODE_PATTERN = /^[A-Z0-9]{4,12}$/;

let nextRowId = 1;

const rows = () => [...byId('option-rows').children];

function addOptionRow(option = null) {
  const id = nextRowId++;
  const label = h('input', {
    type: 'text', id: `option-label-${id}`, class: 'option-label', maxlength: MAX_LABEL_LENGTH, autocomplete: 'off', required: true,
  });
  const slug = h('input', {
    type: 'text', id: `option-id-${id}`, class: 'option-id mono', maxlength: MAX_OPTION_ID_LENGTH, autocomplete: 'off',
    autocapitalize: 'off', spellcheck: 'false', required: true,
  });
  const row = h('li', { class: 'option-row', dataset: { autoSlug: 'true' } },
    h('div', { class: 'field option-label-field' }, h('label', { for: label.id, class: 'row-label' }), label),
    h('div', { class: 'field option-id-field' }, h('label', { for: slug.id, class: 'row-id-label' }), slug),
    h('div', { class: 'row-actions' }, h('button', { type: 'button', class: 'button small remove-option' })));

  label.addEventListener('input', refreshSlugs);
  slug.addEventListener('input', () => {
    // Typing an id takes it over; clearing it hands it back to the label.
    row.dataset.autoSlug = String(slug.value.trim() === '');
    refreshSlugs();
  });
  row.querySelector('.remove-option').addEventListener('click', () => {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    renumberRows();
    refreshSlugs();
    next?.querySelector('.option-label')?.focus();
  });
  if (option) {
    // A saved answer keeps its id as it is: it was chosen (or derived) when the poll was made.
    label.value = option.label;
    slug.value = option.id;
    row.dataset.autoSlug = 'false';
  }
  byId('option-rows').append(row);
  renumberRows();
  return row;
}

function renumberRows() {
  const all = rows();
  all.forEach((row, index) => {
    const n = index + 1;
    row.querySelector('.row-label').textContent = `Answer ${n}`;
    row.querySelector('.row-id-label').replaceChildren('Id', h('span', { class: 'visually-hidden', text: ` of answer ${n}` }));
    const remove = row.querySelector('.remove-option');
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove answer ${n}`);
    remove.disabled = all.length <= MIN_OPTIONS;
  });
  byId('add-option').disabled = all.length >= MAX_OPTIONS;
}

/** Ids of rows still following their label: derived in order, never colliding with an id typed by hand. */
function refreshSlugs() {
  const taken = new Set(rows().filter((row) => row.dataset.autoSlug !== 'true').map((row) => row.querySelector('.option-id').value.trim()));
  rows().forEach((row, index) => {
    if (row.dataset.autoSlug !== 'true') return;
    const label = row.querySelector('.option-label').value;
    const slug = label.trim() ? uniqueSlug(label, index + 1, taken) : '';
    if (slug) taken.add(slug);
    row.querySelector('.option-id').value = slug;
  });
}

export function resetForm() {
  byId('poll-title').value = '';
  byId('show-results').checked = false;
  byId('poll-code').value = '';
  byId('hide-results').checked = false;
  byId('option-rows').replaceChildren();
  for (let i = 0; i < MIN_OPTIONS; i++) addOptionRow();
  clearErrors();
}

/** The form filled with a saved poll's definition, to edit it (a draft). */
export function fillForm(poll) {
  byId('poll-title').value = poll.title;
  byId('show-results').checked = Boolean(poll.showResultsToViewers);
  byId('poll-code').value = poll.code ?? '';
  byId('hide-results').checked = Boolean(poll.resultsHidden);
  byId('option-rows').replaceChildren();
  poll.options.forEach((option) => addOptionRow(option));
  clearErrors();
}

export function clearErrors() {
  byId('create-form').querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
  byId('poll-title-error').textContent = '';
  byId('options-error').textContent = '';
  byId('poll-code-error').textContent = '';
  byId('poll-form-error').textContent = '';
}

/** The poll as the API wants it, or the first problem (and the field to fix). */
export function readForm() {
  const titleInput = byId('poll-title');
  const title = titleInput.value.trim();
  if (!title) return { error: 'Write the question.', field: titleInput, where: 'poll-title-error' };
  if (title.length > MAX_TITLE_LENGTH) return { error: `The question is longer than ${MAX_TITLE_LENGTH} characters.`, field: titleInput, where: 'poll-title-error' };

  const options = [];
  const seen = new Set();
  for (const [index, row] of rows().entries()) {
    const labelInput = row.querySelector('.option-label');
    const idInput = row.querySelector('.option-id');
    const label = labelInput.value.trim();
    const id = idInput.value.trim();
    if (!label) return { error: `Answer ${index + 1} needs a label.`, field: labelInput, where: 'options-error' };
    if (!SLUG_PATTERN.test(id)) {
      return { error: `The id of answer ${index + 1} must be 1 to ${MAX_OPTION_ID_LENGTH} of a-z, 0-9 and "-", not starting with "-".`, field: idInput, where: 'options-error' };
    }
    if (seen.has(id)) return { error: `Two answers have the id "${id}": ids must differ.`, field: idInput, where: 'options-error' };
    seen.add(id);
    options.push({ id, label });
  }
  if (options.length < MIN_OPTIONS) return { error: `A poll needs at least ${MIN_OPTIONS} answers.`, field: byId('add-option'), where: 'options-error' };

  const codeInput = byId('poll-code');
  const code = codeInput.value.trim().toUpperCase();
  if (code && !CODE_PATTERN.test(code)) {
    return { error: 'The join code must be 4 to 12 letters or digits (no spaces or dashes), or empty for a generated one.', field: codeInput, where: 'poll-code-error' };
  }
  return {
    title, options, showResultsToViewers: byId('show-results').checked, code, hideResultsUntilReveal: byId('hide-results').checked,
  };
}

/** Shows the problem readForm() found, on its field. */
export function showFormError({ error, field, where }) {
  field.setAttribute('aria-invalid', 'true');
  byId(where).textContent = error;
  field.focus();
}

byId('add-option').addEventListener('click', () => addOptionRow().querySelector('.option-label').focus());
// Join codes are shown as they will be read out on air: upper-case, whatever was typed (the caret stays put).
byId('poll-code').addEventListener('input', (event) => {
  const input = event.target;
  const { selectionStart, selectionEnd } = input;
  input.value = input.value.toUpperCase();
  input.setSelectionRange(selectionStart, selectionEnd);
});
