// How long to wait before sending the same request again.

/**
 * Exponential backoff with jitter, never sooner than the server's Retry-After.
 * The jitter keeps a studio audience that was refused together from all coming back in the same instant.
 * @param {number} attempt 0 for the first retry
 * @param {number|null} retryAfterSeconds
 */
export function backoffDelayMs(attempt, retryAfterSeconds, { baseMs = 500, maxMs = 30_000 } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  const floor = retryAfterSeconds !== null && retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : 0;
  return Math.max(floor, jittered);
}
