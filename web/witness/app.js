// The witness's app: make a key on the phone, ask to be enrolled, then at
// the polling table photograph the tally sheet, type its counts, sign and
// send — or queue, when there is no signal, and send later. Every answer's
// receipt is checked here against the log's signed checkpoint. No
// third-party code; the signing key never leaves the device.

import * as store from "./store.js";
import { preparePhoto } from "./photo.js";
import { newSigner, signerFrom, signNote, sheetText, enrolRequestText, sha256Hex, toHex } from "../assets/js/sign.js";
import { parseVerifierKey, openNote } from "../assets/js/note.js";
import { decodeEntry } from "../assets/js/entries.js";
import { verifyReceipt } from "../assets/js/receipt.js";
import { encodeQr, qrSvg } from "../assets/js/qrcode.js";

const $ = (id) => document.getElementById(id);
const LANGS = ["es", "pt", "en"];
/** Retries back off from 2 s up to 5 minutes, or as the server's Retry-After says. */
const FIRST_RETRY_MS = 2000;
const LAST_RETRY_MS = 5 * 60 * 1000;
/** Refusals that will not change by sending the same bytes again soon. */
const RETRYABLE = new Set(["rate_limited", "overloaded", "unavailable", "internal", "request_timeout"]);

let messages = {};
let lang = "es";
let signer = null;
let election = null;
let keyStatus = null;
let delivering = false;
let correcting = null;
let photo = null;
let currentTable = null;

// --- words ------------------------------------------------------------------

/** The message `id` in the app's language, `{name}` replaced by `vars.name`. */
function t(id, vars = {}) {
  const text = messages[lang]?.[id] ?? messages.en?.[id] ?? id;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

function translatePage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("lang").value = lang;
  document.title = t("witness-title");
}

async function loadMessages() {
  try {
    const r = await fetch("messages.json");
    if (r.ok) messages = await r.json();
  } catch {
    // Offline on the very first visit: the ids show until messages arrive.
  }
  const saved = await store.get("lang");
  const wanted = [saved, ...navigator.languages.map((l) => l.slice(0, 2))];
  lang = wanted.find((l) => LANGS.includes(l)) ?? "es";
}

function notice(text) {
  const n = $("notice");
  n.textContent = text;
  n.hidden = !text;
}

// --- the server -------------------------------------------------------------

/** A request that failed to reach the server (no signal, server down). */
class Offline extends Error {}

async function api(path, options = {}) {
  let r;
  try {
    r = await fetch(path, { cache: "no-store", ...options });
  } catch (e) {
    throw new Offline(e.message);
  }
  const body = (r.headers.get("content-type") || "").includes("json") ? await r.json() : await r.text();
  return { status: r.status, ok: r.ok, body, retryAfter: Number(r.headers.get("retry-after")) || 0 };
}

function showNetwork(online) {
  const n = $("net");
  n.textContent = online ? t("witness-online") : t("witness-offline");
  n.dataset.online = online;
}

/** The election and the log's key, fetched when online and kept for offline use. */
async function loadElection() {
  try {
    const r = await api("/v1/election");
    if (r.ok) {
      const kept = await store.get("election");
      // The log key is pinned at first use: a server that later presents another key is refused.
      if (kept && kept.log.vkey !== r.body.log.vkey) {
        notice(t("witness-log-key-changed"));
        election = kept;
        return;
      }
      election = { election: r.body.election, log: { vkey: r.body.log.vkey } };
      await store.put("election", election);
      return;
    }
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
  }
  election = (await store.get("election")) ?? null;
}

// --- the key and its enrolment --------------------------------------------------

const keyPath = () => `/v1/keys/${encodeURIComponent(signer.name)}+${toHex(signer.id)}`;

function randomName() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `witness-${toHex(bytes)}`;
}

async function createKey(ev) {
  ev.preventDefault();
  const profile = { holder: $("holder").value.trim(), organisation: $("organisation").value.trim(), scope: $("scope").value.trim() };
  if (!profile.holder || !profile.organisation) return notice(t("witness-key-fill"));
  const s = await newSigner(randomName());
  await store.put("signer", { name: s.name, privateKey: s.privateKey, publicKey: s.publicKey });
  await store.put("profile", profile);
  await store.persist();
  signer = s;
  notice("");
  await renderKey();
}

