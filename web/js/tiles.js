// Reading a log laid out as c2sp.org/tlog-tiles: the checkpoint, hash tiles
// and entry bundles fetched from any copy (the server, a mirror, a CDN), and
// from them the hashes, proofs and entries the browser checks. Nothing here
// is trusted: every hash is recomputed into the root a signed checkpoint
// names, so a copy that lies is caught by `merkle.js`.

import { sha256, nodeHash } from "./merkle.js";

const HEIGHT = 8;
const WIDTH = 256;

/** Renders a tile index as C2SP does: `x001/x234/067`. */
export function indexPath(n) {
  const groups = [String(n % 1000).padStart(3, "0")];
  n = Math.floor(n / 1000);
  while (n > 0) {
    groups.unshift(`x${String(n % 1000).padStart(3, "0")}`);
    n = Math.floor(n / 1000);
  }
  return groups.join("/");
}

/** The path of a hash tile (`level` 0..) or, with level "entries", a bundle. */
export function tilePath(level, index, width) {
  const partial = width === WIDTH ? "" : `.p/${width}`;
  return `tile/${level}/${indexPath(index)}${partial}`;
}

/**
 * Parses a checkpoint's text (the signed note's body, as `openNote` returns
 * it): origin, tree size and root hash.
 */
export function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") throw new Error("a checkpoint has an origin, a size and a root");
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new Error("the checkpoint has no origin");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new Error(`checkpoint size ${JSON.stringify(sizeText)} is not a decimal number`);
  }
  const root = Uint8Array.from(globalThis.atob(rootText), (c) => c.charCodeAt(0));
  if (root.length !== 32) throw new Error("the checkpoint's root is not a 32-byte hash");
  return { origin, size: Number(sizeText), root };
}

/** The entries of a bundle: each a big-endian uint16 length, then its bytes. */
export function parseBundle(bytes, width, path) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new Error(`${path}: truncated entry length`);
    const len = (bytes[at] << 8) | bytes[at + 1];
    if (at + 2 + len > bytes.length) throw new Error(`${path}: truncated entry`);
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (out.length !== width) throw new Error(`${path}: ${out.length} entries where ${width} were expected`);
  return out;
}

/**
 * A log of `size` entries read through `fetchBytes(path) -> Uint8Array`
 * (fetch from a URL, or read a file). Tiles are fetched once and kept.
 */
export class TileLog {
  constructor(fetchBytes, size) {
    this.fetchBytes = fetchBytes;
    this.size = size;
    this.tiles = new Map();
    // Paths read since the caller last reset it: an error can then name the
    // objects a failed proof was computed from.
    this.touched = new Set();
  }

  /** Width of tile `index` at tile level `level` for this size (0 if none). */
  width(level, index) {
    const stored = Math.floor(this.size / WIDTH ** level);
    return Math.max(0, Math.min(WIDTH, stored - index * WIDTH));
  }

  async tile(level, index) {
    const width = this.width(level, index);
    if (width === 0) throw new Error(`the log of size ${this.size} has no tile ${level}/${index}`);
    const path = tilePath(level, index, width);
    this.touched.add(path);
    if (!this.tiles.has(path)) {
      this.tiles.set(
        path,
        this.fetchBytes(path).then((bytes) => {
          if (bytes.length !== 32 * width) throw new Error(`${path}: ${bytes.length} bytes, not ${32 * width}`);
          return bytes;
        }),
      );
    }
    return this.tiles.get(path);
  }

  /** The hash of the complete subtree of `2^level` leaves starting at leaf `index << level`. */
  async subtreeHash(level, index) {
    const tileLevel = Math.floor(level / HEIGHT);
    const within = level - tileLevel * HEIGHT;
    // The node spans 2^within stored hashes at tree level tileLevel*8.
    const first = index * 2 ** within;
    const count = 2 ** within;
    if ((first + count) * WIDTH ** tileLevel > this.size) {
      throw new Error(`subtree ${level}/${index} is not complete in a log of size ${this.size}`);
    }
    const tile = await this.tile(tileLevel, Math.floor(first / WIDTH));
    const offset = first % WIDTH;
    let hashes = [];
    for (let i = 0; i < count; i++) hashes.push(tile.subarray(32 * (offset + i), 32 * (offset + i + 1)));
    while (hashes.length > 1) {
      const next = [];
      for (let i = 0; i < hashes.length; i += 2) next.push(await nodeHash(hashes[i], hashes[i + 1]));
      hashes = next;
    }
    return hashes[0];
  }

  /** MTH of leaves [start, end) (RFC 6962), from complete subtrees. */
  async rangeRoot(start, end) {
    if (end <= start) return sha256(new Uint8Array(0));
    const n = end - start;
    // The largest aligned complete subtree that starts here and fits.
    let level = 0;
    while (start % 2 ** (level + 1) === 0 && 2 ** (level + 1) <= n) level++;
    if (2 ** level === n) return this.subtreeHash(level, start / 2 ** level);
    let k = 1;
    while (k * 2 < n) k *= 2;
    return nodeHash(await this.rangeRoot(start, start + k), await this.rangeRoot(start + k, end));
  }

  /** The audit path of leaf `index` in this tree (RFC 6962 PATH). */
  async inclusionProof(index) {
    if (index < 0 || index >= this.size) throw new Error(`entry ${index} is not in a log of size ${this.size}`);
    const path = async (m, start, end) => {
      const n = end - start;
      if (n === 1) return [];
      let k = 1;
      while (k * 2 < n) k *= 2;
      if (m < k) return [...(await path(m, start, start + k)), await this.rangeRoot(start + k, end)];
      return [...(await path(m - k, start + k, end)), await this.rangeRoot(start, start + k)];
    };
    return path(index, 0, this.size);
  }

  /** The consistency proof from the tree of `size1` to this one (RFC 6962 PROOF). */
  async consistencyProof(size1) {
    if (size1 <= 0 || size1 > this.size) throw new Error(`no consistency proof from size ${size1} to ${this.size}`);
    const sub = async (m, start, end, whole) => {
      const n = end - start;
      if (m === n) return whole ? [] : [await this.rangeRoot(start, end)];
      let k = 1;
      while (k * 2 < n) k *= 2;
      if (m <= k) return [...(await sub(m, start, start + k, whole)), await this.rangeRoot(start + k, end)];
      return [...(await sub(m - k, start + k, end, false)), await this.rangeRoot(start, start + k)];
    };
    return sub(size1, 0, this.size, true);
  }

  /** The path of the entry bundle holding entry `index`. */
  bundlePath(index) {
    const bundle = Math.floor(index / WIDTH);
    return tilePath("entries", bundle, Math.min(WIDTH, this.size - bundle * WIDTH));
  }

  /** The bytes of entry `index`, from its bundle. */
  async entry(index) {
    if (index < 0 || index >= this.size) throw new Error(`entry ${index} is not in a log of size ${this.size}`);
    const path = this.bundlePath(index);
    const width = Math.min(WIDTH, this.size - Math.floor(index / WIDTH) * WIDTH);
    return parseBundle(await this.fetchBytes(path), width, path)[index % WIDTH];
  }
}
