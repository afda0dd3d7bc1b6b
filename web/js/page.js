// The table page's verification, run in the reader's browser. It trusts only
// the keys printed on the page (the log key and the cosigners'), fetches the
// checkpoint and the tiles it needs from the same copy of the log that served
// the page, and checks every sheet shown: inclusion, its signature by the key
// its enrolment names, the enrolment's inclusion and operator signature (the
// operator key read from the proven election entry 0), and each photo's
// SHA-256. It remembers the newest checkpoint verified (localStorage) and
// refuses a copy that rolls back or forks from it.
//
// The verdict is exposed for automation as <html data-verify="pending" |
// "verified" | "failed">. The words come from the page (its language's
// catalog), never from here.

import { verifyCheckpoint, verifyExtends, verifySheet, provenEntry, TileLog, parseVerifierKey } from "./verify.js";
import { sha256, equalBytes } from "./merkle.js";
import { openNote } from "./note.js";

const html = document.documentElement;
const config = JSON.parse(document.getElementById("verify-config").textContent);
const status = document.getElementById("verify-status");
const steps = document.getElementById("verify-steps");
const text = config.text;
const storageKey = (logKey) => `testigo:checkpoint:${logKey}`;

function step(message, ok = true) {
  const li = document.createElement("li");
  li.textContent = `${ok ? "✓" : "✗"} ${message}`;
  steps.append(li);
}

// Tiles, bundles and entries never change at a given path (a partial tile's
// path names its width), so the browser's cache may keep them; only the
// checkpoint must be fetched fresh.
async function fetchBytes(url, cache = "default") {
  const response = await fetch(url, { cache });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(s) {
  return Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
}

function b64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

// Reads the checkpoint; a server may have logged a sheet shown here a moment
// before publishing the checkpoint that covers it, so wait briefly for it.
async function currentCheckpoint(logKey, cosigners) {
  const wanted = Math.max(0, ...config.sheets.map((s) => s.index + 1));
  for (let attempt = 0; ; attempt++) {
    const note = new TextDecoder().decode(await fetchBytes(`${config.log}checkpoint`, "no-store"));
    const checkpoint = await verifyCheckpoint(note, logKey, cosigners, config.quorum);
    if (checkpoint.size >= wanted || attempt >= 5) return checkpoint;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// The page must show what the signed sheet says: every count cell of sheet
// `index` (data-k: a candidate id, "null" or "blank"; data-n: the count)
// against the verified entry, and the cell's digits against data-n.
function checkShown(index, value) {
  for (const cell of document.querySelectorAll(`td[data-s="${index}"]`)) {
    const k = cell.dataset.k;
    // A figure the sheet does not report is shown as an empty cell.
    const unreported = (value.not_reported ?? []).includes(k);
    const signed = k === "null" ? value.null : k === "blank" ? value.blank : unreported ? undefined : (value.votes.get(k) ?? 0n);
    const shown = cell.dataset.n;
    const digits = cell.firstChild ? cell.firstChild.textContent.replace(/\D/g, "") : "";
    if (signed === undefined ? shown !== "" : String(signed) !== shown || digits !== shown) {
      throw new Error(`sheet ${index}: the page shows ${k} = ${digits || shown || "–"}, the signed sheet says ${signed ?? "nothing"}`);
    }
  }
}

async function run() {
  const started = performance.now();
  html.dataset.verify = "pending";
  const logKey = await parseVerifierKey(config.logKey);
  const cosigners = await Promise.all(config.cosigners.map(parseVerifierKey));
  const checkpoint = await currentCheckpoint(logKey, cosigners).catch((e) => {
    throw new Error(`checkpoint: ${e.message}`);
  });
  step(`${text.checkpoint} (${checkpoint.size}${checkpoint.cosignedBy.length ? `; ${checkpoint.cosignedBy.join(", ")}` : ""})`);

  const log = new TileLog((path) => fetchBytes(`${config.log}${path}`), checkpoint.size);
  let remembered = null;
  try {
    remembered = JSON.parse(localStorage.getItem(storageKey(config.logKey)) || "null");
  } catch {
    remembered = null;
  }
  if (remembered) {
    const root = Uint8Array.from(atob(remembered.root), (c) => c.charCodeAt(0));
    await verifyExtends(log, { size: remembered.size, root }, checkpoint).catch((e) => {
      throw new Error(`checkpoint: ${e.message}`);
    });
    step(`${text.consistent} (${remembered.size} → ${checkpoint.size})`);
  } else {
    step(text.first);
  }

  // The election and the enrolments, fetched one by one (a few hundred bytes)
  // rather than in their entry bundle (megabytes of geography), and proven
  // with the hash tiles all the same.
  const entry = (i) => fetchBytes(`${config.log}v1/entries/${i}`);
  const election = await provenEntry(log, checkpoint, 0, await entry(0));
  if (election.kind !== "election") throw new Error(`entry 0 is a ${election.kind}, not the election`);
  const operatorKey = await parseVerifierKey(election.value.operator);
  await openNote(election.note, [operatorKey]).catch((e) => {
    throw new Error(`entry 0 (the election): ${e.message}`);
  });

  for (const s of config.sheets) {
    const { sheet } = await verifySheet(log, checkpoint, s.index, s.enrol, operatorKey, await entry(s.enrol));
    checkShown(s.index, sheet.value);
    step(`${text.sheet} ${s.index}`);
    const qr = sheet.value.qr;
    const pre = document.querySelector(`pre[data-qr-for="${s.index}"]`);
    if (qr !== undefined && pre) {
      pre.textContent = `${text.qr}\n${qr}`;
      pre.hidden = false;
    }
    // Where an imported sheet comes from, as signed: the data set, its line,
    // and the row's own reference (a link only for http(s) addresses).
    const dataset = sheet.value.dataset;
    const where = document.querySelector(`p[data-dataset-for="${s.index}"]`);
    if (dataset && where) {
      where.textContent = `${text.dataset} ${dataset.name}, ${text.line} ${dataset.row}`;
      if (dataset.reference !== undefined) {
        where.append(" · ");
        if (/^https?:\/\//.test(dataset.reference)) {
          const a = document.createElement("a");
          a.href = dataset.reference;
          a.rel = "noopener noreferrer";
          a.textContent = dataset.reference;
          where.append(a);
        } else {
          where.append(dataset.reference);
        }
      }
      where.hidden = false;
    }
    const logged = sheet.value.photo_sha256;
    if (s.photo && logged !== s.photo) throw new Error(`sheet ${s.index}: the page shows photo ${s.photo}, the log names ${logged}`);
    if (logged && document.querySelector(`img[src$="${logged}"]`)) {
      const bytes = await fetchBytes(`${config.log}blob/sha256/${logged}`);
      if (!equalBytes(await sha256(bytes), fromHex(logged))) {
        throw new Error(`photo blob/sha256/${logged}: its SHA-256 is ${hex(await sha256(bytes))}`);
      }
      step(`${text.photo} ${s.index}`);
    }
  }

  if (!remembered || checkpoint.size >= remembered.size) {
    localStorage.setItem(storageKey(config.logKey), JSON.stringify({ size: checkpoint.size, root: b64(checkpoint.root) }));
  }
  const ms = Math.round(performance.now() - started);
  html.dataset.verifyMs = String(ms);
  status.textContent = text.verified;
  html.dataset.verify = "verified";
}

run().catch((e) => {
  status.textContent = `${text.failed}: ${e.message}`;
  step(e.message, false);
  html.dataset.verify = "failed";
});
