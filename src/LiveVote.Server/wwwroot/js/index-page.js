// Home: a field for the join code shown on screen (/v/{code}), the polls a viewer can vote in now, and the closed
// ones with their final results.

import { polls } from './api.js';
import { byId, h, setNotice } from './dom.js';
import { formatDateTime, initI18n, mountLanguageSwitcher, t } from './i18n.js';

const REFRESH_MS = 15_000;

// The join-code alphabet is upper-case letters and digits; people type spaces, dashes and lower case, which we forgive.
const CODE = /^[A-Z0-9]{4,12}$/;

function pollCard(poll) {
  const id = encodeURIComponent(poll.id);
  const open = poll.status === 'open';
  const results = t(open ? 'home.liveResults' : 'home.finalResults');
  return h('li', { class: 'poll-card', dataset: { pollId: poll.id } },
    h('div', { class: 'admin-poll-head' },
      h('h3', { dir: 'auto', text: poll.title }),
      h('span', { class: `badge is-${poll.status}`, text: t(open ? 'home.badge.open' : 'home.badge.closed') })),
    h('p', {
      class: 'meta',
      text: open ? t('home.openedAt', { time: formatDateTime(poll.openedAt) }) : t('home.closedAt', { time: formatDateTime(poll.closedAt) }),
    }),
    h('div', { class: 'links' },
      open ? h('a', { class: 'button primary', href: `/vote/${id}`, text: t('home.vote'), 'aria-label': t('home.voteFor', { title: poll.title }) }) : null,
      h('a', {
        class: 'button', href: `/results/${id}`,
        text: results,
        'aria-label': t('home.resultsFor', { label: results, title: poll.title }),
      })));
}

function wireCodeForm() {
  const input = byId('join-code');
  const error = byId('join-code-error');
  byId('code-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = input.value.replace(/[\s-]+/g, '').toUpperCase();
    if (!CODE.test(code)) {
      input.setAttribute('aria-invalid', 'true');
      error.textContent = t('home.code.invalid');
      input.focus();
      return;
    }
    input.setAttribute('aria-invalid', 'false');
    error.textContent = '';
    window.location.assign(`/v/${encodeURIComponent(code)}`);
  });
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
    setNotice(status, 'warn', t('home.loadFailed.title'), t('home.loadFailed.detail'));
    console.warn('Loading polls failed:', error);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

async function start() {
  await initI18n();
  document.title = t('home.pageTitle');
  mountLanguageSwitcher(byId('language'));
  wireCodeForm();
  refresh();
}

start();
