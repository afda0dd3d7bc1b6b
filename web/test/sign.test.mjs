// What the witness app signs, byte for byte against ENTRIES.md's vectors:
// Ed25519 is deterministic, so the same figures signed with the vector's
// key must give exactly the vector's bytes. And what it signs must decode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const { signerFromSeed, newSigner, signNote, sheetText, enrolRequestText, sha256Hex, validKeyName } = await import("../js/sign.js");
const { decodeEntry } = await import("../js/entries.js");
const { parseVerifierKey, openNote } = await import("../js/note.js");

const entries = join(dirname(fileURLToPath(import.meta.url)), "../../testdata/entries");
const keyLines = readFileSync(join(entries, "keys.txt"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
const keys = Object.fromEntries(keyLines.map((l) => l.split(" ")).map(([alias, seed, line]) => [alias, { seed, line }]));
const hexBytes = (hex) => Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
const vector = (name) => readFileSync(join(entries, "valid", name), "utf8");

async function witness() {
  const k = keys.witness;
  return signerFromSeed(k.line.split("+")[0], hexBytes(k.seed));
}

test("a key from the vectors' seed has the vectors' verifier key line", async () => {
  assert.equal((await witness()).line, keys.witness.line);
});

test("sheets built from the form's figures are the vectors, byte for byte", async () => {
  const w = await witness();
  const sheet = await signNote(
    sheetText({
      election: "example-2024", table: "0101001.01", contest: "president", source: "witness",
      votes: { b: 190, a: 230, c: 0 }, valid: 420, null: 7, voters: 427, registered: 512,
      photoSha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", signedAt: 1722173600,
    }),
    w,
  );
  assert.equal(sheet, vector("sheet.note"));
  // Every escape of §3.3, map keys sorted by their UTF-8 bytes, a blank left out.
  const escapes = await signNote(
    sheetText({
      election: "example-2024", table: "0101001.01", contest: "president", source: "party_agent",
      votes: new Map([["é", 1], ["a", 4], ["Z", 5], ["b", 2], ["ab", 3], ["B", 6]]), null: 0, blank: undefined,
      qr: 'say "hi" \\ a/b\n\r\t\b\f\u0001\u001f é€🗳\u2028\u00a0~', signedAt: 1722177200,
    }),
    w,
  );
  assert.equal(escapes, vector("sheet-escapes.note"));
});

test("an enrolment request built in the app is ENTRIES.md §6's vector, byte for byte", async () => {
  const w = await witness();
  const req = await signNote(
    enrolRequestText({ key: w.line, holder: "Ana Pérez", organisation: "Red de Testigos", scope: "01", requestedAt: 1721997200 }),
    w,
  );
  assert.equal(req, readFileSync(join(entries, "requests", "enrol-request.note"), "utf8"));
});

test("a correction carries supersedes in its place, and decodes", async () => {
  const w = await newSigner("witness-test.example");
  const note = await signNote(
    sheetText({ election: "e", table: "t", contest: "c", source: "witness", votes: { a: 1 }, null: 0, supersedes: 41, signedAt: 7 }),
    w,
  );
  const decoded = decodeEntry(new TextEncoder().encode(note));
  assert.equal(decoded.kind, "sheet");
  assert.equal(decoded.value.supersedes, 41n);
  assert.match(note, /"null":0,"supersedes":41,"signed_at":7\}\n/);
  const key = await parseVerifierKey(w.line);
  assert.deepEqual((await openNote(note, [key])).verifiedBy, [w.name]);
  // One changed digit: the signature no longer holds.
  await assert.rejects(openNote(note.replace('"a":1', '"a":2'), [key]));
});

test("a new key cannot be read out, and signs what its line verifies", async () => {
  const w = await newSigner("w-1.example");
  await assert.rejects(globalThis.crypto.subtle.exportKey("pkcs8", w.privateKey));
  const req = await signNote(enrolRequestText({ key: w.line, holder: "Ana Pérez", organisation: "Red", scope: "01", requestedAt: 5 }), w);
  assert.match(req, /^testigo\/v1 enrol_request\n\{"key":"w-1\.example\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}","holder":"Ana Pérez","organisation":"Red","scope":"01","requested_at":5\}\n\n— w-1\.example /);
  assert.deepEqual((await openNote(req, [await parseVerifierKey(w.line)])).verifiedBy, [w.name]);
  // Not a log entry: the entry decoder refuses its kind.
  assert.throws(() => decodeEntry(new TextEncoder().encode(req)), (e) => e.code === "header");
});

test("bad input is refused before anything is signed", async () => {
  assert.equal(validKeyName("a b"), false);
  assert.equal(validKeyName("a+b"), false);
  await assert.rejects(newSigner("has space"));
  assert.throws(() => sheetText({ election: "e", table: "t", contest: "c", source: "witness", votes: { a: -1 }, signedAt: 1 }));
  assert.throws(() => sheetText({ election: "e", table: "t", contest: "c", source: "witness", votes: { a: 1.5 }, signedAt: 1 }));
  assert.equal(await sha256Hex(new TextEncoder().encode("test")), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
});
