// The viewer's registration: one token per browser, kept in localStorage until it expires.
// Everything about registering lives here: the proof-of-work CAPTCHA public registration needs included.

import { ApiError, viewers } from './api.js';
import { freshSolution } from './captcha.js';
import { readStored, writeStored } from './dom.js';

const STORAGE_KEY = 'livevote.viewer';

// A token this close to expiry is replaced before use: a vote must not fail on a token that dies in flight.
const EXPIRY_MARGIN_MS = 60_000;

let registering = null;

function savedViewer() {
  const viewer = readStored(window.localStorage, STORAGE_KEY);
  if (!viewer || typeof viewer.token !== 'string' || typeof viewer.expiresAt !== 'string') return null;
  return Date.parse(viewer.expiresAt) - EXPIRY_MARGIN_MS > Date.now() ? viewer : null;
}

// A refused solution (expired while the phone slept, already used) is fixed by a fresh challenge; a third refusal
// means something else is wrong, and the caller reports it.
const CAPTCHA_ATTEMPTS = 3;

/** Public registration: a solved proof-of-work challenge (GET /v1/captcha/challenge), sent as { captcha }. */
async function register() {
  for (let attempt = 1; ; attempt++) {
    try {
      const viewer = await viewers.register({ captcha: await freshSolution() });
      writeStored(window.localStorage, STORAGE_KEY, { viewerId: viewer.viewerId, token: viewer.token, expiresAt: viewer.expiresAt });
      return viewer;
    } catch (error) {
      const refusedSolution = error instanceof ApiError && error.status === 403 && error.code?.startsWith('captcha-');
      if (!refusedSolution || attempt >= CAPTCHA_ATTEMPTS) throw error;
    }
  }
}

/** A valid bearer token: the saved one, or a fresh registration (at most one at a time). Throws ApiError. */
export async function viewerToken() {
  const saved = savedViewer();
  if (saved) return saved.token;
  registering ??= register().finally(() => {
    registering = null;
  });
  return (await registering).token;
}

/** Drops the saved token (the server refused it): the next viewerToken() registers again. */
export function forgetViewer() {
  writeStored(window.localStorage, STORAGE_KEY, null);
}
