// What a table page checks, in the reader's browser, trusting only the keys
// printed on the page: the checkpoint (the log's signature and enough
// cosigners), each sheet's inclusion in it from the tiles, each sheet's own
// signature by the key its enrolment names, that enrolment's inclusion, and
// consistency with the newest checkpoint this browser verified before.

import { leafHash, verifyInclusion, verifyConsistency } from "./merkle.js";
import { parseVerifierKey, openNote } from "./note.js";
import { decodeEntry } from "./entries.js";
import { TileLog, parseCheckpoint } from "./tiles.js";

/**
 * Opens a checkpoint note with the log key and requires `quorum` of the
 * trusted `cosigners` to have cosigned it. Returns its size, root and who
 * cosigned it when.
 */
export async function verifyCheckpoint(note, logKey, cosigners = [], quorum = cosigners.length) {
  const opened = await openNote(note, [logKey, ...cosigners]);
  if (!opened.verifiedBy.includes(logKey.name)) throw new Error("the checkpoint is not signed by the log key");
  const cosignedBy = cosigners.filter((c) => opened.verifiedBy.includes(c.name)).map((c) => c.name);
  if (cosignedBy.length < quorum) {
    throw new Error(
      `only ${cosignedBy.length} of the required ${quorum} cosignatures (cosigners sign a few seconds after each checkpoint: reload in a few seconds)`,
    );
  }
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== logKey.name) throw new Error(`the checkpoint is for ${checkpoint.origin}, not ${logKey.name}`);
  return { ...checkpoint, cosignedBy, cosignedAt: opened.cosignedAt };
}

/**
 * Proves entry `index` into `checkpoint` and decodes it. Its bytes come from
 * the entry bundle in the tiles, or are given (`bytes`, fetched on their
 * own): either way the leaf hash must lead to the root through the hash tiles.
 */
export async function provenEntry(log, checkpoint, index, bytes) {
  bytes ??= await log.entry(index);
  log.touched = new Set();
  try {
    await verifyInclusion(index, checkpoint.size, await leafHash(bytes), await log.inclusionProof(index), checkpoint.root);
  } catch (e) {
    // Name what the failed proof was computed from: the entry's bundle and the hash tiles.
    const read = [...log.touched].join(", ");
    throw new Error(`entry ${index}: ${e.message} (entry bundle ${log.bundlePath(index)}${read ? `; hash tiles ${read}` : ""})`);
  }
  const entry = decodeEntry(bytes);
  return { index, bytes, note: new TextDecoder().decode(bytes), ...entry };
}

/**
 * Checks a sheet at `index` end to end: its inclusion, its enrolment at
 * `enrolIndex` (included too, an `enrol` entry signed by the log's
 * operator; its bytes may be given as `enrolBytes`), and the sheet's
 * signature by the enrolled key.
 */
export async function verifySheet(log, checkpoint, index, enrolIndex, operatorKey, enrolBytes) {
  const sheet = await provenEntry(log, checkpoint, index);
  if (sheet.kind !== "sheet") throw new Error(`entry ${index} is a ${sheet.kind}, not a sheet`);
  const enrol = await provenEntry(log, checkpoint, enrolIndex, enrolBytes);
  if (enrol.kind !== "enrol") throw new Error(`entry ${enrolIndex} is a ${enrol.kind}, not an enrolment`);
  if (enrolIndex >= index) throw new Error(`the enrolment (${enrolIndex}) comes after the sheet (${index})`);
  await openNote(enrol.note, [operatorKey]).catch((e) => {
    throw new Error(`enrolment ${enrolIndex}: ${e.message}`);
  });
  const signer = await parseVerifierKey(enrol.value.key);
  await openNote(sheet.note, [signer]).catch((e) => {
    throw new Error(`sheet ${index}: ${e.message}`);
  });
  return { sheet, enrol, signer: signer.name };
}

/**
 * Checks that `checkpoint` extends `remembered` ({size, root} verified
 * earlier). Refuses an older checkpoint (a rollback) and a fork.
 */
export async function verifyExtends(log, remembered, checkpoint) {
  if (!remembered) return;
  if (checkpoint.size < remembered.size) {
    throw new Error(`rollback: this copy shows size ${checkpoint.size}, but size ${remembered.size} was verified before`);
  }
  if (remembered.size === 0) return;
  const proof = checkpoint.size === remembered.size ? [] : await log.consistencyProof(remembered.size);
  await verifyConsistency(remembered.size, checkpoint.size, remembered.root, checkpoint.root, proof).catch((e) => {
    throw new Error(`fork: the log does not extend the checkpoint verified before (${e.message})`);
  });
}

export { TileLog, parseVerifierKey };
