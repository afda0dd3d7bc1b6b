// C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures, checked
// with WebCrypto: the checkpoint's signature by the log key, and a sheet's by
// its signer. Only keys the reader was given are trusted; other signatures
// on a note are ignored, as the spec says.

import { sha256, equalBytes } from "./merkle.js";

const utf8 = new TextEncoder();

function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error(`${JSON.stringify(text)} is not base64`);
  const bin = globalThis.atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Key ID: the first 4 bytes of SHA-256(name || "\n" || type || key). */
async function keyId(name, typeAndKey) {
  const bytes = new Uint8Array([...utf8.encode(name), 0x0a, ...typeAndKey]);
  return (await sha256(bytes)).slice(0, 4);
}

/**
 * Parses a verifier key line `name+hex8+base64` (type 0x01, Ed25519) and
 * checks that its key ID is the one its key and name give.
 */
export async function parseVerifierKey(line) {
  // name+hex8+base64: the name has no "+", the base64 may.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(line.trim());
  if (!m) throw new Error(`${JSON.stringify(line)} is not a verifier key line (name+hex8+base64)`);
  const [, name, hex, b64] = m;
  const typeAndKey = fromBase64(b64);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new Error(`key ID ${JSON.stringify(hex)} is not 8 hex digits`);
  // 0x01: Ed25519 note signatures; 0x04: tlog-cosignature/v1 (a cosigner's timestamped signature).
  if (typeAndKey.length !== 33 || (typeAndKey[0] !== 0x01 && typeAndKey[0] !== 0x04)) {
    throw new Error(`key ${name} is neither an Ed25519 (type 0x01) nor a cosignature (type 0x04) key`);
  }
  const id = await keyId(name, typeAndKey);
  const claimed = Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
  if (!equalBytes(id, claimed)) throw new Error(`key ${name}: its key ID does not match its key`);
  const key = await globalThis.crypto.subtle.importKey("raw", typeAndKey.slice(1), { name: "Ed25519" }, false, ["verify"]);
  return { name, id, key, line: line.trim(), cosigner: typeAndKey[0] === 0x04 };
}

/** Splits a signed note into its text (ending in a newline) and signature lines. */
export function splitNote(note) {
  const at = note.lastIndexOf("\n\n");
  if (at < 0) throw new Error("not a signed note: no blank line before the signatures");
  const text = note.slice(0, at + 1);
  const lines = note.slice(at + 2).split("\n");
  if (lines.pop() !== "") throw new Error("not a signed note: the last signature line does not end in a newline");
  const signatures = lines.map((l) => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(l);
    if (!m) throw new Error(`not a signature line: ${JSON.stringify(l)}`);
    const raw = fromBase64(m[2]);
    if (raw.length < 5) throw new Error(`signature by ${m[1]} is too short`);
    return { name: m[1], id: raw.slice(0, 4), signature: raw.slice(4) };
  });
  if (signatures.length === 0) throw new Error("not a signed note: no signature");
  return { text, signatures };
}

/**
 * Opens `note` (a string) with the trusted `verifiers` (from
 * `parseVerifierKey`): returns its text, the names of the verifiers whose
 * signature holds, and for cosigners the time they cosigned. Throws if a trusted key's signature line is present but
 * does not verify, or if no trusted key signed.
 */
export async function openNote(note, verifiers) {
  const { text, signatures } = splitNote(note);
  const bytes = utf8.encode(text);
  const verifiedBy = [];
  const cosignedAt = {};
  for (const v of verifiers) {
    for (const s of signatures) {
      if (s.name !== v.name || !equalBytes(s.id, v.id)) continue;
      let [message, signature] = [bytes, s.signature];
      if (v.cosigner) {
        // c2sp.org/tlog-cosignature: 8-byte big-endian time, then the signature over
        // "cosignature/v1\ntime <time>\n" followed by the note text.
        if (signature.length !== 72) throw new Error(`the cosignature by ${v.name} is not 72 bytes`);
        const time = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
        message = utf8.encode(`cosignature/v1\ntime ${time}\n${text}`);
        signature = signature.slice(8);
        cosignedAt[v.name] = time;
      }
      const ok = await globalThis.crypto.subtle.verify({ name: "Ed25519" }, v.key, signature, message);
      if (!ok) throw new Error(`the signature by ${v.name} does not verify: the note was altered`);
      verifiedBy.push(v.name);
    }
  }
  if (verifiedBy.length === 0) throw new Error("no trusted key signed this note");
  return { text, verifiedBy, cosignedAt };
}
