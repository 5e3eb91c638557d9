// Checks a LiveVote receipt with nothing but the browser's WebCrypto: the audit entry hash recomputed from its fields,
// the RFC 9162 leaf hash and inclusion proof up to a tree root, that root against a C2SP checkpoint (tlog-checkpoint in
// a signed-note), and the checkpoint's Ed25519 signature with a published key. No DOM here, so the module can be tested
// on its own (tests/LiveVote.Browser.Tests/Pages/MerkleVerifyTests.cs) and reused by anyone who saves the file.
// It deliberately shares no code with the server: a verifier that reused the server's logic would prove nothing.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A check that failed; `step` names which one, `message` says why in words a viewer can read. */
export class VerifyError extends Error {
  constructor(step, message) {
    super(message);
    this.name = 'VerifyError';
    this.step = step;
  }
}

// ---- encodings -------------------------------------------------------------------------------------------------

export function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new VerifyError('format', 'A value that should be hexadecimal is not.');
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

export const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function base64ToBytes(text) {
  // Standard alphabet with padding only (RFC 4648 section 4), as the note formats require.
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new VerifyError('format', 'A value that should be base64 is not.');
  }
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export const bytesToBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

export function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function subtle() {
  // crypto.subtle exists only in a secure context (HTTPS or localhost): say so rather than fail obscurely.
  if (!globalThis.crypto?.subtle) {
    throw new VerifyError('crypto', 'This browser offers no WebCrypto here: open the page over HTTPS to check a receipt.');
  }
  return globalThis.crypto.subtle;
}

export async function sha256(...parts) {
  return new Uint8Array(await subtle().digest('SHA-256', concat(...parts)));
}

// ---- RFC 9162 hashing and proofs -------------------------------------------------------------------------------

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 9162 leaf hash: SHA-256(0x00 || data). In LiveVote the data is the 32-byte audit entry hash (the receipt). */
export const leafHash = (data) => sha256(LEAF_PREFIX, data);

/** RFC 9162 interior node: SHA-256(0x01 || left || right). */
export const nodeHash = (left, right) => sha256(NODE_PREFIX, left, right);

/** MTH(D[n]) of RFC 9162 section 2.1.1 over leaf hashes (the empty tree is SHA-256 of nothing). */
export async function treeHash(leafHashes) {
  if (leafHashes.length === 0) return sha256();
  if (leafHashes.length === 1) return leafHashes[0];
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return nodeHash(await treeHash(leafHashes.slice(0, k)), await treeHash(leafHashes.slice(k)));
}

// Indexes go through BigInt: JavaScript's bit operators are 32-bit, and a busy log can pass 2^31 leaves.
const isOdd = (n) => (n & 1n) === 1n;

function checkHash(hash, what) {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) throw new VerifyError('proof', `${what} is not a 32-byte hash.`);
}

/**
 * The root an inclusion proof leads to (RFC 9162 section 2.1.3.2), or a VerifyError when the proof cannot be a proof
 * for that leaf in a tree of that size (wrong length, index out of range).
 */
export async function rootFromInclusionProof(leafIndex, treeSize, leaf, proof) {
  const index = BigInt(leafIndex);
  const size = BigInt(treeSize);
  if (index < 0n || index >= size) {
    throw new VerifyError('proof', `Leaf ${leafIndex} is not inside a tree of ${treeSize} entries.`);
  }
  checkHash(leaf, 'The leaf hash');
  (proof ?? []).forEach((p, i) => checkHash(p, `Proof hash ${i + 1}`));
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof ?? []) {
    if (sn === 0n) throw new VerifyError('proof', 'The inclusion proof is longer than a tree of this size needs.');
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new VerifyError('proof', 'The inclusion proof is shorter than a tree of this size needs.');
  return r;
}

/** True when `proof` shows the leaf at `leafIndex` in the tree of `treeSize` leaves whose root is `root`. */
export async function verifyInclusion(leafIndex, treeSize, leaf, proof, root) {
  try {
    return equalBytes(await rootFromInclusionProof(leafIndex, treeSize, leaf, proof), root);
  } catch (error) {
    if (error instanceof VerifyError) return false;
    throw error;
  }
}

