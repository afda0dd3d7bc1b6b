// The browser's entry decoder against every vector of ENTRIES.md
// (testdata/entries/index.txt): each valid entry decodes and its signature
// holds; each invalid one is refused by the step the index names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

// Node before 19 keeps WebCrypto off the global object; browsers have it there.
globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const { decodeEntry } = await import("../js/entries.js");
const { parseVerifierKey, openNote } = await import("../js/note.js");

const entries = join(dirname(fileURLToPath(import.meta.url)), "../../testdata/entries");
const lines = (f) => readFileSync(join(entries, f), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
const keys = Object.fromEntries(lines("keys.txt").map((l) => l.split(" ")).map(([alias, , vkey]) => [alias, vkey]));
const vectors = lines("index.txt").map((l) => {
  const [file, outcome, alias, ...what] = l.split(" ");
  return { file, outcome, alias, what: what.join(" ") };
});

test("every vector: valid ones decode and verify, invalid ones are refused at the step named", async () => {
  assert.ok(vectors.length >= 60, `only ${vectors.length} vectors`);
  for (const v of vectors) {
    const bytes = new Uint8Array(readFileSync(join(entries, v.file)));
    const label = `${v.file} (${v.what})`;
    const step = v.outcome.replace(/^refuse-/, "");
    if (v.outcome === "valid" || v.outcome === "refuse-signature") {
      const decoded = decodeEntry(bytes);
      const key = await parseVerifierKey(keys[v.alias]);
      const note = new TextDecoder().decode(bytes);
      if (v.outcome === "valid") {
        assert.deepEqual((await openNote(note, [key])).verifiedBy, [key.name], label);
        assert.equal(decoded.text, note.slice(0, decoded.text.length), label);
      } else {
        await assert.rejects(openNote(note, [key]), label);
      }
      continue;
    }
    assert.throws(() => decodeEntry(bytes), (e) => e.code === step || assert.fail(`${label}: refused at ${e.code}, not ${step}: ${e.message}`), label);
  }
});

test("a decoded sheet carries its values, integers exact", () => {
  const sheet = decodeEntry(new Uint8Array(readFileSync(join(entries, "valid/sheet.note"))));
  assert.equal(sheet.kind, "sheet");
  assert.equal(typeof sheet.value.null, "bigint");
  assert.ok(sheet.value.votes instanceof Map && sheet.value.votes.size > 0);
  assert.ok(sheet.text.startsWith("testigo/v1 sheet\n{"));
});
