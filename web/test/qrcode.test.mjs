// The QR encoder against an independent decoder and against the standard's
// fixed structure. jsQR (a test-only package of web/e2e, installed there by
// `npm ci`) reads each symbol from a plain RGBA image, as a camera frame would
// reach it, so a wrong table, mask, interleave or placement fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeQr, qrSvg } from "../js/qrcode.js";

let jsQR;
try {
  jsQR = createRequire(import.meta.url)("../e2e/node_modules/jsqr/dist/jsQR.js"); // jsQR's dist is CommonJS
} catch (e) {
  throw new Error(`jsqr is missing: run \`npm ci\` in web/e2e first (${e.message})`);
}
jsQR = jsQR.default ?? jsQR;

const here = dirname(fileURLToPath(import.meta.url));
const keysFile = readFileSync(join(here, "../../testdata/entries/keys.txt"), "utf8");
const keyLine = keysFile.split("\n").find((l) => l.startsWith("witness ")).split(" ")[2];
const LEVELS = ["L", "M", "Q", "H"];

/** Deterministic bytes that cover every value (a linear congruential generator). */
function bytes(n, seed = 1) {
  const out = new Uint8Array(n);
  for (let i = 0, x = seed; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

/** The symbol drawn black on white, `scale` px a module, with a `quiet`-module margin, decoded by jsQR. */
function decode(qr, scale = 4, quiet = 4) {
  const w = (qr.size + 2 * quiet) * scale, px = new Uint8ClampedArray(w * w * 4).fill(255);
  qr.modules.forEach((row, y) => row.forEach((dark, x) => {
    if (!dark) return;
    for (let j = 0; j < scale; j++) {
      const o = (((y + quiet) * scale + j) * w + (x + quiet) * scale) * 4;
      for (let i = 0; i < scale * 4; i += 4) px[o + i] = px[o + i + 1] = px[o + i + 2] = 0;
    }
  }));
  const found = jsQR(px, w, w, { inversionAttempts: "dontInvert" });
  return found && Uint8Array.from(found.binaryData);
}

function roundTrip(data, opts) {
  const qr = encodeQr(data, opts);
  const want = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const got = decode(qr);
  assert.ok(got, `jsQR found no code for version ${qr.version}-${qr.ecc} mask ${qr.mask}`);
  assert.deepEqual(got, want, `version ${qr.version}-${qr.ecc} mask ${qr.mask} decodes to other bytes`);
  return qr;
}

test("short texts, the witness key line, UTF-8, binary bytes and a 600-byte receipt decode back exactly", () => {
  const fields = { election: "example-2024", table: "0101001.01", place: "Táchira", at: 1722173600, sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" };
  const room = 600 - new TextEncoder().encode(JSON.stringify({ ...fields, note: "" })).length;
  const receipt = JSON.stringify({ ...fields, note: Buffer.from(bytes(room)).toString("base64").slice(0, room) });
  assert.equal(new TextEncoder().encode(receipt).length, 600);
  for (const data of ["", "a", "7", keyLine, "Táchira ñ", "https://testigo.example/t/0101001.01#r", receipt, Uint8Array.from({ length: 256 }, (_, i) => i)]) {
    roundTrip(data);
  }
  assert.equal(encodeQr("a").version, 1);
  assert.deepEqual(encodeQr("Táchira ñ").modules, encodeQr(new TextEncoder().encode("Táchira ñ")).modules, "a string is its UTF-8 bytes");
});

test("every error correction level decodes, and a stronger one never needs a smaller version", () => {
  for (const data of [keyLine, "Táchira ñ", bytes(600)]) {
    let last = 0;
    for (const ecc of LEVELS) {
      const qr = roundTrip(data, { ecc });
      assert.equal(qr.ecc, ecc);
      assert.ok(qr.version >= last, `${ecc} gave version ${qr.version} after ${last}`);
      last = qr.version;
    }
  }
  assert.equal(encodeQr(keyLine).ecc, "M", "M is the default level");
  assert.throws(() => encodeQr("a", { ecc: "X" }), /error correction level/);
  assert.throws(() => encodeQr("a", { ecc: "" }), /error correction level/);
  assert.throws(() => encodeQr(42), /string or a Uint8Array/);
});

// Byte-mode capacities, in bytes, of the standard's table 7: all of level M,
// and L, Q, H for a few versions (7 is the first with version information).
const CAPACITY_M = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331];
const CAPACITY = { 1: [17, 14, 11, 7], 2: [32, 26, 20, 14], 7: [154, 122, 86, 64], 10: [271, 213, 151, 119], 27: [1465, 1125, 805, 625], 40: [2953, 2331, 1663, 1273] };

test("data at the standard's capacity takes versions 1, 2, 7, 10, 27 and 40 at each level, one byte more the next, and decodes", () => {
  for (const [v, caps] of Object.entries(CAPACITY)) {
    LEVELS.forEach((ecc, l) => {
      const data = bytes(caps[l], Number(v) * 4 + l);
      assert.equal(roundTrip(data, { ecc }).version, Number(v), `${caps[l]} bytes at ${ecc}`);
      if (v < 40) assert.equal(encodeQr(bytes(caps[l] + 1), { ecc }).version, Number(v) + 1, `${caps[l] + 1} bytes at ${ecc}`);
    });
  }
});

test("every version from 1 to 40 at level M, filled to capacity, decodes", () => {
  // jsQR 1.4.0 has version 23's fourth alignment centre wrong (74, not the
  // standard's 78: cozmo/jsQR#251); at M the error correction absorbs that.
  CAPACITY_M.forEach((n, i) => {
    assert.equal(roundTrip(bytes(n, i), { ecc: "M" }).version, i + 1);
    if (i < 39) assert.equal(encodeQr(bytes(n + 1), { ecc: "M" }).version, i + 2);
  });
});

test("data that does not fit version 40 is refused with a clear error", () => {
  for (const [ecc, max] of [["L", 2953], ["M", 2331], ["Q", 1663], ["H", 1273]]) {
    assert.equal(encodeQr(bytes(max), { ecc }).version, 40);
    assert.throws(() => encodeQr(bytes(max + 1), { ecc }), new RegExp(`${max + 1} bytes, at most ${max} fit version 40 at level ${ecc}`));
  }
  assert.throws(() => encodeQr("ñ".repeat(1166)), /too much data/); // 2332 bytes of UTF-8
});

// The alignment pattern centres of the standard's annex E.
const ALIGNMENT = { 1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38], 23: [6, 30, 54, 78, 102], 32: [6, 34, 60, 86, 112, 138], 40: [6, 30, 58, 86, 114, 142, 170] };
const forVersion = (v) => encodeQr(bytes(v === 1 ? 10 : CAPACITY_M[v - 2] + 1), { ecc: "M" });

test("finder, timing and alignment patterns, and the dark module, are where the standard puts them", () => {
  for (const [v, centres] of Object.entries(ALIGNMENT).map(([v, c]) => [Number(v), c])) {
    const qr = forVersion(v);
    const m = qr.modules, n = qr.size;
    assert.equal(qr.version, v);
    assert.equal(n, 4 * v + 17);
    assert.equal((qr.size - 17) / 4, qr.version);
    assert.equal(m.length, n);
    assert.ok(m.every((row) => row.length === n && row.every((b) => typeof b === "boolean")));
    // 7×7 finders (ring of dark, ring of light, 3×3 dark) with a light separator inside the symbol.
    for (const [top, left] of [[0, 0], [0, n - 7], [n - 7, 0]]) {
      for (let dy = -1; dy <= 7; dy++) {
        for (let dx = -1; dx <= 7; dx++) {
          const y = top + dy, x = left + dx;
          if (y < 0 || y >= n || x < 0 || x >= n) continue;
          const ring = Math.max(Math.abs(dy - 3), Math.abs(dx - 3));
          assert.equal(m[y][x], ring === 0 || ring === 1 || ring === 3, `finder module (${y}, ${x}) of version ${v}`);
        }
      }
    }
    for (let i = 8; i < n - 8; i++) {
      assert.equal(m[6][i], i % 2 === 0, `timing row, column ${i}`);
      assert.equal(m[i][6], i % 2 === 0, `timing column, row ${i}`);
    }
    assert.equal(m[n - 8][8], true, "the dark module");
    for (const cy of centres) {
      for (const cx of centres) {
        if ((cx === 6 && cy === 6) || (cx === 6 && cy === n - 7) || (cx === n - 7 && cy === 6)) continue;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            assert.equal(m[cy + dy][cx + dx], Math.max(Math.abs(dx), Math.abs(dy)) !== 1, `alignment at (${cy}, ${cx}) of version ${v}`);
          }
        }
      }
    }
  }
});