/**
 * RFC 9162 section 2.1.4.2 consistency verification: the tree of size2 (root2) extends the tree of size1 (root1).
 * As transparency-dev/merkle: equal sizes need an empty proof and equal roots; a proof from the empty tree means nothing.
 */
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  const first = BigInt(size1);
  const second = BigInt(size2);
  proof = proof ?? [];
  if (first > second || first === 0n) return false;
  if (first === second) return proof.length === 0 && equalBytes(root1, root2);
  if (proof.length === 0 || [root1, root2, ...proof].some((h) => !(h instanceof Uint8Array) || h.length !== 32)) return false;
  const path = (first & (first - 1n)) === 0n ? [root1, ...proof] : [...proof];
  let fn = first - 1n;
  let sn = second - 1n;
  while (isOdd(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, root1) && equalBytes(sr, root2);
}

// ---- audit entries ---------------------------------------------------------------------------------------------

/**
 * Unix milliseconds of an ISO 8601 time as the API writes it (System.Text.Json: up to 7 fraction digits, an offset).
 * Parsed by hand because Date.parse is only specified for exactly three fraction digits.
 */
export function unixMsOf(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(iso ?? '');
  if (!m) throw new VerifyError('entry', `The entry's time "${iso}" is not a time this page can read.`);
  const fraction = (m[7] ?? '').padEnd(9, '0');
  if (/[1-9]/.test(fraction.slice(3))) throw new VerifyError('entry', 'The entry\'s time is finer than a millisecond, which LiveVote never writes.');
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +fraction.slice(0, 3));
  if (m[9]) ms -= (m[9] === '-' ? -1 : 1) * (+m[10] * 60 + +m[11]) * 60_000;
  return ms;
}

/**
 * The audit entry hash recomputed from an entry's fields (GET .../audit and the proof endpoint's `entry`), as
 * docs/design.md 7.6 defines it: SHA-256(prevHash || "seq\nkind\npollId\nvoterKeyHex\noptionId\natUnixMs\ndata"),
 * absent fields empty.
 */
export async function entryHash(entry) {
  const prev = hexToBytes(entry.prevHash ?? '');
  if (prev.length !== 32) throw new VerifyError('entry', 'The entry\'s previous hash is not 32 bytes.');
  const canonical = [
    String(entry.seq), entry.kind ?? '', entry.pollId ?? '', (entry.voterKey ?? '').toLowerCase(), entry.optionId ?? '',
    String(unixMsOf(entry.at)), entry.data ?? '',
  ].join('\n');
  return sha256(prev, encoder.encode(canonical));
}

// ---- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) -------------------------------------------

const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/;

/**
 * Splits a signed note into its body (the signed bytes: every line up to the blank line, each with its "\n") and its
 * signature lines. Throws when the text is not a note.
 */
export function parseNote(text) {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw new VerifyError('note', 'The signed note does not end with a new line.');
  const split = text.lastIndexOf('\n\n', text.length - 2);
  if (split < 0) throw new VerifyError('note', 'The signed note has no signature block.');
  const body = text.slice(0, split + 1);
  const signatures = text.slice(split + 2, -1).split('\n').map((line) => {
    const m = SIGNATURE_LINE.exec(line);
    if (!m) throw new VerifyError('note', 'A signature line of the note is malformed.');
    const blob = base64ToBytes(m[2]);
    if (blob.length < 5) throw new VerifyError('note', 'A signature of the note is too short.');
    const keyId = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0);
    return { name: m[1], keyId, signature: blob.subarray(4) };
  });
  return { body, signatures };
}

