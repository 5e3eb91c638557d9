// The CAPTCHA this server uses: its own ALTCHA-compatible proof of work (GET /v1/captcha/challenge). No third party,
// no cookies, nothing for the viewer to click: the browser spends a fraction of a second of work, which is cheap for
// one viewer and expensive for a bot farm registering thousands.

import { captchaApi } from './api.js';
import { findNumber } from './altcha-solve.js';

function inWorker(challenge) {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/js/altcha-worker.js', { type: 'module' });
    worker.addEventListener('message', (event) => {
      worker.terminate();
      resolve(event.data.number);
    });
    worker.addEventListener('error', (event) => {
      worker.terminate();
      reject(event.error ?? new Error('The proof-of-work worker failed.'));
    });
    worker.postMessage({ salt: challenge.salt, challenge: challenge.challenge, maxnumber: challenge.maxnumber });
  });
}

/**
 * Solves a challenge; resolves with the solution as the server reads it (base64 of the ALTCHA JSON payload).
 * @param {{algorithm: string, challenge: string, maxnumber: number, salt: string, signature: string}} challenge
 */
export async function solveChallenge(challenge) {
  let number;
  try {
    number = await inWorker(challenge);
  } catch {
    // No module workers here: the same work on the main thread (the page just pauses for a moment).
    number = findNumber(challenge);
  }
  if (number === null) throw new Error('The proof-of-work challenge has no solution.');
  const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number, salt: challenge.salt, signature: challenge.signature };
  return btoa(JSON.stringify(payload));
}

/** A fresh challenge from the server, solved. */
export async function freshSolution() {
  return solveChallenge(await captchaApi.challenge());
}