// The 32 format information strings of the standard's annex C (after the XOR
// with 101010000010010), per level, for masks 0 to 7.
const FORMAT = {
  L: "111011111000100 111001011110011 111110110101010 111100010011101 110011000101111 110001100011000 110110001000001 110100101110110",
  M: "101010000010010 101000100100101 101111001111100 101101101001011 100010111111001 100000011001110 100111110010111 100101010100000",
  Q: "011010101011111 011000001101000 011111100110001 011101000000110 010010010110100 010000110000011 010111011011010 010101111101101",
  H: "001011010001001 001001110111110 001110011100111 001100111010000 000011101100010 000001001010101 000110100001100 000100000111011",
};

/** Both copies of the format information, most significant bit first. */
function formatBits(qr) {
  const m = qr.modules, n = qr.size, s = (bits) => bits.map((b) => (b ? "1" : "0")).join("");
  const first = [0, 1, 2, 3, 4, 5, 7, 8].map((x) => m[8][x]).concat([7, 5, 4, 3, 2, 1, 0].map((y) => m[y][8]));
  const second = [1, 2, 3, 4, 5, 6, 7].map((i) => m[n - i][8]).concat([8, 7, 6, 5, 4, 3, 2, 1].map((i) => m[8][n - i]));
  return [s(first), s(second)];
}