async function requestNote() {
  const profile = await store.get("profile");
  const text = enrolRequestText({ key: signer.line, ...profile, requestedAt: Math.floor(Date.now() / 1000) });
  return signNote(text, signer);
}

async function sendRequest() {
  const note = (await store.get("request")) ?? (await requestNote());
  await store.put("request", note);
  try {
    const r = await api("/v1/enrolment-requests", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ request: note }),
    });
    if (r.ok) {
      await store.put("request-sent", Date.now());
      $("key-status").textContent = t("witness-request-sent");
    } else if (r.body?.error === "already_enrolled") {
      await refreshStatus();
    } else {
      $("key-status").textContent = t("witness-request-refused", { why: r.body?.message ?? r.status });
    }
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
    $("key-status").textContent = t("witness-request-offline");
  }
}

async function saveRequest() {
  const note = (await store.get("request")) ?? (await requestNote());
  await store.put("request", note);
  const a = Object.assign(document.createElement("a"), {
    href: URL.createObjectURL(new Blob([note], { type: "text/plain" })),
    download: `${signer.name}.request.note`,
  });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const day = (secs) => new Date(secs * 1000).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });

function describeStatus(s) {
  if (!s) return t("witness-status-unknown");
  if (s.pending) return t("witness-status-pending");
  if (s.revoked) return t("witness-status-revoked", { reason: s.revoked.reason, index: s.revoked.index });
  const now = s.now ?? Math.floor(Date.now() / 1000);
  if (now > s.valid_until) return t("witness-status-expired", { until: day(s.valid_until) });
  if (now < s.valid_from) return t("witness-status-not-yet", { from: day(s.valid_from) });
  return t("witness-status-enrolled", {
    role: t(`witness-role-${s.role}`),
    scope: s.scope ? `${s.scope_name ?? ""} (${s.scope})`.trim() : t("witness-scope-all"),
    from: day(s.valid_from),
    until: day(s.valid_until),
    index: s.index,
  });
}

/** Whether the key may sign sheets now, as far as the last status says. */
const canSign = (s) => s && !s.pending && !s.revoked && (s.role === "witness" || s.role === "party_agent");

/**
 * Checks the enrolment the server reports against the log itself: the
 * entry at its index, proven into a checkpoint the log key signed, must be
 * an `enrol` of this very key, signed by the election's operator, with the
 * role, scope and validity shown. Returns the proven tree size.
 */
async function proveEnrolment(s) {
  const bytes = new Uint8Array(await (await fetch(`/v1/entries/${s.index}`, { cache: "no-store" })).arrayBuffer());
  const receipt = await (await fetch(`/v1/receipts/${s.index}`, { cache: "no-store" })).text();
  const proved = await verifyReceipt(receipt, bytes, await parseVerifierKey(election.log.vkey), s.index);
  const entry = decodeEntry(bytes);
  const e = entry.value;
  if (entry.kind !== "enrol" || e.key !== signer.line) throw new Error(`log entry ${s.index} is not this key's enrolment`);
  await openNote(new TextDecoder().decode(bytes), [await parseVerifierKey(election.election.operator)]);
  const same = e.role === s.role && (e.scope ?? null) === (s.scope ?? null) && Number(e.valid_from) === s.valid_from && Number(e.valid_until) === s.valid_until;
  if (!same) throw new Error(`the server's account differs from log entry ${s.index}`);
  return proved.size;
}

async function refreshStatus() {
  try {
    const r = await api(keyPath());
    if (r.status === 200) {
      keyStatus = r.body;
      try {
        keyStatus.proven = await proveEnrolment(keyStatus);
      } catch (e) {
        keyStatus.unproven = e.message;
      }
    } else if (r.status === 404) keyStatus = { pending: true };
    await store.put("status", keyStatus);
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
  }
  const proof = keyStatus?.proven
    ? ` ${t("witness-status-proven", { size: keyStatus.proven })}`
    : keyStatus?.unproven
      ? ` ${t("witness-status-unproven", { why: keyStatus.unproven })}`
      : "";
  $("key-status").textContent = describeStatus(keyStatus) + proof;
  $("key-status").dataset.proven = Boolean(keyStatus?.proven);
  $("capture-section").hidden = !canSign(keyStatus);
  $("send-request").hidden = keyStatus && !keyStatus.pending;
  $("save-request").hidden = keyStatus && !keyStatus.pending;
  if (canSign(keyStatus)) renderContests();
}

