// The public HTTP API of LiveVote, and its errors. Every page talks to the server through this module only.
// Errors are RFC 9457 problem+json with a machine-readable `code`; they become ApiError so callers branch on
// `status`/`code` instead of parsing messages.

/** An answer that is not a success, or no answer at all (status 0: network failure). */
export class ApiError extends Error {
  constructor(status, problem, retryAfterSeconds) {
    super(problem.detail || problem.title || `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? null;
    this.title = problem.title ?? null;
    this.detail = problem.detail ?? null;
    this.retryAfterSeconds = retryAfterSeconds;
    /** The whole problem document: some carry more than the standard members (a CAPTCHA challenge, for one). */
    this.problem = problem;
  }

  /** The same request may simply be sent again later: nothing was taken, or we cannot know (no answer). */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** Retry-After is either seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function readProblem(response) {
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch {
      // A broken body still leaves the status to go on.
    }
  }
  return { title: response.statusText || `HTTP ${response.status}` };
}

/**
 * Sends one request; resolves with the parsed JSON body of a 2xx, throws ApiError otherwise.
 * @param {string} path
 * @param {{method?: string, body?: unknown, headers?: Record<string,string>, cache?: RequestCache, signal?: AbortSignal}} [init]
 */
export async function request(path, { method = 'GET', body, headers = {}, cache = 'no-store', signal } = {}) {
  const init = { method, headers: { Accept: 'application/json, application/problem+json', ...headers }, cache, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { title: 'No connection', detail: 'The server could not be reached.' }, null);
  }

  if (response.ok) {
    return response.status === 204 ? null : response.json();
  }
  throw new ApiError(response.status, await readProblem(response), parseRetryAfter(response.headers.get('Retry-After')));
}

const pollPath = (pollId) => `/v1/polls/${encodeURIComponent(pollId)}`;
// A signed-in operator's calls carry no key (operator-session.js): the session cookie goes by itself.
const admin = (adminKey) => (typeof adminKey === 'string' ? { 'X-Admin-Key': adminKey } : {});

/** Public reads. */
export const polls = {
  list: (adminKey) => request('/v1/polls', { headers: adminKey ? admin(adminKey) : {} }),
  get: (pollId) => request(pollPath(pollId)),
  // Revalidated with the ETag: a poll watched every few seconds costs a 304 most of the time.
  results: (pollId) => request(`${pollPath(pollId)}/results`, { cache: 'no-cache' }),
  resultsStreamUrl: (pollId) => `${pollPath(pollId)}/results/stream`,
};

/** Viewers and their votes. */
export const viewers = {
  /** @param {{captcha: string}} body the solved proof of work public registration needs */
  register: (body) => request('/v1/viewers', { method: 'POST', body }),
  /** @param {string|null} captcha a solved challenge, when the server asked for one (428 captcha-required) */
  vote: (pollId, optionId, token, captcha = null) => request(`${pollPath(pollId)}/votes`, {
    method: 'POST',
    body: { optionId },
    headers: { Authorization: `Bearer ${token}`, ...(captcha ? { 'X-Captcha': captcha } : {}) },
  }),
};

/** The poll's signed Merkle logs: what the receipt check (/verify) needs. */
export const audit = {
  inclusion: (pollId, log, leaf) =>
    request(`${pollPath(pollId)}/audit/proof/inclusion?log=${encodeURIComponent(log)}&leaf=${encodeURIComponent(leaf)}`),
  /** The public keys the checkpoints are signed with (active first), and the origin they name. */
  keys: () => request('/.well-known/livevote/audit-keys'),
};

/** The proof-of-work CAPTCHA (see captcha.js). */
export const captchaApi = {
  challenge: () => request('/v1/captcha/challenge'),
};

/** The producer's changes; each needs the admin key. */
export const adminApi = {
  // There is no "who am I" endpoint: a back-end registration with the key is the cheapest question that a right key
  // answers 201 and a wrong one 401. It stores nothing (a registration is only a signed token) and needs no CAPTCHA.
  checkKey: (adminKey) => request('/v1/viewers', { method: 'POST', body: {}, headers: admin(adminKey) }),
  create: (adminKey, title, options, showResultsToViewers = false) =>
    request('/v1/polls', { method: 'POST', body: { title, options, showResultsToViewers }, headers: admin(adminKey) }),
  open: (adminKey, pollId) => request(`${pollPath(pollId)}/open`, { method: 'POST', headers: admin(adminKey) }),
  close: (adminKey, pollId) => request(`${pollPath(pollId)}/close`, { method: 'POST', headers: admin(adminKey) }),
  // The on-air graphic holds its snapshot while counting goes on; release lets it catch up.
  freeze: (adminKey, pollId) => request(`${pollPath(pollId)}/results/freeze`, { method: 'POST', headers: admin(adminKey) }),
  release: (adminKey, pollId) => request(`${pollPath(pollId)}/results/release`, { method: 'POST', headers: admin(adminKey) }),
  setViewerResults: (adminKey, pollId, show) =>
    request(`${pollPath(pollId)}/viewer-results`, { method: 'POST', body: { show }, headers: admin(adminKey) }),
  /** The count as it stands, even while the public results are frozen. */
  liveResults: (adminKey, pollId) => request(`${pollPath(pollId)}/results/live`, { headers: admin(adminKey) }),
  stats: (adminKey, signal) => request('/v1/admin/stats', { headers: admin(adminKey), signal }),
  /** Signs a closed poll's result now: the reconciliation gate runs again (after a refusal was fixed). */
  signResult: (adminKey, pollId) =>
    request(`${pollPath(pollId)}/result`, { method: 'POST', headers: admin(adminKey) }),
};
