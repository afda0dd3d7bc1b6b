// QR Code encoder (ISO/IEC 18004:2015), no third-party code: the witness app
// shows its key line and receipts for another phone to scan. Byte mode only:
// it carries any UTF-8 text; alphanumeric mode would save little on ours. No
// ECI header: readers take valid UTF-8 as UTF-8, and some trip on ECI.

// Per level (L, M, Q, H), per version 1-40: EC codewords per block, and blocks
// (the standard's table 9); the rest follows from the symbol size.
const EC_PER_BLOCK = [
  "7 10 15 20 26 18 20 24 30 18 20 24 26 30 22 24 28 30 28 28 28 28 30 30 26 28 30 30 30 30 30 30 30 30 30 30 30 30 30 30",
  "10 16 26 18 24 16 18 22 22 26 30 22 22 24 24 28 28 26 26 26 26 28 28 28 28 28 28 28 28 28 28 28 28 28 28 28 28 28 28 28",
  "13 22 18 26 18 24 18 22 20 24 28 26 24 20 30 24 28 28 26 30 28 30 30 30 30 28 30 30 30 30 30 30 30 30 30 30 30 30 30 30",
  "17 28 22 16 22 28 26 26 24 28 24 28 22 24 24 30 28 28 26 28 30 24 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30",
].map((row) => row.split(" ").map(Number));
const BLOCKS = [
  "1 1 1 1 1 2 2 2 2 4 4 4 4 4 6 6 6 6 7 8 8 9 9 10 12 12 12 13 14 15 16 17 18 19 19 20 21 22 24 25",
  "1 1 1 2 2 4 4 4 5 5 5 8 9 9 10 10 11 13 14 16 17 17 18 20 21 23 25 26 28 29 31 33 35 37 38 40 43 45 47 49",
  "1 1 2 2 4 4 6 6 8 8 8 10 12 16 12 17 16 18 21 20 23 23 25 27 29 34 34 35 38 40 43 45 48 51 53 56 59 62 65 68",
  "1 1 2 4 4 4 5 6 8 8 11 11 16 16 18 16 19 21 25 25 25 34 30 32 35 37 40 42 45 48 51 54 57 60 63 66 70 74 77 81",
].map((row) => row.split(" ").map(Number));
const LEVELS = "LMQH";
const FORMAT_ECC_BITS = [1, 0, 3, 2]; // L, M, Q, H in the format information

// GF(256) modulo x^8+x^4+x^3+x^2+1; EXP is doubled so products need no modulo.
const EXP = new Uint8Array(510), LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++, x = (x << 1) ^ (x & 0x80 ? 0x11d : 0)) EXP[i] = EXP[i + 255] = x, LOG[x] = i;
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

/** The RS generator (x-a^0)...(x-a^(n-1)), highest degree first, less its leading 1. */
function generator(n) {
  let g = [1];
  for (let i = 0; i < n; i++) g = [...g, 0].map((c, j) => c ^ (j && mul(g[j - 1], EXP[i]))); // times (x - a^i)
  return g.slice(1);
}

/** The EC codewords of `data`: its remainder modulo the generator. */
function rsRemainder(data, gen) {
  const rem = new Uint8Array(gen.length);
  for (const b of data) {
    const f = b ^ rem[0];
    rem.copyWithin(0, 1), (rem[rem.length - 1] = 0);
    gen.forEach((c, i) => (rem[i] ^= mul(c, f)));
  }
  return rem;
}

/** Modules left for data and EC codewords in version v. */
function rawModules(v) {
  const a = v < 2 ? 0 : Math.floor(v / 7) + 2; // alignment patterns a side
  // All, less finders, timing, format, then alignment (less timing overlap) and version info.
  return (16 * v + 128) * v + 64 - (a && (25 * a - 10) * a - 55) - (v < 7 ? 0 : 36);
}

/** Alignment pattern centres: 6, then evenly spaced (even step) up to size − 7. */
function alignmentPositions(v) {
  if (v === 1) return [];
  const n = Math.floor(v / 7) + 2, last = 4 * v + 10;
  const step = v === 32 ? 26 : Math.ceil((4 * v + 4) / (2 * n - 2)) * 2; // 32 is the one exception
  return [6, ...Array.from({ length: n - 1 }, (_, i) => last - (n - 2 - i) * step)];
}

/** `value` followed by its BCH remainder modulo `poly` (of degree `deg`). */
function bch(value, poly, deg) {
  let r = value << deg;
  for (let i = 31 - Math.clz32(r); i >= deg; i--) if ((r >>> i) & 1) r ^= poly << (i - deg);
  return (value << deg) | r;
}

