// Home: the polls a viewer can vote in now, and the closed ones with their final results.

import { polls } from './api.js';
import { byId, formatTime, h, setNotice } from './dom.js';

const REFRESH_MS = 15_000;

function pollCard(poll) {
  const id = encodeURIComponent(poll.id);
  const open = poll.status === 'open';
  return h('li', { class: 'poll-card', dataset: { pollId: poll.id } },
    h('div', { class: 'admin-poll-head' },
      h('h3', { text: poll.title }),
      h('span', { class: `badge is-${poll.status}`, text: open ? 'Open' : 'Closed' })),
    h('p', { class: 'meta', text: open ? `Opened ${formatTime(poll.openedAt)}` : `Closed ${formatTime(poll.closedAt)}` }),
    h('div', { class: 'links' },
      open ? h('a', { class: 'button primary', href: `/vote/${id}`, text: 'Vote', 'aria-label': `Vote: ${poll.title}` }) : null,
      h('a', {
        class: 'button', href: `/results/${id}`,
        text: open ? 'Live results' : 'Final results',
        'aria-label': `${open ? 'Live results' : 'Final results'}: ${poll.title}`,
      })));
}

// The list is rebuilt only when it changed, so a refresh never takes the keyboard focus away from a link.
let shown = '';

const newestFirst = (at) => (a, b) => Date.parse(b[at] ?? 0) - Date.parse(a[at] ?? 0);

async function refresh() {
  const status = byId('status');
  try {
    const { polls: all } = await polls.list();
    const open = all.filter((p) => p.status === 'open').sort(newestFirst('openedAt'));
    const closed = all.filter((p) => p.status === 'closed').sort(newestFirst('closedAt'));
    setNotice(status, 'info', null);
    const signature = JSON.stringify([...open, ...closed].map((p) => [p.id, p.status, p.title]));
    if (signature === shown) return;
    shown = signature;
    byId('open-polls').replaceChildren(...open.map(pollCard));
    byId('open-empty').hidden = open.length > 0;
    byId('closed-polls').replaceChildren(...closed.map(pollCard));
    byId('closed-section').hidden = closed.length === 0;
  } catch (error) {
    setNotice(status, 'warn', 'Could not load the polls.', 'Trying again in a few seconds…');
    console.warn('Loading polls failed:', error);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