async function renderKey() {
  const kept = await store.get("signer");
  if (!kept) {
    $("key-form").hidden = false;
    $("key-card").hidden = true;
    return;
  }
  signer ??= await signerFrom(kept.name, kept.privateKey, kept.publicKey);
  $("key-form").hidden = true;
  $("key-card").hidden = false;
  $("key-line").textContent = signer.line;
  $("key-qr").innerHTML = qrSvg(encodeQr(signer.line), { title: t("witness-key-qr") });
  keyStatus = (await store.get("status")) ?? null;
  await refreshStatus();
}

// --- the sheet form -----------------------------------------------------------

function contests() {
  return election?.election?.contests ?? [];
}

function renderContests() {
  const list = contests();
  const sel = $("contest");
  if (sel.options.length !== list.length) {
    sel.replaceChildren(...list.map((c) => new Option(c.name, c.id)));
  }
  $("contest-label").hidden = list.length < 2;
  renderCounts();
}

function contest() {
  return contests().find((c) => c.id === $("contest").value) ?? contests()[0];
}

function countInput(id, label, value) {
  const wrap = document.createElement("label");
  const span = Object.assign(document.createElement("span"), { textContent: label });
  const input = Object.assign(document.createElement("input"), {
    type: "number", min: "0", step: "1", inputMode: "numeric", value: value ?? "",
  });
  input.dataset.count = id;
  wrap.append(span, input);
  return wrap;
}

function renderCounts(prefill = {}) {
  const c = contest();
  if (!c) return;
  const fields = c.candidates.map((k) => countInput(`v:${k.id}`, k.name, prefill.votes?.[k.id]));
  fields.push(countInput("null", t("witness-null"), prefill.null));
  fields.push(countInput("blank", t("witness-blank"), prefill.blank));
  fields.push(countInput("voters", t("witness-voters"), prefill.voters));
  $("count-fields").replaceChildren(...fields);
  checkCounts();
}

/** The typed figures: `{ votes, null, blank, voters, empty }` (empty: candidates left blank). */
function typedCounts() {
  const out = { votes: {}, empty: [] };
  for (const input of document.querySelectorAll("[data-count]")) {
    const id = input.dataset.count;
    const raw = input.value.trim();
    const n = raw === "" ? undefined : Number(raw);
    if (id.startsWith("v:")) {
      if (n === undefined) out.empty.push(input.previousSibling.textContent);
      out.votes[id.slice(2)] = n ?? 0;
    } else {
      out[id] = n;
    }
  }
  return out;
}

/** Arithmetic checks shown before signing: warnings only, the witness signs what the paper says. */
function checkCounts() {
  const c = typedCounts();
  const warn = [];
  const bad = Object.entries(c.votes).filter(([, v]) => !Number.isSafeInteger(v) || v < 0);
  if (bad.length || [c.null, c.blank, c.voters].some((v) => v !== undefined && (!Number.isSafeInteger(v) || v < 0))) {
    warn.push(["block", t("witness-check-whole")]);
  }
  if (c.empty.length) warn.push(["warn", t("witness-check-empty", { names: c.empty.join(", ") })]);
  const sum = Object.values(c.votes).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) + (c.null ?? 0) + (c.blank ?? 0);
  if (c.voters !== undefined && sum !== c.voters) warn.push(["warn", t("witness-check-sum", { sum, voters: c.voters })]);
  const registered = currentTable?.registered;
  if (registered && c.voters !== undefined && c.voters > registered) {
    warn.push(["warn", t("witness-check-registered", { voters: c.voters, registered })]);
  }
  if (!photo) warn.push(["warn", t("witness-check-photo")]);
  $("checks").replaceChildren(
    ...warn.map(([kind, text]) => Object.assign(document.createElement("li"), { className: kind, textContent: text })),
  );
  return { counts: c, blocked: warn.some(([k]) => k === "block") };
}

/** Whether `path` (a table's units, from the server) lies within the key's scope. */
const inScope = (path) => !keyStatus?.scope || path.some((u) => u.id === keyStatus.scope);

let lookup = 0;
/** The table lookup in flight, if any: signing waits for it. */
let looking = null;
function findTable() {
  looking = lookUpTable();
  return looking;
}

