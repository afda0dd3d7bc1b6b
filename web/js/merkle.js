// RFC 6962 / RFC 9162 Merkle tree hashing and proof verification, for the
// browser (and Node, which has the same WebCrypto): the citizen's own check
// that a sheet is in the log the checkpoint commits to. No third-party code:
// SHA-256 is WebCrypto's.
//
// Sizes and indexes are JavaScript numbers: exact up to 2^53, far beyond any
// election's log.

/** SHA-256 of `bytes` (a Uint8Array), as a Uint8Array of 32 bytes. */
export async function sha256(bytes) {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The hash of a log entry: SHA-256(0x00 || entry). */
export function leafHash(entry) {
  return sha256(concat(Uint8Array.of(0), entry));
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** Whether two byte arrays are equal. */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

function checkHash(h, what) {
  if (!(h instanceof Uint8Array) || h.length !== 32) throw new Error(`${what} is not a 32-byte hash`);
}

/**
 * Checks that `leaf` (a leaf hash) is entry `index` of the tree of `size`
 * entries whose root is `root`, with the audit path `proof` (RFC 9162
 * §2.1.3.2). Throws an Error saying what does not hold.
 */
export async function verifyInclusion(index, size, leaf, proof, root) {
  checkHash(leaf, "the leaf hash");
  checkHash(root, "the root");
  proof.forEach((p, i) => checkHash(p, `proof hash ${i}`));
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new Error(`index ${index} is not in a tree of size ${size}`);
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error("the inclusion proof is too long");
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new Error("the inclusion proof is too short");
  if (!equalBytes(r, root)) throw new Error("the inclusion proof does not lead to the checkpoint's root");
}

/**
 * Checks that the tree of `size1` entries with root `root1` is a prefix of
 * the tree of `size2` entries with root `root2`, with the consistency proof
 * `proof` (RFC 9162 §2.1.4.2). Throws an Error saying what does not hold.
 */
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) {
    throw new Error(`a tree of size ${size2} cannot extend one of size ${size1}`);
  }
  if (size1 === 0) {
    // Every tree extends the empty one: nothing to prove, and a caller asking is confused.
    throw new Error("there is no consistency to prove from the empty tree");
  }
  if (size1 === size2) {
    if (proof.length !== 0) throw new Error("a proof between equal sizes must be empty");
    if (!equalBytes(root1, root2)) throw new Error("two different roots for the same size: the log forked");
    return;
  }
  checkHash(root1, "the older root");
  checkHash(root2, "the newer root");
  proof.forEach((p, i) => checkHash(p, `proof hash ${i}`));
  if (proof.length === 0) throw new Error("the consistency proof is empty");
  // A power-of-two older tree is itself a node of the newer one.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new Error("the consistency proof is too long");
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new Error("the consistency proof is too short");
  if (!equalBytes(fr, root1)) throw new Error("the consistency proof does not lead to the older root");
  if (!equalBytes(sr, root2)) throw new Error("the consistency proof does not lead to the newer root");
}

function isPowerOfTwo(n) {
  while (n > 1) {
    if (odd(n)) return false;
    n = half(n);
  }
  return n === 1;
}

/** The root of the tree whose leaf hashes are `leaves` (RFC 6962 MTH). */
export async function rootOf(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await rootOf(leaves.slice(0, k)), await rootOf(leaves.slice(k)));
}
