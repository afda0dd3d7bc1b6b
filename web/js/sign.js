// Signing on the witness's own device: an Ed25519 key made and kept by
// WebCrypto (the private half is not extractable, so no script can read
// it out), the verifier key line others check it with, and testigo/v1
// sheets and enrolment requests signed exactly as ENTRIES.md says: the same
// canonical encoder the entry decoder re-encodes with, so what is signed
// here is what `testigo verify` accepts.

import { encodeEntryText, encodeDocumentText } from "./entries.js";
import { sha256 } from "./merkle.js";

const utf8 = new TextEncoder();
/** Ed25519 as WebCrypto names it. */
const ED25519 = { name: "Ed25519" };

const toBase64 = (bytes) => globalThis.btoa(String.fromCharCode(...bytes));
/** `bytes` as lower-case hex digits. */
export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Whether `name` can name a key (signed-note: non-empty, no whitespace, no "+"). */
export function validKeyName(name) {
  return typeof name === "string" && name.length > 0 && !/[\s+]/u.test(name);
}

/**
 * A signing key from its parts: `privateKey` (a WebCrypto CryptoKey) and the
 * 32-byte raw public key. Returns `{ name, privateKey, publicKey, id, line }`
 * where `id` is the 4-byte key ID and `line` the verifier key line
 * `name+hex8+base64(0x01 ‖ key)`.
 */
export async function signerFrom(name, privateKey, publicKey) {
  if (!validKeyName(name)) throw new Error(`${JSON.stringify(name)} cannot name a key: no spaces and no "+"`);
  const typeAndKey = new Uint8Array([0x01, ...publicKey]);
  const id = (await sha256(new Uint8Array([...utf8.encode(name), 0x0a, ...typeAndKey]))).slice(0, 4);
  return { name, privateKey, publicKey, id, line: `${name}+${toHex(id)}+${toBase64(typeAndKey)}` };
}

/**
 * A new key named `name`, made on this device. Its private half cannot be
 * exported (`extractable: false`): it can be stored in IndexedDB and used
 * to sign, never read.
 */
export async function newSigner(name) {
  const pair = await globalThis.crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
  const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey("raw", pair.publicKey));
  return signerFrom(name, pair.privateKey, raw);
}

/**
 * A signer from a 32-byte Ed25519 seed (RFC 8032 private key). For tests
 * and the test vectors: a witness's key is made by `newSigner`.
 */
export async function signerFromSeed(name, seed) {
  // PKCS #8 for Ed25519 (RFC 8410): a fixed 16-byte prefix, then the seed.
  const prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
  const pkcs8 = new Uint8Array([...prefix, ...seed]);
  const privateKey = await globalThis.crypto.subtle.importKey("pkcs8", pkcs8, ED25519, true, ["sign"]);
  // The public key is the "x" of the private key's JWK.
  const jwk = await globalThis.crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = Uint8Array.from(globalThis.atob(jwk.x.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return signerFrom(name, privateKey, publicKey);
}

/**
 * The signed note: `text` (ending in a newline), a blank line and the one
 * signature line `— name base64(keyid ‖ signature)` (ENTRIES.md §2).
 */
export async function signNote(text, signer) {
  if (!text.endsWith("\n")) throw new Error("a note's text ends in a newline");
  const sig = new Uint8Array(await globalThis.crypto.subtle.sign(ED25519, signer.privateKey, utf8.encode(text)));
  return `${text}\n\u2014 ${signer.name} ${toBase64(new Uint8Array([...signer.id, ...sig]))}\n`;
}

/** A plain object or a Map of candidate id → count, as the encoder's Map of BigInts. */
function votesMap(votes) {
  const entries = votes instanceof Map ? [...votes] : Object.entries(votes);
  return new Map(entries.map(([k, v]) => [k, BigInt(v)]));
}

/**
 * The text of a sheet entry (ENTRIES.md §4.5) from the form's figures:
 * `{ election, table, contest, source, votes, valid?, null?, blank?, voters?,
 * registered?, photoSha256?, qr?, supersedes?, signedAt }`. A figure left
 * `undefined` or `null` is not reported and is left out; counts may be
 * numbers or BigInts.
 */
export function sheetText(s) {
  const value = {
    election: s.election,
    table: s.table,
    contest: s.contest,
    source: s.source,
    votes: votesMap(s.votes),
  };
  for (const [field, from] of [["valid", "valid"], ["null", "null"], ["blank", "blank"], ["voters", "voters"], ["registered", "registered"]]) {
    if (s[from] !== undefined && s[from] !== null && s[from] !== "") value[field] = BigInt(s[from]);
  }
  if (s.photoSha256) value.photo_sha256 = s.photoSha256;
  if (s.qr) value.qr = s.qr;
  if (s.supersedes !== undefined && s.supersedes !== null) value.supersedes = BigInt(s.supersedes);
  value.signed_at = BigInt(s.signedAt);
  return encodeEntryText("sheet", value);
}

/**
 * The text of an enrolment request (ENTRIES.md §6): the key asks to be
 * enrolled, and signing it proves the asker holds the key.
 */
export function enrolRequestText({ key, holder, organisation, scope, requestedAt }) {
  const value = { key, holder, organisation };
  if (scope) value.scope = scope;
  value.requested_at = BigInt(requestedAt);
  return encodeDocumentText("enrol_request", value);
}

/** SHA-256 of `bytes` (an ArrayBuffer or typed array) as 64 lower-case hex digits. */
export async function sha256Hex(bytes) {
  return toHex(await sha256(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
}