// The masks flip a data module where (row, column) meets the condition.
const MASKS = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (((r / 2) | 0) + ((c / 3) | 0)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

/** Penalty of a masked symbol (flat, row-major) by the four rules of §7.8.3.1. */
function penalty(m, size) {
  let p = 0, dark = 0, n = size * size;
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < size; a++) {
      // Run lengths along a row (pass 0) or column, alternating from light.
      const runs = [0];
      for (let b = 0; b < size; b++) {
        const v = pass ? m[b * size + a] : m[a * size + b];
        if (v !== (runs.length - 1) % 2) runs.push(0);
        runs[runs.length - 1]++;
      }
      for (const r of runs) if (r >= 5) p += r - 2; // rule 1: 3 + (run - 5)
      // Rule 3: dark-light-dark-light-dark as 1:1:3:1:1 with 4 units of light on
      // a side (outside is light) looks like a finder to a reader.
      runs[0] += size;
      if (runs.length % 2 === 0) runs.push(0);
      runs[runs.length - 1] += size;
      for (let k = 1; k + 5 < runs.length; k += 2) {
        const u = runs[k];
        if (runs[k + 1] === u && runs[k + 2] === 3 * u && runs[k + 3] === u && runs[k + 4] === u)
          p += 40 * ((runs[k - 1] >= 4 * u) + (runs[k + 5] >= 4 * u));
      }
    }
  }
  for (let i = 0, v; i < n; i++) { // rule 2: each 2×2 block of one colour
    dark += v = m[i];
    if (i % size < size - 1 && i < n - size && v === m[i + 1] && v === m[i + size] && v === m[i + size + 1]) p += 3;
  }
  return p + 10 * Math.floor(Math.abs(20 * dark - 10 * n) / n); // rule 4: 10 per 5% off half dark
}

/**
 * Encodes `data` (a string, as UTF-8, or a Uint8Array) as a byte-mode QR Code
 * at error correction level `ecc` ("L", "M", "Q" or "H"), in the smallest
 * version (1–40) that holds it, with the mask of lowest penalty.
 * Returns `{ version, ecc, mask, size, modules }`: `size` = 4·version + 17
 * modules a side, and `modules[row][column]` is true where dark (row 0 at the
 * top, no quiet zone). Throws an Error if the data does not fit version 40.
 */
