// Solves an ALTCHA v1 proof-of-work challenge: find the number n in 0..maxnumber with
// hex(SHA-256(salt + n)) === challenge (n in decimal). Used inside altcha-worker.js, or directly when workers are
// unavailable.

import { sha256OfBytes } from './sha256.js';

const DIGIT_ZERO = 48;

/** @returns {number|null} the number, or null when none up to maxnumber fits (not one of our challenges) */
export function findNumber({ salt, challenge, maxnumber }) {
  // The salt is encoded once and each attempt writes only its digits after it: no string or buffer per attempt.
  const saltBytes = new TextEncoder().encode(salt);
  const message = new Uint8Array(saltBytes.length + 20);
  message.set(saltBytes);
  const target = Uint32Array.from({ length: 8 }, (_, i) => Number.parseInt(challenge.slice(i * 8, i * 8 + 8), 16));
  for (let n = 0; n <= maxnumber; n++) {
    const digits = String(n);
    for (let i = 0; i < digits.length; i++) message[saltBytes.length + i] = digits.charCodeAt(i);
    const words = sha256OfBytes(message, saltBytes.length + digits.length);
    if (words[0] === target[0] && words.every((word, i) => word === target[i])) return n;
  }
  return null;
}