async function lookUpTable() {
  const q = $("table-q").value.trim();
  const mine = ++lookup;
  currentTable = null;
  $("table-info").textContent = "";
  if (!q) return;
  try {
    const r = await api(`/v1/tables/${encodeURIComponent(q)}`);
    if (mine !== lookup) return;
    if (r.ok) {
      if (!inScope(r.body.path)) {
        $("table-info").textContent = t("witness-table-out-of-scope", { table: q, scope: keyStatus.scope });
        return;
      }
      currentTable = { id: q, registered: r.body.registered, path: r.body.path };
      // The path comes from the table's own unit up; shown from the top down.
      $("table-info").textContent = [...r.body.path].reverse().map((u) => u.name || u.id).join(" › ");
    } else if (r.status === 404) {
      $("table-info").textContent = t("witness-table-unknown", { table: q });
      await suggestTables(q);
    }
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
    // Offline: the table is checked when the sheet is delivered.
    currentTable = { id: q, offline: true };
    $("table-info").textContent = t("witness-table-offline");
  }
  checkCounts();
}

/** Tables whose id or place matches what was typed, within the key's scope. */
async function suggestTables(q) {
  try {
    const scope = keyStatus?.scope ? `&scope=${encodeURIComponent(keyStatus.scope)}` : "";
    const r = await api(`/v1/search?q=${encodeURIComponent(q)}${scope}`);
    if (!r.ok || !Array.isArray(r.body.tables)) return;
    $("table-options").replaceChildren(...r.body.tables.map((x) => new Option(x.path ?? "", x.id)));
  } catch {
    // Suggestions are a convenience.
  }
}

async function choosePhoto() {
  const file = $("photo").files[0];
  if (!file) return;
  $("photo-info").textContent = t("witness-photo-preparing");
  $("photo-preview").hidden = false;
  photo = await preparePhoto(file);
  photo.sha256 = await sha256Hex(await photo.blob.arrayBuffer());
  $("photo-img").src = URL.createObjectURL(photo.blob);
  $("photo-info").textContent = t("witness-photo-ready", {
    before: Math.round(photo.originalBytes / 1024),
    after: Math.round(photo.blob.size / 1024),
    width: photo.width,
    height: photo.height,
  });
  checkCounts();
}

async function sign(ev) {
  ev.preventDefault();
  // Typing the table and tapping "sign" at once: the lookup the field's change started must end first.
  if (looking) await looking;
  if (!correcting && !currentTable && $("table-q").value.trim()) await findTable();
  const { counts, blocked } = checkCounts();
  const table = currentTable?.id ?? $("table-q").value.trim();
  if (blocked || !table) return notice(blocked ? t("witness-check-whole") : t("witness-table-needed"));
  if (!correcting && !currentTable && navigator.onLine) return notice(t("witness-table-unknown", { table }));
  const c = contest();
  const source = keyStatus.role === "party_agent" ? "party_agent" : "witness";
  const text = sheetText({
    election: election.election.id, table, contest: c.id, source,
    votes: counts.votes, null: counts.null, blank: counts.blank, voters: counts.voters,
    photoSha256: photo?.sha256, supersedes: correcting?.index, signedAt: Math.floor(Date.now() / 1000),
  });
  const note = await signNote(text, signer);
  const signedAtMs = performance.now();
  await store.addSheet({
    note, photo: photo?.blob ?? null, table, contest: c.id, typed: counts, createdAt: Date.now(),
    state: "queued", attempts: 0, nextAttemptAt: 0, supersedes: correcting?.index ?? null, signedAtMs,
  });
  if (correcting) {
    const old = await store.getSheet(correcting.id);
    old.correctedBy = "pending";
    await store.saveSheet(old);
  }
  resetForm();
  notice(t("witness-queued"));
  await renderSheets();
  deliver();
}

function resetForm() {
  correcting = null;
  photo = null;
  currentTable = null;
  $("correcting").hidden = true;
  $("capture-form").reset();
  $("photo-preview").hidden = true;
  $("table-info").textContent = "";
  renderCounts();
}

// --- delivery -----------------------------------------------------------------

/** Sends every due sheet, one at a time and each at most once at a time. */
async function deliver() {
  if (delivering) return;
  delivering = true;
  try {
    for (const rec of await store.allSheets()) {
      if (rec.state !== "queued" || rec.nextAttemptAt > Date.now()) continue;
      const stop = await send(rec);
      if (stop) break;
    }
  } finally {
    delivering = false;
  }
  await renderSheets();
}

