// Named operators (LiveVote:Operators): when the server signs operators in through the broadcaster's OIDC provider,
// the console's sign-in card offers that first, and a signed-in operator's desk opens without the admin key: the
// session is an HttpOnly cookie the browser sends by itself with every same-origin call, so the page never holds a
// secret. The admin calls then carry OPERATOR_SESSION where they would carry the key (api.js sends no key for it).

import { request } from './api.js';
import { byId } from './dom.js';

/** Stands in for the admin key when the operator's session cookie is the credential. */
export const OPERATOR_SESSION = Symbol('operator session');

/**
 * Asks the server who this browser is signed in as; shows the provider's sign-in when it has one, and "Signed in as"
 * on the desk for an operator's session. Resolves OPERATOR_SESSION when signed in that way, else null.
 */
export async function initOperatorSession() {
  let session;
  try {
    session = await request('/v1/admin/session');
  } catch {
    return null; // The key form still works; the server's answer to it says what is wrong.
  }

  byId('oidc-sign-in').hidden = !session.oidc;
  if (new URLSearchParams(window.location.search).get('sign-in') === 'failed') {
    byId('oidc-sign-in-error').textContent = 'Signing in with your broadcaster account did not complete. Try again.';
  }
  if (session.method !== 'oidc') return null;

  const name = byId('operator-name');
  name.textContent = `Signed in as ${session.operator}`;
  name.hidden = false;
  byId('sign-out').addEventListener('click', () => {
    name.hidden = true;
    // The desk closes at once (admin-page.js); the cookie goes with this call, and a failure leaves it to expire.
    request('/admin/sign-out', { method: 'POST' }).catch(() => {});
  }, { once: true });
  return OPERATOR_SESSION;
}
