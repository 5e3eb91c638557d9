// Small DOM helpers. Text always goes in as text (never HTML), so nothing from the server can become markup.

/**
 * Creates an element: h('a', {href: '/x', class: 'link'}, 'text', child).
 * `text` sets textContent, `dataset` fills data-*, on<event> adds a listener; other keys become attributes.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

export const byId = (id) => document.getElementById(id);

/** The {pollId} of a page path such as /vote/{pollId}; null when the path has none. */
export function pollIdFromPath(page) {
  const match = new RegExp(`^/${page}/([^/]+)/?$`).exec(window.location.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

const counts = new Intl.NumberFormat('en');

export const formatNumber = (value) => counts.format(value);

export const formatVotes = (value) => `${counts.format(value)} ${value === 1 ? 'vote' : 'votes'}`;

const times = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export const formatTime = (iso) => (iso ? times.format(new Date(iso)) : '');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Safe wrappers: storage throws in some private modes and when disabled; the pages then just do not remember. */
export function readStored(storage, key) {
  try {
    const raw = storage.getItem(key);
    return raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}

export function writeStored(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // Not remembering is acceptable; failing the page is not.
  }
}

/** Says something to screen readers only (a visually hidden live region), for changes the page already shows. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Re-setting the same text would not be announced again.
  region.textContent = '';
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}

/**
 * Shows a message in a notice box (a role="status" live region, so screen readers hear it); no title clears it.
 * @param {HTMLElement} element
 * @param {'info'|'ok'|'warn'|'error'} kind
 */
export function setNotice(element, kind, title, detail = '', ...extra) {
  element.className = `notice is-${kind}`;
  if (!title) {
    element.replaceChildren();
    return;
  }
  element.replaceChildren(...[h('strong', { text: title }), detail ? h('p', { text: detail }) : null, ...extra].filter(Boolean));
}