test("the format information read back from the symbol names the level and mask used", () => {
  const masks = new Set();
  for (const ecc of LEVELS) {
    for (const data of ["", "a", keyLine, "Táchira ñ", bytes(100, 3), bytes(300, 4), bytes(500, 5), bytes(900, 6)]) {
      const qr = encodeQr(data, { ecc });
      assert.ok(Number.isInteger(qr.mask) && qr.mask >= 0 && qr.mask < 8);
      const [first, second] = formatBits(qr);
      assert.equal(first, second, "both copies agree");
      const level = LEVELS.find((l) => FORMAT[l].split(" ").includes(first));
      assert.equal(level, ecc, `format ${first}`);
      assert.equal(FORMAT[level].split(" ").indexOf(first), qr.mask);
      masks.add(qr.mask);
    }
  }
  assert.ok(masks.size >= 4, `only masks ${[...masks]} were ever chosen`);
});

test("versions 7 and up carry the standard's version information in both blocks", () => {
  for (const [v, info] of [[7, 0x07c94], [10, 0x0a4d3], [40, 0x28c69]]) {
    const qr = forVersion(v);
    assert.equal(qr.version, v);
    const n = qr.size;
    for (let i = 0; i < 18; i++) {
      const bit = ((info >> i) & 1) === 1;
      assert.equal(qr.modules[Math.floor(i / 3)][n - 11 + (i % 3)], bit, `top-right block, bit ${i}`);
      assert.equal(qr.modules[n - 11 + (i % 3)][Math.floor(i / 3)], bit, `bottom-left block, bit ${i}`);
    }
  }
});

