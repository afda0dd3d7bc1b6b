// Decoding `testigo/v1` log entries exactly as ENTRIES.md specifies: a
// decoder refuses every entry that is not the canonical encoding of some
// value, so the browser accepts exactly what `testigo verify` accepts. The
// error's `code` names the step that refused it: `size`, `note`, `header`
// or `json` (the vectors in testdata/entries/index.txt say which).

const MAX_ENTRY = 65535;
const FORMAT = "testigo/v1";

class EntryError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const refuse = (code, message) => {
  throw new EntryError(code, message);
};

// --- §3.3 strings, §3.2 integers -------------------------------------------

const SHORT_ESCAPES = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

function encodeString(s) {
  let out = '"';
  for (const ch of s) {
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (ch.codePointAt(0) < 0x20) out += `\\u00${ch.codePointAt(0).toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

// --- a strict JSON reader: integers stay exact (BigInt), duplicates refused --

function parseJson(text) {
  let i = 0;
  const fail = (why) => refuse("json", `${why} at byte ${i}`);
  const value = () => {
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    if (text.startsWith("null", i)) fail("null is never a value");
    if (text.startsWith("true", i) || text.startsWith("false", i)) fail("booleans are never values");
    return fail("expected a value");
  };
  const object = () => {
    i++;
    const fields = new Map();
    if (text[i] === "}") {
      i++;
      return { object: fields };
    }
    for (;;) {
      if (text[i] !== '"') fail("expected a field name");
      const name = string();
      if (text[i++] !== ":") fail("expected ':'");
      if (fields.has(name)) fail(`field ${JSON.stringify(name)} twice`);
      fields.set(name, value());
      const c = text[i++];
      if (c === "}") return { object: fields };
      if (c !== ",") fail("expected ',' or '}'");
    }
  };
  const array = () => {
    i++;
    const items = [];
    if (text[i] === "]") {
      i++;
      return items;
    }
    for (;;) {
      items.push(value());
      const c = text[i++];
      if (c === "]") return items;
      if (c !== ",") fail("expected ',' or ']'");
    }
  };
  const string = () => {
    i++;
    let out = "";
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail("unterminated string");
      if (c === '"') return { string: out };
      if (c < " ") fail("raw control character in a string");
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
      if (simple !== undefined) out += simple;
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail("bad escape");
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) fail("bad number");
    i += m[0].length;
    if (m[0].startsWith("-") || m[2] || m[3]) fail(`${m[0]} is not a non-negative integer`);
    return BigInt(m[0]);
  };
  const v = value();
  if (i !== text.length) fail("text after the JSON value");
  return v;
}

// --- §4 schemas: fields in canonical order ----------------------------------

const U64 = { int: 2n ** 64n - 1n };
const U32 = { int: 2n ** 32n - 1n };
const STR = { str: true };
const list = (of, omitIfEmpty = false) => ({ list: of, omitIfEmpty });
const enumOf = (...words) => ({ str: true, words });
const MAP_U64 = { map: U64 };
const req = (name, type) => ({ name, type, required: true });
const opt = (name, type) => ({ name, type, required: false });
const record = (...fields) => ({ record: fields });

const CARD = record(req("id", STR), req("name", STR));
const CANDIDATE = record(req("id", STR), req("name", STR), opt("cards", list(CARD, true)));
const CONTEST = record(req("id", STR), req("name", STR), req("candidates", list(CANDIDATE)));
const UNIT = record(req("id", STR), opt("parent", STR), req("level", U32), req("name", STR));
const TABLE = record(req("id", STR), req("unit", STR), opt("registered", U64));
const DATASET = record(req("name", STR), req("sha256", STR), req("row", U64), opt("reference", STR));
const DECLARED = record(req("unit", STR), opt("tables", U64), opt("registered", U64), req("source", STR));
const COUNT = record(req("candidates", list(STR)), req("votes", U64), opt("percent", STR));
const TRUSTED_KEY = record(req("region", STR), req("phase", STR), req("version", STR), req("ed25519", STR), opt("pin", STR));

/** The schema of each entry kind (ENTRIES.md §4). */
export const SCHEMAS = {
  election: record(
    req("id", STR), req("name", STR), req("date", STR), req("levels", list(STR)), req("contests", list(CONTEST)),
    opt("total_tables", U64), opt("registry", U64), req("max_table_voters", U64), req("operator", STR),
  ),
  geography: record(opt("units", list(UNIT, true)), opt("tables", list(TABLE, true)), opt("declared", list(DECLARED, true))),
  enrol: record(
    req("key", STR), req("role", enumOf("witness", "party_agent", "importer", "publisher", "observer", "auditor")),
    req("holder", STR), req("organisation", STR), opt("scope", STR), req("valid_from", U64), req("valid_until", U64),
  ),
  revoke: record(req("key", STR), req("reason", STR)),
  sheet: record(
    req("election", STR), req("table", STR), req("contest", STR),
    req("source", enumOf("witness", "party_agent", "official", "bulk_import")), req("votes", MAP_U64),
    opt("not_reported", list(STR, true)), opt("valid", U64), opt("null", U64), opt("blank", U64), opt("voters", U64),
    opt("registered", U64),
    opt("photo_sha256", STR), opt("qr", STR), opt("dataset", DATASET), opt("supersedes", U64), req("signed_at", U64),
  ),
  bulletin: record(
    req("contest", STR), req("label", STR), req("source", STR), opt("date", STR), opt("unit", STR),
    req("counts", list(COUNT)), opt("valid", U64), opt("null", U64), opt("voters", U64), opt("registry", U64),
    opt("tables_counted_percent", STR), req("signed_at", U64),
  ),
  reading: record(req("photo_sha256", STR), req("codes", list(STR)), req("reader", STR), req("signed_at", U64)),
  trust: record(req("format", STR), req("keys", list(TRUSTED_KEY)), req("note", STR), req("signed_at", U64)),
  audit_seed: record(
    req("contest", STR), req("method", STR), req("risk_limit_ppm", U32), req("dice", STR), req("checkpoint_size", U64),
    req("checkpoint_root", STR), req("signed_at", U64),
  ),
  audit: record(req("audit", U64), req("table", STR), req("votes", MAP_U64), req("signed_at", U64)),
  import: record(
    req("election", STR), req("name", STR), req("sha256", STR), req("format", STR), req("rows", U64), req("sheets", U64),
    req("signed_at", U64),
  ),
};

/** Checks `v` (from parseJson) against `type`; returns the plain value (integers as BigInt). */
function typed(v, type, where) {
  const bad = (why) => refuse("json", `${where}: ${why}`);
  if (type.int !== undefined) {
    if (typeof v !== "bigint") bad("expected an integer");
    if (v > type.int) bad(`${v} is out of range`);
    return v;
  }
  if (type.str) {
    if (!v || v.string === undefined) bad("expected a string");
    if (type.words && !type.words.includes(v.string)) bad(`${JSON.stringify(v.string)} is not one of ${type.words.join(", ")}`);
    return v.string;
  }
  if (type.list) {
    if (!Array.isArray(v)) bad("expected a list");
    return v.map((x, k) => typed(x, type.list, `${where}[${k}]`));
  }
  if (type.map) {
    if (!v || !v.object) bad("expected an object");
    const out = new Map();
    for (const [k, x] of v.object) out.set(k.string, typed(x, type.map, `${where}.${k.string}`));
    return out;
  }
  if (!v || !v.object) bad("expected an object");
  const names = new Set(type.record.map((f) => f.name));
  for (const [k] of v.object) if (!names.has(k.string)) bad(`unknown field ${JSON.stringify(k.string)}`);
  const byName = new Map([...v.object].map(([k, x]) => [k.string, x]));
  const out = {};
  for (const f of type.record) {
    if (!byName.has(f.name)) {
      if (f.required) bad(`missing field ${JSON.stringify(f.name)}`);
      continue;
    }
    out[f.name] = typed(byName.get(f.name), f.type, `${where}.${f.name}`);
  }
  return out;
}

/** The canonical encoding of a typed value (§3). */
function encode(v, type) {
  if (type.int !== undefined) {
    const n = BigInt(v);
    if (n < 0n || n > type.int) throw new Error(`${v} is not an integer in 0..${type.int}`);
    return n.toString();
  }
  if (type.str) return encodeString(v);
  if (type.list) return `[${v.map((x) => encode(x, type.list)).join(",")}]`;
  if (type.map) {
    const keys = [...v.keys()].sort(compareUtf8);
    return `{${keys.map((k) => `${encodeString(k)}:${encode(v.get(k), type.map)}`).join(",")}}`;
  }
  const parts = [];
  for (const f of type.record) {
    if (!(f.name in v)) continue;
    if (f.type.list && f.type.omitIfEmpty && v[f.name].length === 0) continue;
    parts.push(`"${f.name}":${encode(v[f.name], f.type)}`);
  }
  return `{${parts.join(",")}}`;
}

const utf8 = new TextEncoder();
function compareUtf8(a, b) {
  const [x, y] = [utf8.encode(a), utf8.encode(b)];
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

/**
 * The note text (what a key signs) of an entry of `kind` holding `value`:
 * `testigo/v1 <kind>`, newline, the canonical JSON of §3, newline. Integers
 * must be BigInts (or safe integers), maps `Map`s; fields not in the kind's
 * schema are left out, so a typo cannot travel. The same encoder the decoder
 * re-encodes with, so a value built here decodes to itself.
 */
export function encodeEntryText(kind, value) {
  if (!Object.hasOwn(SCHEMAS, kind)) throw new Error(`unknown entry kind ${JSON.stringify(kind)}`);
  return `${FORMAT} ${kind}\n${encode(value, SCHEMAS[kind])}\n`;
}

/**
 * Documents in the entry format that are never log entries (ENTRIES.md §6):
 * a key's signed request to be enrolled. `decodeEntry` refuses them.
 */
export const DOCUMENT_SCHEMAS = {
  enrol_request: record(req("key", STR), req("holder", STR), req("organisation", STR), opt("scope", STR), req("requested_at", U64)),
};

/** The note text of a document of `DOCUMENT_SCHEMAS` (see `encodeEntryText`). */
export function encodeDocumentText(kind, value) {
  if (!Object.hasOwn(DOCUMENT_SCHEMAS, kind)) throw new Error(`unknown document kind ${JSON.stringify(kind)}`);
  return `${FORMAT} ${kind}\n${encode(value, DOCUMENT_SCHEMAS[kind])}\n`;
}

// --- §2 and §3.4: the whole entry -------------------------------------------

function canonicalBase64(text) {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Uint8Array.from(globalThis.atob(text), (c) => c.charCodeAt(0));
  const again = globalThis.btoa(String.fromCharCode(...bytes));
  return again === text ? bytes : null;
}

/**
 * Decodes an entry (a Uint8Array of its bytes, as in an entry bundle):
 * `{ kind, value, text, signature: { name, id, signature } }`, or throws an
 * error whose `code` says which step refused it. Integers are BigInts. The
 * signature is not verified here: which key counts depends on the log.
 */
export function decodeEntry(bytes) {
  if (bytes.length > MAX_ENTRY) refuse("size", `${bytes.length} bytes, over the ${MAX_ENTRY}-byte limit`);
  let note;
  try {
    note = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    refuse("note", "not UTF-8");
  }
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) refuse("note", "a control character other than newline");
  if (!note.endsWith("\n")) refuse("note", "the note does not end in a newline");
  const blank = note.lastIndexOf("\n\n");
  if (blank < 0) refuse("note", "no blank line before a signature");
  const text = note.slice(0, blank + 1);
  const sigLines = note.slice(blank + 2, -1).split("\n");
  const signatures = sigLines.map((l) => {
    const m = /^\u2014 ([^\s+]+) (\S+)$/u.exec(l);
    const raw = m && canonicalBase64(m[2]);
    if (!raw || raw.length < 5) refuse("note", `not a well-formed signature line: ${JSON.stringify(l)}`);
    return { name: m[1], id: raw.slice(0, 4), signature: raw.slice(4) };
  });
  if (signatures.length !== 1) refuse("note", `${signatures.length} signature lines; an entry has exactly one`);
  const body = text.slice(0, -1);
  const nl = body.indexOf("\n");
  if (nl < 0) refuse("header", "the header and the JSON are not on two lines");
  const [header, json] = [body.slice(0, nl), body.slice(nl + 1)];
  if (json.includes("\n")) refuse("header", "more than two text lines");
  const sp = header.indexOf(" ");
  const [format, kind] = sp < 0 ? [header, ""] : [header.slice(0, sp), header.slice(sp + 1)];
  if (format !== FORMAT) refuse("header", `format ${JSON.stringify(format)} is not ${FORMAT}`);
  const schema = SCHEMAS[kind];
  if (!Object.hasOwn(SCHEMAS, kind)) refuse("header", `kind ${JSON.stringify(kind)} is not one of ${Object.keys(SCHEMAS).join(", ")}`);
  const value = typed(parseJson(json), schema, kind);
  if (encode(value, schema) !== json) refuse("json", "not the canonical encoding (spacing, order, escapes or an empty list)");
  return { kind, value, text, signature: signatures[0] };
}