/** Sends one sheet; returns true when the server cannot be reached (stop for now). */
async function send(rec) {
  const form = new FormData();
  form.append("entry", new Blob([rec.note], { type: "text/plain" }));
  if (rec.photo) form.append("photo", rec.photo, "sheet.jpg");
  rec.attempts += 1;
  let r;
  try {
    r = await api("/v1/submissions", { method: "POST", body: form });
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
    rec.nextAttemptAt = Date.now() + backoff(rec.attempts);
    rec.lastError = { code: "offline" };
    await store.saveSheet(rec);
    showNetwork(false);
    return true;
  }
  showNetwork(true);
  if (r.status === 201) {
    await delivered(rec, r.body);
  } else if (r.body?.error === "duplicate_sheet" && (await sameAsLogged(rec))) {
    // An earlier attempt was logged but its answer was lost: the same bytes, the same sheet.
  } else if (RETRYABLE.has(r.body?.error) || r.status >= 500 || r.status === 429) {
    rec.nextAttemptAt = Date.now() + (r.retryAfter ? r.retryAfter * 1000 : backoff(rec.attempts));
    rec.lastError = { code: r.body?.error ?? String(r.status), message: r.body?.message };
    await store.saveSheet(rec);
  } else {
    // Refused: kept, with the reason, so nothing is lost; the witness may send it again later
    // (after the enrolment is approved, say) or sign a new one.
    rec.state = "refused";
    rec.lastError = { code: r.body?.error ?? String(r.status), message: r.body?.message ?? String(r.body) };
    await store.saveSheet(rec);
  }
  return false;
}

const backoff = (attempts) => Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts - 1, 10));

/** Records the server's answer and checks its receipt against the log key. */
async function delivered(rec, answer) {
  rec.state = "logged";
  rec.index = answer.index;
  rec.flags = answer.flags ?? [];
  rec.photoQr = answer.photo_qr ?? null;
  rec.receipt = answer.receipt;
  rec.lastError = null;
  await checkReceipt(rec);
  if (rec.signedAtMs !== undefined) rec.deliveredMs = Math.round(performance.now() - rec.signedAtMs);
  await store.saveSheet(rec);
  if (rec.supersedes !== null) {
    const old = (await store.allSheets()).find((s) => s.index === rec.supersedes);
    if (old) {
      old.correctedBy = rec.index;
      await store.saveSheet(old);
    }
  }
}

async function checkReceipt(rec) {
  try {
    const logKey = await parseVerifierKey(election.log.vkey);
    const proved = await verifyReceipt(rec.receipt, new TextEncoder().encode(rec.note), logKey, rec.index);
    rec.receiptCheck = { ok: true, size: proved.size };
  } catch (e) {
    rec.receiptCheck = { ok: false, why: e.message };
  }
}

/** After a `duplicate_sheet`: whether the logged sheet it names is this very entry. */
async function sameAsLogged(rec) {
  try {
    const table = await api(`/v1/tables/${encodeURIComponent(rec.table)}`);
    if (!table.ok) return false;
    // This key's current sheet for the table and contest: the one the server says is there.
    const mine = table.body.submissions.find((s) => s.signer.key === signer.line && s.contest === rec.contest && !s.superseded_by);
    if (!mine) return false;
    const r = await fetch(`/v1/entries/${mine.index}`);
    if (!r.ok || (await r.text()) !== rec.note) return false;
    const receipt = await api(mine.receipt);
    if (!receipt.ok) return false;
    await delivered(rec, { index: mine.index, flags: mine.flags, receipt: receipt.body });
    return true;
  } catch {
    return false;
  }
}

// --- my sheets ----------------------------------------------------------------

