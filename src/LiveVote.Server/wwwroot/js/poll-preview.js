// The graphics operator's preview: the on-air graphic of any poll (a draft too) as it would go on air, in an in-page
// dialog, before anything is opened or revealed. The frame loads /results/{id}?preview=1 (the graphic renders a draft
// there through the admin session); closing the dialog unloads it, so its results stream does not run on.

import { h } from './dom.js';

const PROGRAMME_WIDTH = 1920;
let current = null;

/** The graphic's address for a preview of the poll. */
export const previewUrl = (poll) => `/results/${encodeURIComponent(poll.id)}?preview=1`;

/** Opens the preview of the poll; the focus goes back to the opener on close. */
export function showPreview(poll) {
  current?.close();
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const url = previewUrl(poll);
  const titleId = `preview-title-${Date.now().toString(36)}`;
  const close = h('button', { type: 'button', class: 'button', text: 'Close preview' });
  const frame = h('iframe', {
    class: 'preview-frame', src: url, title: `On-air graphic of “${poll.title}”`, loading: 'eager', referrerpolicy: 'no-referrer',
  });
  const stage = h('div', { class: 'preview-stage' }, frame);
  // The graphic is laid out at the programme's 1920x1080, as on air, and scaled down to the stage's width.
  const fit = new ResizeObserver(() => stage.style.setProperty('--preview-scale', String(stage.clientWidth / PROGRAMME_WIDTH)));
  fit.observe(stage);
  const dialog = h('dialog', { class: 'preview-dialog', 'aria-labelledby': titleId, dataset: { pollId: poll.id } },
    h('div', { class: 'preview-head' },
      h('h2', { id: titleId, text: `Preview: ${poll.title}` }),
      h('p', { class: 'help', text: 'The on-air graphic as it is now, only for you: a draft shows here before it is opened.' })),
    stage,
    h('div', { class: 'form-actions preview-actions' },
      // Framing needs the server's LiveVote:Http:FrameAncestors to allow this origin; a new tab always works.
      h('p', { class: 'help preview-fallback', text: 'Nothing showing? This server may not allow its pages in a frame: open it in a new tab.' }),
      // Same origin, so the new tab may share this tab's session (rel=opener): the graphic needs it for a draft.
      h('a', { href: url, target: '_blank', rel: 'opener', text: 'Open in a new tab' }),
      close));

  const finish = () => {
    if (current?.dialog !== dialog) return;
    current = null;
    fit.disconnect();
    frame.src = 'about:blank';
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener?.isConnected) opener.focus();
  };
  close.addEventListener('click', finish);
  dialog.addEventListener('close', finish);
  document.body.append(dialog);
  current = { dialog, close: finish };
  dialog.showModal();
  close.focus();
}
