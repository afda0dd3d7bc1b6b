// The witness app's photo downscaling, measured: phone-sized sheet photos
// (the scan corpus enlarged to a 12-megapixel camera's 4032 px, JPEG 92) go
// through the app's own `preparePhoto` (web/witness/photo.js) in headless
// Chromium, and the server's photo reader (`inspect::photo_codes`) reads
// the QR codes of both versions. Prints bytes before and after and the share
// of codes still read (issue 18's target: at least 98% of those read at full
// size). BENCHMARKS.md records it.
//
//   node benches/photo-downscale.mjs [COUNT=90] [FIRST_SEED=0]
// (needs `npm ci` in web/e2e for playwright-core, and Debian's chromium)

import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, extname } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const { chromium } = createRequire(join(REPO, "web/e2e/package.json"))("playwright-core");
const count = process.argv[2] ?? "90";
const first = process.argv[3] ?? "0";

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

run("cargo", ["build", "--release", "-q", "-p", "testigo-scan", "--example", "phonesized", "-p", "testigo-documents", "--example", "photocodes"]);
const work = mkdtempSync(join(tmpdir(), "photo-downscale-"));
const full = join(work, "full");
const small = join(work, "small");
mkdirSync(small);
run(join(REPO, "target/release/examples/phonesized"), [full, count, first]);
const manifest = JSON.parse(readFileSync(join(full, "manifest.json"), "utf8"));

// The app's module and the photos on one origin; downscaled photos posted back.
const types = { ".js": "text/javascript", ".jpg": "image/jpeg", ".html": "text/html" };
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (req.method === "POST" && url.pathname.startsWith("/out/")) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      writeFileSync(join(small, url.pathname.slice(5)), Buffer.concat(chunks));
      res.end("ok");
    });
    return;
  }
  const path = url.pathname === "/" ? null : url.pathname.startsWith("/witness/") ? join(REPO, "web", url.pathname) : join(full, url.pathname.slice(8));
  try {
    const body = path ? readFileSync(path) : "<!doctype html><title>bench</title>";
    res.writeHead(200, { "content-type": path ? types[extname(path)] ?? "application/octet-stream" : "text/html" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(`${origin}/`);
const timing = await page.evaluate(async (files) => {
  const { preparePhoto } = await import("/witness/photo.js");
  const ms = [];
  for (const f of files) {
    const blob = await (await fetch(`/photos/${f}`)).blob();
    const started = performance.now();
    const out = await preparePhoto(new File([blob], f, { type: "image/jpeg" }));
    ms.push(performance.now() - started);
    await fetch(`/out/${f}`, { method: "POST", body: out.blob });
  }
  return ms;
}, manifest.map((m) => m.file));
await browser.close();
server.close();

const read = (dir) =>
  Object.fromEntries(
    run(join(REPO, "target/release/examples/photocodes"), [dir, join(full, "manifest.json")])
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .map((r) => [r.file, r]),
  );
const before = read(full);
const after = read(small);
const classes = [...new Set(manifest.map((m) => m.class)), "all"];
const rows = classes.map((c) => {
  const ms = manifest.filter((m) => c === "all" || m.class === c);
  const sum = (xs, f) => xs.reduce((n, m) => n + f(m), 0);
  return {
    class: c,
    images: ms.length,
    codes: sum(ms, (m) => before[m.file].expected),
    full: sum(ms, (m) => before[m.file].read),
    small: sum(ms, (m) => after[m.file].read),
    wrong: sum(ms, (m) => before[m.file].wrong + after[m.file].wrong),
    mbBefore: sum(ms, (m) => before[m.file].bytes) / ms.length / 1e6,
    mbAfter: sum(ms, (m) => after[m.file].bytes) / ms.length / 1e6,
  };
});
console.log("| class | photos | codes | read at full size | read after downscaling | after / full | mean MB taken → sent |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  const b = r.class === "all" ? "**" : "";
  console.log(
    `| ${b}${r.class}${b} | ${r.images} | ${r.codes} | ${r.full} | ${r.small} | ${b}${((100 * r.small) / r.full).toFixed(1)}%${b} | ${r.mbBefore.toFixed(2)} → ${r.mbAfter.toFixed(2)} |`,
  );
}
const wrong = rows.at(-1).wrong;
const sorted = [...timing].sort((a, b) => a - b);
console.log(`\nwrong texts: ${wrong}; downscaling in the page: median ${sorted[sorted.length >> 1].toFixed(0)} ms per photo, slowest ${sorted.at(-1).toFixed(0)} ms`);
rmSync(work, { recursive: true, force: true });
