// The browser's signed-note check against the entry vectors of ENTRIES.md
// (testdata/entries): every valid vector opens with its signer's key, and a
// changed byte, another key or a forged key ID is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseVerifierKey, openNote } from "../js/note.js";

// Node before 19 keeps WebCrypto off the global object; browsers have it there.
globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const entries = join(root, "testdata/entries");
const lines = (f) => readFileSync(join(entries, f), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
const keys = Object.fromEntries(lines("keys.txt").map((l) => l.split(" ")).map(([alias, , vkey]) => [alias, vkey]));
const valid = lines("index.txt").map((l) => l.split(" ")).filter(([, outcome]) => outcome === "valid");

test("every valid entry vector opens with its signer's key, and only with it", async () => {
  assert.ok(valid.length >= 10, `only ${valid.length} valid vectors`);
  const all = await Promise.all(Object.values(keys).map(parseVerifierKey));
  for (const [file, , alias] of valid) {
    const note = readFileSync(join(entries, file), "utf8");
    const signer = await parseVerifierKey(keys[alias]);
    const opened = await openNote(note, [signer]);
    assert.deepEqual(opened.verifiedBy, [signer.name], file);
    assert.ok(opened.text.startsWith("testigo/v1 "), file);
    const others = all.filter((k) => k.name !== signer.name);
    await assert.rejects(openNote(note, others), /no trusted key/, `${file} opened without its signer`);
  }
});

test("a changed byte in the text is refused", async () => {
  const [file, , alias] = valid.find(([f]) => f.includes("sheet"));
  const note = readFileSync(join(entries, file), "utf8");
  const at = note.indexOf("\"table\"") + 2;
  const altered = note.slice(0, at) + (note[at] === "a" ? "b" : "a") + note.slice(at + 1);
  await assert.rejects(openNote(altered, [await parseVerifierKey(keys[alias])]), /altered/);
});

test("a verifier key whose ID does not match its key is refused", async () => {
  const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(keys.witness);
  const forged = `${name}+${id === "00000000" ? "11111111" : "00000000"}+${key}`;
  await assert.rejects(parseVerifierKey(forged), /key ID does not match/);
  await assert.rejects(parseVerifierKey("not a key"), /not a verifier key line/);
});