/** Refreshes what the log now says of each logged sheet: flags, corrections, conflicts. */
async function refreshSheets() {
  const recs = (await store.allSheets()).filter((r) => r.state === "logged");
  for (const table of new Set(recs.map((r) => r.table))) {
    let r;
    try {
      r = await api(`/v1/tables/${encodeURIComponent(table)}`);
    } catch {
      return;
    }
    if (!r.ok) continue;
    for (const rec of recs.filter((x) => x.table === table)) {
      const mine = r.body.submissions.find((s) => s.index === rec.index);
      if (!mine) continue;
      rec.flags = mine.flags;
      rec.correctedBy = mine.superseded_by ?? rec.correctedBy;
      const differs = (s) =>
        Object.entries(mine.votes).some(([k, v]) => s.votes[k] !== undefined && s.votes[k] !== v) ||
        (mine.null !== null && s.null !== null && s.null !== undefined && s.null !== mine.null);
      rec.conflicts = r.body.submissions
        .filter((s) => s.index !== rec.index && s.contest === mine.contest && !s.superseded_by && s.signer.key !== mine.signer.key)
        .filter(differs)
        .map((s) => s.index);
      await store.saveSheet(rec);
    }
  }
  await renderSheets();
}

function stateOf(rec) {
  if (rec.state !== "logged") return rec.state;
  if (typeof rec.correctedBy === "number") return "corrected";
  if (rec.conflicts?.length) return "conflict";
  if (rec.flags?.length) return "flagged";
  return "logged";
}

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

function countsTable(rec) {
  const c = contests().find((x) => x.id === rec.contest);
  const qr = rec.photoQr?.counts;
  if (!c || !qr) return null;
  // A candidate the code does not list has 0 votes in it (as in a sheet's `votes`).
  const rows = c.candidates.map((k) => [k.name, rec.typed.votes[k.id], qr.votes?.[k.id] ?? 0]);
  rows.push([t("witness-null"), rec.typed.null, qr.null], [t("witness-blank"), rec.typed.blank, qr.blank]);
  const head = el("tr", {}, el("th", { textContent: "" }), el("th", { textContent: t("witness-typed") }), el("th", { textContent: t("witness-photo-says") }));
  const body = rows.map(([name, typed, read]) =>
    el("tr", { className: typed !== read && read !== undefined ? "differs" : "" }, el("th", { textContent: name }), el("td", { textContent: typed ?? "–" }), el("td", { textContent: read ?? "–" })),
  );
  return el("table", { className: "compare" }, el("thead", {}, head), el("tbody", {}, ...body));
}

async function renderSheets() {
  const recs = (await store.allSheets()).reverse();
  $("sheets-empty").hidden = recs.length > 0;
  $("sheets").replaceChildren(
    ...recs.map((rec) => {
      const state = stateOf(rec);
      const li = el("li", { className: `sheet state-${state}` });
      li.dataset.state = state;
      li.dataset.id = rec.id;
      if (rec.index !== undefined) li.dataset.index = rec.index;
      const title = el("strong", { textContent: `${t("witness-table")} ${rec.table}` });
      const badge = el("span", { className: "pill", textContent: t(`witness-state-${state}`) });
      const lines = [el("p", {}, title, " ", badge)];
      if (rec.index !== undefined) lines.push(el("p", { className: "muted", textContent: t("witness-logged-at", { index: rec.index }) }));
      if (rec.receiptCheck) {
        lines.push(
          el("p", {
            className: rec.receiptCheck.ok ? "ok" : "bad",
            textContent: rec.receiptCheck.ok ? t("witness-receipt-ok", { size: rec.receiptCheck.size }) : t("witness-receipt-bad", { why: rec.receiptCheck.why }),
          }),
        );
        if (rec.receiptCheck.ok) li.dataset.receipt = "verified";
      }
      if (rec.lastError) {
        const why = messageFor(rec.lastError);
        lines.push(el("p", { className: rec.state === "refused" ? "bad" : "muted", textContent: why }));
        li.dataset.error = rec.lastError.code;
      }
      for (const f of rec.flags ?? []) lines.push(el("p", { className: "warn", textContent: t(`witness-flag-${f}`) }));
      if (rec.conflicts?.length) lines.push(el("p", { className: "warn", textContent: t("witness-conflict", { indexes: rec.conflicts.join(", ") }) }));
      // The side-by-side comparison needs what the photo's code says, which only the answer to the post carries.
      const compared = rec.flags?.includes("photo_qr_mismatch") ? countsTable(rec) : null;
      if (compared) lines.push(el("p", { textContent: t("witness-compare") }), compared);
      const actions = el("div", { className: "actions" });
      if (rec.state === "logged") {
        actions.append(el("button", { type: "button", textContent: t("witness-receipt-show"), onclick: () => showReceipt(rec) }));
        if (state !== "corrected" && rec.correctedBy !== "pending") {
          actions.append(el("button", { type: "button", className: "secondary", textContent: t("witness-correct"), onclick: () => startCorrection(rec) }));
        }
      }
      if (rec.state === "refused" || (rec.state === "queued" && rec.attempts > 0)) {
        actions.append(el("button", { type: "button", className: "secondary", textContent: t("witness-retry"), onclick: () => retry(rec.id) }));
      }
      li.append(...lines.filter(Boolean), actions);
      return li;
    }),
  );
}

