// Offline receipts (c2sp.org/tlog-proof@v1): an entry's index, its
// inclusion proof and the checkpoint it leads to, signed by the log. Checked
// here as `testigo verify-receipt` checks them: whoever holds the receipt
// and the entry can prove the log committed to it, with no server.

import { leafHash, verifyInclusion } from "./merkle.js";
import { verifyCheckpoint } from "./verify.js";

const HEADER = "c2sp.org/tlog-proof@v1";

function fromBase64(text, what) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error(`${what} is not base64`);
  return Uint8Array.from(globalThis.atob(text), (c) => c.charCodeAt(0));
}

/**
 * Parses receipt text strictly: `{ index, proof: [Uint8Array(32)…],
 * checkpoint: note text, extra: Uint8Array | null }`.
 */
export function parseReceipt(text) {
  const at = text.indexOf("\n\n");
  if (at < 0) throw new Error("malformed receipt: no blank line before the checkpoint");
  const lines = text.slice(0, at).split("\n");
  if (lines.shift() !== HEADER) throw new Error(`malformed receipt: the first line must be ${HEADER}`);
  let extra = null;
  if (lines[0]?.startsWith("extra ")) extra = fromBase64(lines.shift().slice(6), "the receipt's extra data");
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines.shift() ?? "");
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new Error("malformed receipt: no index line");
  const proof = lines.map((l) => {
    const h = fromBase64(l, "a proof hash");
    if (h.length !== 32) throw new Error("malformed receipt: a proof hash is not 32 bytes");
    return h;
  });
  return { index: Number(m[1]), proof, checkpoint: text.slice(at + 2), extra };
}

/**
 * Verifies that receipt `text` proves `entry` (its bytes) is in the log whose
 * key is `logKey` (from `parseVerifierKey`), optionally at log index
 * `index`: the checkpoint must carry the log's signature and the proof must
 * lead from the entry to its root. Returns `{ index, size, root, origin }`;
 * throws, saying what failed, otherwise.
 */
export async function verifyReceipt(text, entry, logKey, index) {
  const r = parseReceipt(text);
  if (index !== undefined && r.index !== index) throw new Error(`the receipt is for entry ${r.index}, not ${index}`);
  const cp = await verifyCheckpoint(r.checkpoint, logKey);
  await verifyInclusion(r.index, cp.size, await leafHash(entry), r.proof, cp.root);
  return { index: r.index, size: cp.size, root: cp.root, origin: cp.origin };
}