export function encodeQr(data, { ecc = "M" } = {}) {
  const level = LEVELS.indexOf(ecc);
  if (level < 0 || ecc.length !== 1) throw new Error(`unknown QR error correction level ${JSON.stringify(ecc)}: use L, M, Q or H`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  if (!(bytes instanceof Uint8Array)) throw new TypeError("QR data must be a string or a Uint8Array");

  let version = 0, dataLen = 0; // the smallest version that holds mode, count and bytes
  for (let v = 1; v <= 40 && !version; v++) {
    dataLen = (rawModules(v) >> 3) - EC_PER_BLOCK[level][v - 1] * BLOCKS[level][v - 1];
    if (4 + (v < 10 ? 8 : 16) + 8 * bytes.length <= 8 * dataLen) version = v;
  }
  if (!version) throw new Error(`too much data for a QR code: ${bytes.length} bytes, at most ${dataLen - 3} fit version 40 at level ${ecc}`);

  // Mode 0100 (byte), count, bytes, a terminator of up to 4 zeros, zeros to a
  // byte boundary (the array starts zeroed), then pad codewords 0xEC 0x11.
  const cw = new Uint8Array(dataLen);
  let bit = 0;
  const put = (value, n) => { for (let i = n - 1; i >= 0; i--, bit++) cw[bit >> 3] |= ((value >> i) & 1) << (7 - (bit & 7)); };
  put(4, 4), put(bytes.length, version < 10 ? 8 : 16);
  for (const b of bytes) put(b, 8);
  for (let i = (bit + 4 + 7) >> 3, pad = 0xec; i < dataLen; i++, pad ^= 0xec ^ 0x11) cw[i] = pad;

  // Blocks (the last `long` one codeword longer) and their EC, interleaved.
  const ecLen = EC_PER_BLOCK[level][version - 1], nb = BLOCKS[level][version - 1];
  const total = rawModules(version) >> 3, long = total % nb, short = Math.floor(total / nb) - ecLen;
  const gen = generator(ecLen), blocks = [];
  for (let b = 0, off = 0; b < nb; b++) {
    const d = cw.subarray(off, (off += short + (b >= nb - long)));
    blocks.push([d, rsRemainder(d, gen)]);
  }
  const stream = [];
  for (let i = 0; i <= short; i++) for (const [d] of blocks) if (i < d.length) stream.push(d[i]);
  for (let i = 0; i < ecLen; i++) for (const [, e] of blocks) stream.push(e[i]);

  // Function patterns; `fn` marks the modules data must skip.
  const size = 4 * version + 17, grid = new Uint8Array(size * size), fn = new Uint8Array(size * size);
  const set = (x, y, dark) => ((grid[y * size + x] = dark ? 1 : 0), (fn[y * size + x] = 1));
  // Squares around (cx, cy) out to radius r, dark but at the radii in `light`.
  const rings = (cx, cy, r, light) => {
    for (let y = Math.max(cy - r, 0); y <= Math.min(cy + r, size - 1); y++)
      for (let x = Math.max(cx - r, 0); x <= Math.min(cx + r, size - 1); x++) set(x, y, !light.includes(Math.max(Math.abs(x - cx), Math.abs(y - cy))));
  };
  for (let i = 0; i < size; i++) set(6, i, i % 2 === 0), set(i, 6, i % 2 === 0); // timing
  for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) rings(cx, cy, 4, [2, 4]); // finders and separators
  const align = alignmentPositions(version), last = align.length - 1;
  align.forEach((cy, i) => align.forEach((cx, j) => {
    if (i * j || (i + j && i + j < last)) rings(cx, cy, 2, [1]); // not the three corners of the finders
  }));
  // Format information (bit 0 least significant) down column 8 and along row 8.
  const drawFormat = (g, bits) => {
    const f = (x, y, i) => ((g[y * size + x] = (bits >> i) & 1), (fn[y * size + x] = 1));
    for (let i = 0; i < 15; i++) {
      f(8, i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, i);
      f(i < 8 ? size - 1 - i : i === 8 ? 7 : 14 - i, 8, i);
    }
    g[(size - 8) * size + 8] = fn[(size - 8) * size + 8] = 1; // the dark module
  };
  drawFormat(grid, 0); // reserves the areas before data is placed
  for (let i = 0, bits = bch(version, 0x1f25, 12); version >= 7 && i < 18; i++) { // version info, twice
    const a = size - 11 + (i % 3), b = Math.floor(i / 3);
    set(a, b, (bits >> i) & 1), set(b, a, (bits >> i) & 1);
  }

  // Data: two-module columns from the right, alternately up and down, skipping
  // the timing column; remainder bits stay light.
  for (let right = size - 1, i = 0; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const up = ((right + 1) & 2) === 0;
    for (let v = 0; v < size; v++) {
      for (let x = right, y = up ? size - 1 - v : v; x > right - 2; x--) {
        if (!fn[y * size + x] && i < stream.length * 8) grid[y * size + x] = (stream[i >> 3] >> (7 - (i++ & 7))) & 1;
      }
    }
  }

  // Keep the mask (with its format information) of lowest penalty.
  let best = null;
  for (let mask = 0; mask < 8; mask++) {
    const g = grid.slice();
    for (let i = 0; i < g.length; i++) if (!fn[i] && MASKS[mask]((i / size) | 0, i % size)) g[i] ^= 1;
    drawFormat(g, bch((FORMAT_ECC_BITS[level] << 3) | mask, 0x537, 10) ^ 0x5412);
    const score = penalty(g, size);
    if (!best || score < best.score) best = { score, mask, g };
  }
  const modules = Array.from({ length: size }, (_, y) => Array.from(best.g.subarray(y * size, (y + 1) * size), Boolean));
  return { version, ecc, mask: best.mask, size, modules };
}

const escapeXml = (s) => String(s).replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);

/**
 * The QR code `qr` (from `encodeQr`) as an SVG string: one black `<path>` on
 * white with a `quiet`-module margin (the standard asks for 4), in a viewBox
 * of module units and with no width or height, so CSS sizes it; crispEdges
 * keeps hairlines out between modules. With a `title` it is `role="img"` named
 * by it (escaped); without, `aria-hidden`, for when the text is shown beside.
 */
export function qrSvg(qr, { quiet = 4, title } = {}) {
  const { size, modules } = qr, w = size + 2 * quiet;
  let d = "";
  modules.forEach((row, y) => {
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let n = 1; // one rectangle per run keeps the path short
      while (x + n < size && row[x + n]) n++;
      d += `M${x + quiet} ${y + quiet}h${n}v1h-${n}z`;
      x += n - 1;
    }
  });
  const a11y = title == null ? ' aria-hidden="true">' : ` role="img"><title>${escapeXml(title)}</title>`;
  // White behind keeps it scannable on a dark page: readers want dark on light.
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${w}" shape-rendering="crispEdges"${a11y}` +
    `<rect width="${w}" height="${w}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}
