// An in-page confirmation for deliberate actions (open, close, freeze, release, delete…): a modal <dialog> that names
// what is about to happen and its consequence. The SAFE choice (Cancel) has the focus, so a stray Enter or Space
// does nothing; Escape cancels; the focus goes back to whatever opened it. A native confirm() does none of this (its
// OK is focused, it cannot be styled or tested, and it blocks the page's timers while it waits).

import { h } from './dom.js';

let open = null;

/**
 * Asks the producer to confirm an action.
 * @param {{title: string, message: string, confirmLabel: string, cancelLabel?: string, danger?: boolean}} options
 * @returns {Promise<boolean>} true only when the confirming button was pressed
 */
export function confirmAction({ title, message, confirmLabel, cancelLabel = 'Cancel', danger = false }) {
  // One question at a time: a second request (a double key press) cancels the first rather than stacking dialogs.
  open?.finish(false);
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = `confirm-title-${Date.now().toString(36)}`;
  const messageId = `${titleId}-message`;
  const cancel = h('button', { type: 'button', class: 'button', dataset: { confirm: 'cancel' }, text: cancelLabel });
  const confirm = h('button', {
    type: 'button', class: `button ${danger ? 'danger' : 'primary'}`, dataset: { confirm: 'confirm' }, text: confirmLabel,
  });
  const dialog = h('dialog', {
    class: 'confirm-dialog', 'aria-labelledby': titleId, 'aria-describedby': messageId, dataset: { danger: String(danger) },
  },
  h('h2', { id: titleId, text: title }),
  h('p', { id: messageId, class: 'confirm-message', text: message }),
  h('div', { class: 'form-actions confirm-actions' }, cancel, confirm));

  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer) => {
      if (settled) return;
      settled = true;
      if (open?.dialog === dialog) open = null;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    // Escape fires "cancel" on a modal dialog; closing by any other way than the confirm button is a no.
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.addEventListener('close', () => finish(false));
    document.body.append(dialog);
    open = { dialog, finish };
    dialog.showModal();
    cancel.focus();
  });
}