/** The checkpoint in a note body: origin, size, root, then extension lines (LiveVote writes `time {unix ms}`). */
export function parseCheckpoint(body) {
  const lines = body.split('\n');
  if (lines.length < 4 || lines.at(-1) !== '') throw new VerifyError('checkpoint', 'The checkpoint does not have an origin, a size and a root.');
  const [origin, sizeText, rootText, ...rest] = lines.slice(0, -1);
  if (!origin || !/^(0|[1-9]\d*)$/.test(sizeText)) throw new VerifyError('checkpoint', 'The checkpoint\'s size is not a number.');
  const root = base64ToBytes(rootText);
  if (root.length !== 32) throw new VerifyError('checkpoint', 'The checkpoint\'s root is not a 32-byte hash.');
  const time = rest.map((line) => /^time (\d+)$/.exec(line)).find(Boolean);
  return { origin, size: Number(sizeText), root, extensions: rest, timeUnixMs: time ? Number(time[1]) : null };
}

/** Key id of signed-note Ed25519 keys: the first 4 bytes (big-endian) of SHA-256(name || "\n" || 0x01 || key). */
export async function keyIdFor(name, publicKey) {
  const digest = await sha256(encoder.encode(name), Uint8Array.of(0x0a, 0x01), publicKey);
  return new DataView(digest.buffer).getUint32(0);
}

export const keyIdHex = (keyId) => keyId.toString(16).padStart(8, '0');

/** A verifier key `name+keyid+base64(0x01 || key)` as { name, keyId, publicKey }, its key id checked. */
export async function parseVerifierKey(vkey) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey ?? '');
  if (!m) throw new VerifyError('key', 'The verifier key is malformed.');
  const raw = base64ToBytes(m[3]);
  if (raw.length !== 33 || raw[0] !== 0x01) throw new VerifyError('key', 'The verifier key is not an Ed25519 key.');
  const key = { name: m[1], keyId: parseInt(m[2], 16), publicKey: raw.subarray(1) };
  if (await keyIdFor(key.name, key.publicKey) !== key.keyId) throw new VerifyError('key', 'The verifier key\'s id does not match its key.');
  return key;
}

/**
 * The keys of GET /.well-known/livevote/audit-keys as { name, keyId, publicKey, active }, keeping only keys whose
 * published id is the one their name and public key give (a key published with a wrong id is not trusted).
 */
export async function publishedKeys(document) {
  const keys = [];
  for (const key of document?.keys ?? []) {
    try {
      const publicKey = base64ToBytes(key.publicKey);
      if (publicKey.length !== 32) continue;
      const keyId = await keyIdFor(key.name, publicKey);
      if (keyIdHex(keyId) !== String(key.keyId).toLowerCase()) continue;
      keys.push({ name: key.name, keyId, publicKey, active: Boolean(key.active) });
    } catch {
      // Skip what cannot be read; a note signed only by it then finds no key and says so.
    }
  }
  return keys;
}

/** Ed25519 signature check with WebCrypto (Chromium 137+, Firefox 129+, Safari 17+). */
export async function ed25519Verify(publicKey, signature, message) {
  let key;
  try {
    key = await subtle().importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    throw new VerifyError('crypto', 'This browser cannot check Ed25519 signatures: try a current Chrome, Edge, Firefox or Safari.');
  }
  return subtle().verify({ name: 'Ed25519' }, key, signature, message);
}

/**
 * Checks a note against trusted keys: some signature line must name a key (same name and key id) and verify with it.
 * Returns { body, key }; throws a VerifyError saying which part failed.
 */
export async function verifyNote(text, keys) {
  const note = parseNote(text);
  const message = encoder.encode(note.body);
  let known = false;
  for (const sig of note.signatures) {
    const key = keys.find((k) => k.name === sig.name && k.keyId === sig.keyId);
    if (!key) continue;
    known = true;
    if (sig.signature.length === 64 && await ed25519Verify(key.publicKey, sig.signature, message)) {
      return { body: note.body, key };
    }
  }
  throw new VerifyError('signature', known
    ? 'The signature on the checkpoint is not valid for the published key: the checkpoint was changed or not signed by it.'
    : 'The checkpoint is not signed by any published key (no signature names a published key and its id).');
}

// ---- the whole check -------------------------------------------------------------------------------------------

