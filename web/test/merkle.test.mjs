// The browser's Merkle code against the transparency-dev/merkle vectors the
// Rust log core is checked with (crates/tlog/testdata/transparency-dev-merkle).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { leafHash, nodeHash, rootOf, verifyInclusion, verifyConsistency } from "../js/merkle.js";

// Node before 19 keeps WebCrypto off the global object; browsers have it there.
globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const vectors = join(root, "crates/tlog/testdata/transparency-dev-merkle");
const b64 = (s) => new Uint8Array(Buffer.from(s, "base64"));
const hex = (s) => new Uint8Array(Buffer.from(s, "hex"));

function jsonFiles(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? jsonFiles(p) : p.endsWith(".json") ? [p] : [];
  });
}

test("leaf and node hashes give RFC 6962's roots for sizes 0 to 8", async () => {
  const tree = JSON.parse(readFileSync(join(vectors, "rfc6962-tree.json"), "utf8"));
  const leaves = await Promise.all(tree.leaf_inputs.map((h) => leafHash(hex(h))));
  for (let n = 0; n <= leaves.length; n++) {
    const got = Buffer.from(await rootOf(leaves.slice(0, n))).toString("hex");
    assert.equal(got, tree.root_hashes[n], `root of the first ${n} leaves`);
  }
  const level1 = await nodeHash(leaves[0], leaves[1]);
  assert.equal(Buffer.from(level1).toString("hex"), tree.node_hashes[1][0]);
});

test("every inclusion vector: valid ones verify, invalid ones are refused", async () => {
  const files = jsonFiles(join(vectors, "testdata/inclusion"));
  assert.ok(files.length >= 20, `only ${files.length} inclusion vectors found`);
  for (const f of files) {
    const v = JSON.parse(readFileSync(f, "utf8"));
    const run = () =>
      verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash ?? ""), (v.proof ?? []).map(b64), b64(v.root ?? ""));
    if (v.wantErr) await assert.rejects(run, `${f}: ${v.desc}`);
    else await assert.doesNotReject(run, `${f}: ${v.desc}`);
  }
});

test("every consistency vector: valid ones verify, invalid ones are refused", async () => {
  const files = jsonFiles(join(vectors, "testdata/consistency"));
  assert.ok(files.length >= 20, `only ${files.length} consistency vectors found`);
  for (const f of files) {
    const v = JSON.parse(readFileSync(f, "utf8"));
    const run = () => verifyConsistency(v.size1, v.size2, b64(v.root1 ?? ""), b64(v.root2 ?? ""), (v.proof ?? []).map(b64));
    if (v.wantErr) await assert.rejects(run, `${f}: ${v.desc}`);
    else await assert.doesNotReject(run, `${f}: ${v.desc}`);
  }
});

test("a proof with one flipped bit is refused", async () => {
  const files = jsonFiles(join(vectors, "testdata/inclusion")).map((f) => JSON.parse(readFileSync(f, "utf8")));
  const v = files.find((x) => !x.wantErr && x.proof && x.proof.length > 1);
  const proof = v.proof.map(b64);
  proof[1][0] ^= 1;
  await assert.rejects(verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), proof, b64(v.root)));
});