test("the SVG is one path of the dark modules in a quiet zone, with an escaped title", () => {
  const qr = encodeQr(keyLine);
  const svg = qrSvg(qr, { title: `Clave de "ana" <testigo> & 'co'` });
  const w = qr.size + 8;
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>/);
  assert.ok(svg.includes(`viewBox="0 0 ${w} ${w}"`));
  assert.ok(svg.includes(`shape-rendering="crispEdges"`));
  assert.ok(svg.includes(`role="img"`));
  assert.ok(!/<svg[^>]*\s(width|height)=/.test(svg), "no fixed size: CSS sizes it");
  assert.ok(svg.includes("<title>Clave de &quot;ana&quot; &lt;testigo&gt; &amp; &apos;co&apos;</title>"));
  assert.equal(svg.match(/<path/g).length, 1);
  assert.equal(svg.match(/<title>/g).length, 1);

  // Well-formed: tags nest and close, and no stray < or & is left in text or attributes.
  const stack = [];
  for (const [, close, name, selfClose] of svg.matchAll(/<(\/?)([a-zA-Z]+)(?:\s[^<>]*?)?(\/?)>/g)) {
    if (close) assert.equal(stack.pop(), name);
    else if (!selfClose) stack.push(name);
  }
  assert.deepEqual(stack, []);
  assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(svg));
  assert.equal(svg.replace(/<[^<>]*>/g, "").includes("<"), false);

  // The path's rectangles, drawn back, are exactly the dark modules shifted by the quiet zone.
  const d = svg.match(/ d="([^"]*)"/)[1];
  const drawn = Array.from({ length: w }, () => new Array(w).fill(false));
  const cmds = [...d.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)];
  assert.equal(cmds.map((c) => c[0]).join(""), d, "the path is only M x y h n v1 h-n z rectangles");
  for (const [, x, y, h, back] of cmds.map((c) => c.map(Number))) {
    assert.equal(h, back);
    for (let i = 0; i < h; i++) drawn[y][x + i] = true;
  }
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) assert.equal(drawn[y][x], !!qr.modules[y - 4]?.[x - 4], `module (${y - 4}, ${x - 4})`);
  }

  const bare = qrSvg(qr, { quiet: 2 });
  assert.ok(bare.includes(`viewBox="0 0 ${qr.size + 4} ${qr.size + 4}"`));
  assert.ok(!bare.includes("<title>") && bare.includes(`aria-hidden="true"`) && !bare.includes(`role="img"`));
});

// The mask conditions of the standard's table 10 (i = row, j = column).
const MASK = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

/** Which modules of a symbol are not data: finders and separators, timing, alignment, format and version areas. */
function functionModules(version) {
  const n = 4 * version + 17, fn = Array.from({ length: n }, () => new Array(n).fill(false));
  const box = (top, left, h, w) => { for (let y = top; y < top + h; y++) for (let x = left; x < left + w; x++) fn[y][x] = true; };
  box(0, 0, 9, 9), box(0, n - 8, 9, 8), box(n - 8, 0, 8, 9); // finders, separators, format information
  box(6, 0, 1, n), box(0, 6, n, 1);
  const c = ALIGNMENT[version];
  for (const y of c) for (const x of c) if (!(x < 9 && y < 9) && !(x < 9 && y > n - 9) && !(x > n - 9 && y < 9)) box(y - 2, x - 2, 5, 5);
  if (version >= 7) box(0, n - 11, 6, 3), box(n - 11, 0, 3, 6);
  return fn;
}

/** The penalty of ISO/IEC 18004 §7.8.3.1, written out from the rules (outside the symbol counts as light). */
function penalty(m) {
  const n = m.length, str = (bits) => bits.map((b) => (b ? "1" : "0")).join("");
  const lines = m.map(str).concat(m.map((_, x) => str(m.map((row) => row[x]))));
  let p = 0;
  for (const line of lines) {
    for (const run of line.match(/0+|1+/g)) if (run.length >= 5) p += 3 + run.length - 5;
    const padded = "0".repeat(n) + line + "0".repeat(n);
    for (let k = 1; 7 * k <= n; k++) {
      const light = "0".repeat(4 * k);
      for (const { index } of padded.matchAll(new RegExp(`(?<!1)(?=1{${k}}0{${k}}1{${3 * k}}0{${k}}1{${k}}(?!1))`, "g"))) {
        p += 40 * (padded.slice(index - 4 * k, index) === light) + 40 * (padded.slice(index + 7 * k, index + 11 * k) === light);
      }
    }
  }
  for (let y = 0; y + 1 < n; y++) for (let x = 0; x + 1 < n; x++) if (m[y][x] === m[y][x + 1] && m[y][x] === m[y + 1][x] && m[y][x] === m[y + 1][x + 1]) p += 3;
  const dark = m.flat().filter(Boolean).length;
  return p + 10 * Math.floor(Math.abs((dark * 100) / (n * n) - 50) / 5);
}

