// Makes altcha-vectors.json: ALTCHA v1 challenges, solutions and verdicts produced by the reference implementation,
// the npm package altcha-lib (its "altcha-lib/v1" entry point), so the tests can check our verifier against it.
//
//   cd tests/LiveVote.Server.Tests/Security/Captcha/vectors
//   npm install --no-save altcha-lib@2.8.0     # or set ALTCHA_LIB to the path of altcha-lib/dist/esm/v1/index.js
//   node make-vectors.mjs > altcha-vectors.json
//   rm -rf node_modules
//
// Every vector records "now" (unix seconds): the tests set their clock there, so the vectors never go stale.
import { pathToFileURL } from 'node:url';

const lib = await import(process.env.ALTCHA_LIB ? pathToFileURL(process.env.ALTCHA_LIB).href : 'altcha-lib/v1');
const { createChallenge, solveChallenge, verifySolution } = lib;

// The HMAC key the tests configure as LiveVote:CaptchaHmacKey.
const hmacKey = 'test-captcha-hmac-key-0123456789abcdef';
const now = Math.floor(Date.now() / 1000);
const in10Minutes = new Date((now + 600) * 1000);
const base64 = (object) => Buffer.from(JSON.stringify(object)).toString('base64');

async function solve(challenge) {
  const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
  return solution.number;
}

// What the ALTCHA widget submits: base64 of {algorithm, challenge, number, salt, signature} (plus "took").
function payloadOf(challenge, number, extra = {}) {
  return { algorithm: challenge.algorithm, challenge: challenge.challenge, number, salt: challenge.salt, signature: challenge.signature, ...extra };
}

const vectors = [];

// Solved challenges altcha-lib accepts: our verifier must accept them too.
const accepted = [
  ['default salt, expires', { hmacKey, maxnumber: 2000, expires: in10Minutes }],
  ['extra salt parameter before expires', { hmacKey, maxnumber: 2000, expires: in10Minutes, params: { show: 'final' } }],
  ['long salt', { hmacKey, maxnumber: 2000, expires: in10Minutes, saltLength: 32 }],
  ['larger maxnumber', { hmacKey, maxnumber: 50000, expires: in10Minutes }],
];
for (const [name, options] of accepted) {
  const challenge = await createChallenge(options);
  const number = await solve(challenge);
  const payload = base64(payloadOf(challenge, number, { took: 12 }));
  vectors.push({ name, challenge, number, payload, altchaLibVerified: await verifySolution(payload, hmacKey), expected: 'Passed' });
}

// Refusals: altcha-lib refuses each; the tests check ours refuses with the documented outcome.
{
  const challenge = await createChallenge({ hmacKey, maxnumber: 2000, expires: in10Minutes, number: 1234 });
  const wrong = base64(payloadOf(challenge, 1235));
  vectors.push({ name: 'wrong number', challenge, number: 1235, payload: wrong, altchaLibVerified: await verifySolution(wrong, hmacKey), expected: 'WrongNumber' });

  // Splicing (advisory of 2025-12-15): the number's leading digit moved into the salt keeps hash and signature valid.
  const spliced = base64({ ...payloadOf(challenge, 234), salt: challenge.salt + '1' });
  vectors.push({ name: 'spliced salt', challenge, number: 234, payload: spliced, altchaLibVerified: await verifySolution(spliced, hmacKey), expected: 'SplicedSalt' });

  const otherKey = await createChallenge({ hmacKey: 'some-other-hmac-key-0123456789abcdef', maxnumber: 2000, expires: in10Minutes, number: 77 });
  const foreign = base64(payloadOf(otherKey, 77));
  vectors.push({ name: 'signed with another key', challenge: otherKey, number: 77, payload: foreign, altchaLibVerified: await verifySolution(foreign, hmacKey), expected: 'BadSignature' });

  const old = await createChallenge({ hmacKey, maxnumber: 2000, expires: new Date((now - 60) * 1000), number: 42 });
  const expired = base64(payloadOf(old, 42));
  vectors.push({ name: 'expired', challenge: old, number: 42, payload: expired, altchaLibVerified: await verifySolution(expired, hmacKey), expected: 'Expired' });
}

// Fixed inputs: altcha-lib's challenge and signature for a given salt and number, to compare our computation with.
const computed = [];
for (const [salt, number] of [['0123456789abcdef?expires=1767225600&', 0], ['a1b2c3d4e5f6?expires=1767225600&', 99999], ['feedface?x=1&expires=4102444800&', 123456]]) {
  const c = await createChallenge({ hmacKey, salt, number, maxnumber: 1000000 });
  computed.push({ salt, number, challenge: c.challenge, signature: c.signature });
}

process.stdout.write(JSON.stringify({ generator: 'altcha-lib v1 (altcha-lib@2.8.0)', hmacKey, now, vectors, computed }, null, 2) + '\n');
