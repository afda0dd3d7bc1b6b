// A table's checks end to end on a real election log: the README walkthrough's
// (fixtures/election: the example election, Ana's sheet of table
// 010113042.01, its photo reading, her revocation), served with a real
// cosigner's cosignature.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

// Node before 19 keeps WebCrypto off the global object; browsers have it there.
globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const { verifyCheckpoint, verifySheet, verifyExtends, provenEntry, TileLog, parseVerifierKey } = await import(
  "../js/verify.js"
);

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures/election");
const text = (f) => readFileSync(join(dir, f), "utf8");
const read = (p) => new Uint8Array(readFileSync(join(dir, "log", p)));

async function setup(fetchBytes = async (p) => read(p)) {
  const logKey = await parseVerifierKey(text("log.vkey"));
  const cosigner = await parseVerifierKey(text("cosigner.vkey"));
  const checkpoint = await verifyCheckpoint(text("log/checkpoint"), logKey, [cosigner], 1);
  const log = new TileLog(fetchBytes, checkpoint.size);
  const election = await provenEntry(log, checkpoint, 0);
  const operator = await parseVerifierKey(election.value.operator);
  return { logKey, cosigner, checkpoint, log, election, operator };
}

test("the checkpoint holds with the log key and the cosigner's quorum", async () => {
  const { checkpoint, cosigner } = await setup();
  assert.equal(checkpoint.size, 6);
  assert.deepEqual(checkpoint.cosignedBy, [cosigner.name]);
  assert.equal(typeof checkpoint.cosignedAt[cosigner.name], "bigint");
  // Another cosigner's key: the quorum cannot be met, and the reader is told to retry.
  const logKey = await parseVerifierKey(text("log.vkey"));
  const stranger = await parseVerifierKey("cosigner.example.org+0af0dd22+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").catch(
    () => null,
  );
  assert.equal(stranger, null, "a key whose ID does not match is refused");
  await assert.rejects(verifyCheckpoint(text("log/checkpoint"), logKey, [], 1), /only 0 of the required 1/);
});

test("Ana's sheet: included, signed by the key her enrolment names, enrolment included and operator-signed", async () => {
  const { checkpoint, log, election, operator } = await setup();
  assert.equal(election.kind, "election");
  assert.equal(election.value.id, "ve-example");
  const kinds = [];
  for (let i = 0; i < checkpoint.size; i++) kinds.push((await provenEntry(log, checkpoint, i)).kind);
  assert.deepEqual(kinds, ["election", "geography", "enrol", "sheet", "reading", "revoke"]);
  const { sheet, signer } = await verifySheet(log, checkpoint, 3, 2, operator);
  assert.equal(signer, "ana.witness.example.org");
  assert.equal(sheet.value.table, "010113042.01");
  assert.equal(sheet.value.votes.get("EG"), 232n);
  // The wrong enrolment index, or a sheet presented as its own enrolment, is refused.
  await assert.rejects(verifySheet(log, checkpoint, 3, 1, operator), /not an enrolment/);
  await assert.rejects(verifySheet(log, checkpoint, 2, 3, operator), /not a sheet/);
});

test("a copy with a doctored sheet, or a flipped hash, fails and names the entry", async () => {
  const bundle = "tile/entries/000.p/6";
  const doctored = async (p) => {
    const b = read(p);
    if (p !== bundle) return b;
    // Byte for byte, so the bundle's binary length prefixes stay as they are.
    const needle = new TextEncoder().encode('"EG":232');
    const at = b.findIndex((_, k) => needle.every((x, j) => b[k + j] === x));
    assert.ok(at >= 0, "the sheet's votes are in the bundle");
    b[at + 5] = "9".charCodeAt(0);
    return b;
  };
  const { checkpoint, log, operator } = await setup(doctored);
  await assert.rejects(verifySheet(log, checkpoint, 3, 2, operator), /entry 3: the inclusion proof does not lead/);
  const flipped = async (p) => {
    const b = read(p);
    if (p === "tile/0/000.p/6") b[32 * 1] ^= 1;
    return b;
  };
  const bad = await setup(flipped).catch((e) => e);
  // Entry 0's proof uses hash 1: the election itself can no longer be proven.
  assert.match(String(bad), /entry 0: the inclusion proof does not lead/);
});

test("a rollback or a fork after a newer checkpoint was seen is refused", async () => {
  const { checkpoint, log } = await setup();
  await verifyExtends(log, { size: checkpoint.size, root: checkpoint.root }, checkpoint);
  await verifyExtends(log, null, checkpoint);
  await assert.rejects(verifyExtends(log, { size: 9, root: checkpoint.root }, checkpoint), /rollback/);
  const other = Uint8Array.from(checkpoint.root);
  other[0] ^= 1;
  await assert.rejects(verifyExtends(log, { size: 6, root: other }, checkpoint), /fork/);
  // The size-3 tree the log had is a prefix, proven from today's tiles; another root for it is a fork.
  const root3 = await log.rangeRoot(0, 3);
  await verifyExtends(log, { size: 3, root: root3 }, checkpoint);
  const forked3 = Uint8Array.from(root3);
  forked3[5] ^= 1;
  await assert.rejects(verifyExtends(log, { size: 3, root: forked3 }, checkpoint), /fork/);
});
