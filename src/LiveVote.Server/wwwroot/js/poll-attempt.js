// One producer action of poll management, with its refusal kept for the caller to show where it happened (next to
// the form or the card) instead of in the page's notice. A refused or locked-out admin key still goes through the
// console's own handling (asAdmin in admin-page.js), which signs out.

import { ApiError } from './api.js';

/**
 * @param {(call: () => Promise<unknown>, failureTitle: string) => Promise<unknown>} asAdmin the console's wrapper
 * @param {() => Promise<unknown>} call
 * @returns {Promise<{done: true, value: unknown} | {done: false, error: ApiError|null}>} error null: signed out
 */
export async function attempt(asAdmin, call) {
  const outcome = await asAdmin(async () => {
    try {
      return { done: true, value: await call() };
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.code === 'admin-locked-out')) throw error;
      if (!(error instanceof ApiError)) throw error;
      return { done: false, error };
    }
  }, 'The console was signed out.');
  return outcome ?? { done: false, error: null };
}