function messageFor(err) {
  const known = ["offline", "unknown_key", "revoked_key", "expired_key", "out_of_scope", "wrong_role", "duplicate_sheet", "bad_signature", "unknown_table", "clock_skew", "rate_limited", "overloaded", "unavailable"];
  if (known.includes(err.code)) return t(`witness-error-${err.code}`);
  return t("witness-error-other", { code: err.code, message: err.message ?? "" });
}

async function retry(id) {
  const rec = await store.getSheet(id);
  rec.state = "queued";
  rec.nextAttemptAt = 0;
  await store.saveSheet(rec);
  await deliver();
}

function startCorrection(rec) {
  correcting = { id: rec.id, index: rec.index };
  $("correcting").hidden = false;
  $("correcting").textContent = t("witness-correcting", { index: rec.index, table: rec.table });
  $("table-q").value = rec.table;
  currentTable = { id: rec.table };
  $("contest").value = rec.contest;
  // Prefilled with what the photo's code says when it was read, else with what was typed.
  const qr = rec.photoQr?.counts;
  const c = contests().find((x) => x.id === rec.contest);
  const fromQr = qr && Object.fromEntries(c.candidates.map((k) => [k.id, qr.votes?.[k.id] ?? 0]));
  renderCounts(qr ? { votes: fromQr, null: qr.null ?? rec.typed.null, blank: qr.blank ?? rec.typed.blank, voters: rec.typed.voters } : rec.typed);
  if (rec.photo) {
    const sha256 = decodeEntry(new TextEncoder().encode(rec.note)).value.photo_sha256;
    photo = { blob: rec.photo, sha256, width: 0, height: 0, originalBytes: rec.photo.size };
    checkCounts();
  }
  $("capture-section").scrollIntoView();
}

function showReceipt(rec) {
  const url = new URL(`/v1/receipts/${rec.index}`, location.href).href;
  $("receipt-qr").innerHTML = qrSvg(encodeQr(url), { title: t("witness-receipt-qr") });
  $("receipt-text").textContent = rec.receiptCheck?.ok ? t("witness-receipt-ok", { size: rec.receiptCheck.size }) : url;
  $("receipt-dialog").showModal();
}

// --- start --------------------------------------------------------------------

async function start() {
  await loadMessages();
  translatePage();
  showNetwork(navigator.onLine);
  $("lang").addEventListener("change", async () => {
    lang = $("lang").value;
    await store.put("lang", lang);
    translatePage();
    await renderKey();
    await renderSheets();
  });
  $("key-form").addEventListener("submit", createKey);
  $("send-request").addEventListener("click", sendRequest);
  $("save-request").addEventListener("click", saveRequest);
  $("refresh-status").addEventListener("click", refreshStatus);
  $("capture-form").addEventListener("submit", sign);
  $("capture-form").addEventListener("input", (e) => e.target.dataset.count !== undefined && checkCounts());
  $("table-q").addEventListener("change", findTable);
  let typing = 0;
  $("table-q").addEventListener("input", () => {
    clearTimeout(typing);
    const q = $("table-q").value.trim();
    if (q.length >= 2) typing = setTimeout(() => suggestTables(q), 250);
  });
  $("contest").addEventListener("change", () => renderCounts());
  $("photo").addEventListener("change", choosePhoto);
  addEventListener("online", () => {
    showNetwork(true);
    deliver();
  });
  addEventListener("offline", () => showNetwork(false));
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
  await loadElection();
  await renderKey();
  await renderSheets();
  document.documentElement.dataset.state = "ready";
  await deliver();
  await refreshSheets();
  // Due retries, and what the log says of sent sheets, checked now and then.
  setInterval(deliver, 3000);
  setInterval(refreshSheets, 30_000);
}

start().catch((e) => {
  notice(e.message);
  document.documentElement.dataset.state = "failed";
});