test("the mask chosen is the first of lowest penalty by the standard's four rules", () => {
  let symbols = 0;
  for (const ecc of LEVELS) {
    for (const data of ["", "a", "Táchira ñ", keyLine, "https://testigo.example/t/0101001.01", bytes(20, 1), bytes(40, 2), bytes(60, 3), bytes(100, 4), bytes(120, 5)]) {
      const qr = encodeQr(data, { ecc });
      if (!(qr.version in ALIGNMENT)) continue;
      symbols++;
      const fn = functionModules(qr.version), n = qr.size;
      const scores = MASK.map((cond, mask) => {
        // Undo the chosen mask, apply this one, and write its format information.
        const m = qr.modules.map((row, i) => row.map((b, j) => (fn[i][j] ? b : b !== MASK[qr.mask](i, j) !== cond(i, j))));
        const f = FORMAT[ecc].split(" ")[mask];
        [0, 1, 2, 3, 4, 5, 7, 8].forEach((x, k) => (m[8][x] = f[k] === "1"));
        [7, 5, 4, 3, 2, 1, 0].forEach((y, k) => (m[y][8] = f[8 + k] === "1"));
        [1, 2, 3, 4, 5, 6, 7].forEach((i, k) => (m[n - i][8] = f[k] === "1"));
        [8, 7, 6, 5, 4, 3, 2, 1].forEach((i, k) => (m[8][n - i] = f[7 + k] === "1"));
        if (mask === qr.mask) assert.deepEqual(m, qr.modules, "unmasking and masking again gives the symbol back");
        return penalty(m);
      });
      assert.equal(qr.mask, scores.indexOf(Math.min(...scores)), `${ecc} ${qr.version}: penalties ${scores}`);
    }
  }
  assert.ok(symbols >= 30, `only ${symbols} symbols checked`);
});

/** The codewords of a symbol, read back in placement order and unmasked (versions with no interleaving to undo). */
function readCodewords(qr) {
  const fn = functionModules(qr.version), n = qr.size, bits = [];
  let up = true; // two-module columns from the right, first upwards, skipping the timing column
  for (let right = n - 1; right > 0; right -= 2, up = !up) {
    if (right === 6) right = 5;
    for (let k = 0; k < n; k++) {
      const y = up ? n - 1 - k : k;
      for (const x of [right, right - 1]) if (!fn[y][x]) bits.push(qr.modules[y][x] !== MASK[qr.mask](y, x));
    }
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(bits.slice(i, i + 8).reduce((b, bit) => (b << 1) | bit, 0));
  return { bits: bits.length, bytes };
}

test("the data codewords are mode, count, bytes, terminator and the pad codewords 0xEC 0x11", () => {
  // Version 1-M and 2-M have a single block: 16 and 28 data codewords, then 10 and 16 EC.
  const pad = (n) => Array.from({ length: n }, (_, i) => (i % 2 ? 0x11 : 0xec));
  const one = encodeQr("a", { ecc: "M" });
  assert.equal(one.version, 1);
  const r1 = readCodewords(one);
  assert.equal(r1.bits, 26 * 8, "version 1 has 26 codewords and no remainder bits");
  assert.deepEqual(r1.bytes.slice(0, 16), [0x40, 0x16, 0x10, ...pad(13)]); // 0100 00000001 01100001 0000
  const two = encodeQr("Táchira ñ, 2024", { ecc: "M" });
  assert.equal(two.version, 2);
  const r2 = readCodewords(two), text = [...new TextEncoder().encode("Táchira ñ, 2024")];
  assert.equal(r2.bits, 44 * 8 + 7, "version 2 has 44 codewords and 7 remainder bits");
  const bin = (v, n) => v.toString(2).padStart(n, "0");
  const bits = "0100" + bin(text.length, 8) + text.map((b) => bin(b, 8)).join("") + "0000"; // 152 bits: already whole bytes
  const packed = bits.match(/.{8}/g).map((b) => parseInt(b, 2));
  assert.deepEqual(r2.bytes.slice(0, 28), [...packed, ...pad(28 - packed.length)]);
});