/**
 * Checks a receipt. Every step is recorded, so the page can show what held and the first thing that did not.
 * @param {{pollId: string, log: string, leaf: number, receipt: string,
 *   proof: {log, leaf, size, leafHash, root, proof: string[], entry, checkpoint: string|null},
 *   keys: {origin: string, keys: object[]}}} input
 * @returns {Promise<{ok: boolean, steps: {id: string, ok: boolean, text: string}[], failure: VerifyError|null,
 *   entry: object|null, checkpoint: object|null, key: object|null}>}
 */
export async function verifyReceipt({ pollId, log, leaf, receipt, proof, keys }) {
  const steps = [];
  const report = { ok: false, steps, failure: null, entry: proof?.entry ?? null, checkpoint: null, key: null };
  const pass = (id, text) => steps.push({ id, ok: true, text });
  try {
    const receiptBytes = hexToBytes(String(receipt ?? '').trim().toLowerCase());
    if (receiptBytes.length !== 32) throw new VerifyError('receipt', 'A receipt is 64 hexadecimal characters.');

    // 1. The entry the server shows is the one the receipt fingerprints, and it is a vote in this poll.
    const entry = proof?.entry;
    if (!entry) throw new VerifyError('entry', 'The server sent no audit entry for this leaf.');
    const recomputed = await entryHash(entry);
    if (!equalBytes(recomputed, receiptBytes)) {
      throw new VerifyError('entry', `The audit entry at leaf ${leaf} does not have this receipt: its fields hash to ${bytesToHex(recomputed)}.`);
    }
    if (entry.kind !== 'vote' || entry.pollId !== pollId) {
      throw new VerifyError('entry', `The entry with this receipt is not a vote in poll ${pollId}.`);
    }
    pass('entry', `The audit entry's fields hash to your receipt: a vote for "${entry.optionId}" recorded at ${entry.at}.`);

    // 2. Leaf hash and inclusion proof up to the root of a tree of `size` entries.
    if (proof.log !== log || Number(proof.leaf) !== Number(leaf)) {
      throw new VerifyError('proof', `The server answered for log ${proof.log} leaf ${proof.leaf}, not log ${log} leaf ${leaf}.`);
    }
    const leafBytes = await leafHash(receiptBytes);
    const proofHashes = (proof.proof ?? []).map(hexToBytes);
    const root = await rootFromInclusionProof(leaf, proof.size, leafBytes, proofHashes);
    if (!equalBytes(root, hexToBytes(proof.root ?? ''))) {
      throw new VerifyError('proof', `The inclusion proof does not lead to the log's root at size ${proof.size}: the proof or the log was changed.`);
    }
    pass('inclusion', `The inclusion proof (${proofHashes.length} hashes) leads from your vote (leaf ${leaf}) to the root of log ${log} at ${proof.size} entries.`);

    // 3. The checkpoint names this log and states the same size and root.
    if (!proof.checkpoint) throw new VerifyError('checkpoint', 'No signed checkpoint covers this vote yet.');
    const note = parseNote(proof.checkpoint);
    const checkpoint = parseCheckpoint(note.body);
    report.checkpoint = checkpoint;
    const origin = `${keys?.origin}/poll/${pollId}/${log}`;
    if (checkpoint.origin !== origin) {
      throw new VerifyError('checkpoint', `The checkpoint is for "${checkpoint.origin}", not for this poll's log "${origin}".`);
    }
    if (checkpoint.size !== Number(proof.size) || !equalBytes(checkpoint.root, root)) {
      throw new VerifyError('checkpoint', `The checkpoint states a different tree (size ${checkpoint.size}) from the one the proof leads to (size ${proof.size}).`);
    }
    pass('checkpoint', `The checkpoint for ${origin} states the same size (${checkpoint.size}) and root.`);

    // 4. The checkpoint's signature, with a key the server publishes.
    const trusted = await publishedKeys(keys);
    if (trusted.length === 0) throw new VerifyError('signature', 'The server publishes no usable signing key.');
    const { key } = await verifyNote(proof.checkpoint, trusted);
    report.key = key;
    pass('signature', `The checkpoint is signed by the published key ${key.name} (key id ${keyIdHex(key.keyId)})${key.active ? '' : ', a previous key'}.`);
    report.ok = true;
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    report.failure = error;
  }
  return report;
}
