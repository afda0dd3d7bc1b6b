// The log files of an exported site (c2sp.org/tlog-tiles), and the ways the
// tests spoil a copy of them: a flipped byte in a hash tile, a changed vote
// count in an entry bundle.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

// The tile path rules are the site's own (web/js/tiles.js), not a second copy.
import { indexPath } from "../../js/tiles.js";

export const WIDTH = 256;
export { indexPath };

/**
 * Every file of tile `n` at `level` (a number, or "entries" for bundles) in
 * the copy at `root`, found by listing the directory: the full tile
 * `tile/L/N` and each partial one `tile/L/N.p/W`. Returns [{ path, width }]
 * with `path` relative to root.
 */
export function tileFiles(root, level, n) {
  const rel = `tile/${level}/${indexPath(n)}`;
  const out = [];
  if (existsSync(join(root, rel))) out.push({ path: rel, width: WIDTH });
  const partials = join(root, `${rel}.p`);
  if (existsSync(partials)) {
    for (const w of readdirSync(partials)) {
      if (/^[0-9]+$/.test(w)) out.push({ path: `${rel}.p/${w}`, width: Number(w) });
    }
  }
  return out;
}

/** Writes a file anew (never through a hard link shared with another copy). */
function replaceFile(path, bytes) {
  const tmp = `${path}.e2e-tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * A copy of the site at `src` in `dst` whose log tiles (`tile/`) and
 * checkpoint are real copies that may be spoilt, while the ~120,000 page
 * files are symbolic links to the original (copying, and later deleting,
 * them costs the disk far more than the whole test).
 */
export function copySiteForTampering(src, dst) {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    if (name === "tile" || name === "checkpoint") {
      cpSync(join(src, name), join(dst, name), { recursive: true, dereference: true });
    } else {
      symlinkSync(join(src, name), join(dst, name));
    }
  }
}

/**
 * Flips one byte of the level-0 leaf hash of entry `j` in every file of its
 * tile that holds it. Returns the paths changed.
 */
export function flipLeafHash(root, j) {
  const n = Math.floor(j / WIDTH);
  const at = 32 * (j % WIDTH);
  const changed = [];
  for (const { path, width } of tileFiles(root, 0, n)) {
    if (j % WIDTH >= width) continue;
    const bytes = readFileSync(join(root, path));
    if (bytes.length !== 32 * width) throw new Error(`${path}: ${bytes.length} bytes for width ${width}`);
    bytes[at + 7] ^= 0x01;
    replaceFile(join(root, path), bytes);
    changed.push(path);
  }
  if (changed.length === 0) throw new Error(`no level-0 tile of ${root} holds entry ${j}`);
  return changed;
}

/** The entries of a bundle: [{ start, length }] of each entry's bytes. */
export function bundleEntries(bytes) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    const len = bytes.readUInt16BE(at);
    out.push({ start: at + 2, length: len });
    at += 2 + len;
  }
  if (at !== bytes.length) throw new Error("truncated bundle");
  return out;
}

/**
 * Changes one digit of one vote count in entry `i`'s JSON (its note's second
 * line), keeping its length, in every bundle file that holds it.
 * Returns { paths, before, after } (the changed "name":count text).
 */
export function doctorVote(root, i) {
  const n = Math.floor(i / WIDTH);
  const changed = [];
  let before;
  let after;
  for (const { path, width } of tileFiles(root, "entries", n)) {
    if (i % WIDTH >= width) continue;
    const bytes = readFileSync(join(root, path));
    const { start, length } = bundleEntries(bytes)[i % WIDTH];
    const entry = bytes.subarray(start, start + length);
    const text = entry.toString("latin1"); // byte offsets = string offsets
    const line2 = text.indexOf("\n") + 1;
    const votes = text.indexOf('"votes":{', line2);
    if (line2 === 0 || votes < 0) throw new Error(`${path}: entry ${i} has no "votes" object`);
    // The first count in "votes": the digits after the first ':' past "votes":{
    const m = /"((?:[^"\\]|\\.)*)":([0-9]+)/.exec(text.slice(votes + 9));
    if (!m) throw new Error(`${path}: entry ${i}: no count in "votes"`);
    const digitAt = votes + 9 + m.index + m[0].length - 1; // last digit of the count
    const d = entry[digitAt] - 0x30;
    entry[digitAt] = 0x30 + (d === 9 ? 8 : d + 1);
    before = m[0];
    after = m[0].slice(0, -1) + String(d === 9 ? 8 : d + 1);
    replaceFile(join(root, path), bytes);
    changed.push(path);
  }
  if (changed.length === 0) throw new Error(`no entry bundle of ${root} holds entry ${i}`);
  return { paths: changed, before, after };
}
