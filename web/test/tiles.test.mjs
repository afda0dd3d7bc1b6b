// The tile reader against a real log written by testigo (fixtures/): every
// entry sampled is proven into the signed checkpoint from the tiles alone, the
// size-600 checkpoint is proven a prefix of the size-1000 one, and a copy with
// one flipped byte in a tile or a changed entry is caught.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

// Node before 19 keeps WebCrypto off the global object; browsers have it there.
globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const { leafHash, verifyInclusion, verifyConsistency, equalBytes } = await import("../js/merkle.js");
const { parseVerifierKey, openNote } = await import("../js/note.js");
const { TileLog, parseCheckpoint, indexPath, tilePath } = await import("../js/tiles.js");

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const read = (path) => new Uint8Array(readFileSync(join(fixtures, "log", path)));
const utf8 = new TextEncoder();

async function checkpoint(file) {
  const key = await parseVerifierKey(readFileSync(join(fixtures, "log.vkey"), "utf8"));
  const { text } = await openNote(readFileSync(join(fixtures, file), "utf8"), [key]);
  return parseCheckpoint(text);
}

test("tile paths are C2SP's", () => {
  assert.equal(indexPath(0), "000");
  assert.equal(indexPath(1234067), "x001/x234/067");
  assert.equal(tilePath(0, 3, 232), "tile/0/003.p/232");
  assert.equal(tilePath("entries", 1, 256), "tile/entries/001");
});

test("sampled entries are proven into the signed checkpoint from the tiles alone", async () => {
  const cp = await checkpoint("log/checkpoint");
  assert.equal(cp.size, 1000);
  const log = new TileLog(async (p) => read(p), cp.size);
  assert.ok(equalBytes(await log.rangeRoot(0, cp.size), cp.root), "the tiles hash to the checkpoint's root");
  for (const i of [0, 1, 255, 256, 511, 512, 599, 600, 767, 768, 998, 999]) {
    const entry = await log.entry(i);
    assert.deepEqual(entry, utf8.encode(`entry ${i}`), `entry ${i}`);
    await verifyInclusion(i, cp.size, await leafHash(entry), await log.inclusionProof(i), cp.root);
  }
});

test("the older checkpoint is a prefix of the newer one", async () => {
  const [old, cp] = [await checkpoint("checkpoint.600"), await checkpoint("log/checkpoint")];
  assert.equal(old.size, 600);
  const log = new TileLog(async (p) => read(p), cp.size);
  await verifyConsistency(old.size, cp.size, old.root, cp.root, await log.consistencyProof(old.size));
  // The first 600 leaves of today's tiles hash to the root signed then.
  assert.ok(equalBytes(await log.rangeRoot(0, old.size), old.root));
  // And a forked "older" root is refused.
  const forked = Uint8Array.from(old.root);
  forked[31] ^= 1;
  await assert.rejects(verifyConsistency(old.size, cp.size, forked, cp.root, await log.consistencyProof(old.size)));
});

test("a copy with one flipped byte in a tile, or a changed entry, is caught", async () => {
  const cp = await checkpoint("log/checkpoint");
  const flipped = (victim, at) => async (p) => {
    const b = read(p);
    if (p === victim) b[at] ^= 1;
    return b;
  };
  // Entry 300's proof uses hashes from tile 0/001 (leaves 256..511) and level 1.
  const badTile = new TileLog(flipped("tile/0/001", 32 * 100), cp.size);
  const entry = await badTile.entry(300);
  await assert.rejects(
    verifyInclusion(300, cp.size, await leafHash(entry), await badTile.inclusionProof(300), cp.root),
    /does not lead to the checkpoint's root/,
  );
  const badBundle = new TileLog(flipped("tile/entries/001", 10), cp.size);
  const changed = await badBundle.entry(256);
  const honest = new TileLog(async (p) => read(p), cp.size);
  await assert.rejects(
    verifyInclusion(256, cp.size, await leafHash(changed), await honest.inclusionProof(256), cp.root),
  );
});
