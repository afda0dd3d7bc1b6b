// Browser end-to-end tests of the public website, served live (`testigo
// serve`) and as a static export (`testigo site` behind a small Node file
// server), in headless Chromium driven by playwright-core.
//
// Setup (once): the Venezuela 2024 demo log (N entries) → SITE_OLD; one more
// entry (a witness enrolment) → SITE (N+1); `testigo serve` on the demo; a
// static server whose root the tests switch between SITE, spoilt copies of
// it, and SITE_OLD. Screenshots, axe results, page weights and the measured
// verification times go to web/e2e/artifacts/.
//
// Environment: TESTIGO_BIN (default target/debug/testigo of this checkout),
// CHROMIUM (default /usr/bin/chromium), TESTIGO_E2E_TMPDIR (where the logs
// and sites are built; default /dev/shm when it has room, else the system
// temp dir), TESTIGO_E2E_KEEP=1 to keep that directory.

import { describe, before, after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statfsSync, accessSync, constants } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { testigo, run, startServe, onInterrupt } from "./lib/proc.mjs";
import { startStaticServer } from "./lib/static-server.mjs";
import { launch, newPage, verdict, shot, writeArtifact, AXE_PATH } from "./lib/browser.mjs";
import { discover } from "./lib/discover.mjs";
import { copySiteForTampering, flipLeafHash, doctorVote } from "./lib/log-files.mjs";

const CENTRE_QUERY = "centro 010113042";
const CENTRE_NAME = "Centro 010113042";
const TABLE = "010113042.01";

// Building two exports writes ~240,000 small files: on a RAM disk that takes
// seconds, on some disks minutes (and deleting them as long again).
function workDir() {
  const base =
    process.env.TESTIGO_E2E_TMPDIR ||
    (() => {
      try {
        accessSync("/dev/shm", constants.W_OK);
        const s = statfsSync("/dev/shm");
        if (s.bavail * s.bsize > 6 * 2 ** 30) return "/dev/shm";
      } catch {
        // no usable RAM disk
      }
      return tmpdir();
    })();
  // Leftovers of runs that were killed before they could clean up (their
  // owner process is gone): they hold gigabytes, on a RAM disk perhaps.
  for (const name of readdirSync(base)) {
    if (!name.startsWith("testigo-e2e-")) continue;
    let owner;
    try {
      owner = Number(readFileSync(join(base, name, "owner.pid"), "utf8"));
    } catch {
      continue;
    }
    try {
      process.kill(owner, 0);
    } catch (e) {
      if (e.code === "ESRCH") rmSync(join(base, name), { recursive: true, force: true });
    }
  }
  const dir = mkdtempSync(join(base, "testigo-e2e-"));
  writeFileSync(join(dir, "owner.pid"), String(process.pid));
  return dir;
}

const checkpointSize = (root) => Number(readFileSync(join(root, "checkpoint"), "utf8").split("\n")[1]);

/** The verify config embedded in the exported file of the page at URL path `path`. */
function verifyConfigOf(siteRoot, path) {
  const file = join(siteRoot, decodeURIComponent(path.split("?")[0]) + (path.endsWith("/") ? "index.html" : ""));
  const html = readFileSync(file, "utf8");
  const m = /<script id="verify-config" type="application\/json">([^<]*)<\/script>/.exec(html);
  assert.ok(m, `${file} has no script#verify-config`);
  return JSON.parse(m[1]);
}

function assertClean(page, what) {
  assert.deepEqual(page.problems, [], `${what}: console errors or page errors`);
}

describe("public website in Chromium", () => {
  const t = {}; // shared state
  const timings = {};

  before(
    async () => {
      t.tmp = workDir();
      if (!process.env.TESTIGO_E2E_KEEP) onInterrupt.push(() => rmSync(t.tmp, { recursive: true, force: true }));
      t.demo = join(t.tmp, "demo");
      t.siteOld = join(t.tmp, "site-old");
      t.site = join(t.tmp, "site");
      t.siteFlip = join(t.tmp, "site-flip");
      t.siteDoc = join(t.tmp, "site-doc");
      const started = Date.now();
      await testigo(["demo", "--no-serve", "--quiet", "--dir", t.demo]);
      await testigo(["site", "--quiet", "--dir", t.demo, "--out", t.siteOld]);
      t.n = checkpointSize(t.siteOld);
      const key = join(t.tmp, "e2e-witness.key");
      await testigo(["keygen", "--name", "e2e.witness.testigo.example", "--out", key]);
      await testigo([
        "enroll", "--dir", t.demo, "--key", `${key}.vkey`, "--role", "witness",
        "--holder", "End-to-end test witness", "--organisation", "testigo e2e",
      ]);
      await testigo(["site", "--quiet", "--dir", t.demo, "--out", t.site]);
      assert.equal(checkpointSize(t.site), t.n + 1, "the enrolment grew the log by one entry");
      t.serve = await startServe(t.demo);
      t.static = await startStaticServer(t.site);
      t.browser = await launch();
      t.paths = await discover(t.serve.url, { lang: "es", centreQuery: CENTRE_QUERY, tableId: TABLE });
      t.setupMs = Date.now() - started;
      console.log(`setup ${t.setupMs} ms in ${t.tmp}; log size ${t.n} → ${t.n + 1}; pages ${JSON.stringify(t.paths)}`);
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      writeArtifact("timings.json", timings);
      await t.browser?.close().catch(() => {});
      await t.serve?.stop().catch(() => {});
      await t.static?.close().catch(() => {});
      if (t.tmp && !process.env.TESTIGO_E2E_KEEP) await run("rm", ["-rf", "--", t.tmp], { timeoutMs: 600_000 });
    },
    { timeout: 600_000 },
  );

  /** A fresh profile (its own storage and cache), closed when `body` ends. */
  async function withContext(options, body) {
    const context = await t.browser.newContext(options);
    try {
      return await body(context);
    } finally {
      await context.close();
    }
  }

  test("1. server: search the centre from the form, open its table, verified", { timeout: 60_000 }, async () => {
    await withContext({ locale: "es-VE" }, async (context) => {
      const page = await newPage(context);
      await page.goto(`${t.serve.url}/`);
      assert.match(new URL(page.url()).pathname, /^\/es\//, "/ redirects a Spanish reader to /es/");
      assert.equal(await page.getAttribute("html", "lang"), "es");
      await shot(page, "01-server-home-es");

      await page.fill("form[role=search] input#q", CENTRE_QUERY);
      await Promise.all([page.waitForURL(/[?&]q=/), page.click("form[role=search] button[type=submit]")]);
      const hit = page.locator("#results ol.hits li a", { hasText: CENTRE_NAME });
      await hit.first().waitFor();
      await shot(page, "01-server-search");
      await Promise.all([page.waitForURL((u) => u.pathname === t.paths.unit), hit.first().click()]);
      assert.equal(await page.textContent("h1").then((s) => s.includes(CENTRE_NAME)), true, "the centre page's heading names it");
      await shot(page, "01-server-centre");
      await checkUnitJson(page, "server");

      const link = page.locator("ul.tables a", { hasText: TABLE });
      await Promise.all([page.waitForURL((u) => u.pathname === t.paths.table), link.first().click()]);
      const v = await verdict(page);
      await shot(page, "01-server-table-es");
      assert.equal(v.verdict, "verified", `table page: ${v.status}\n${v.steps.join("\n")}`);
      assert.ok(Number.isFinite(v.ms) && v.ms > 0, `data-verify-ms is ${v.ms}`);
      timings["1-server-table-es"] = v.ms;
      assertClean(page, "server pages");
    });
  });

  test("2. server: language switch on the table page (es → pt → en), each verified", { timeout: 60_000 }, async () => {
    await withContext({}, async (context) => {
      const page = await newPage(context);
      await page.goto(`${t.serve.url}${t.paths.table}`);
      assert.equal((await verdict(page)).verdict, "verified");
      for (const lang of ["pt", "en"]) {
        await Promise.all([
          page.waitForURL((u) => u.pathname.startsWith(`/${lang}/`)),
          page.click(`nav.langs a[hreflang=${lang}]`),
        ]);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        assert.equal(await page.locator(`nav.langs a[hreflang=${lang}]`).count(), 0, `the current language (${lang}) is not a link`);
        assert.equal(await page.locator("nav.langs a[hreflang=es]").count(), 1);
        const v = await verdict(page);
        await shot(page, `02-server-table-${lang}`);
        assert.equal(v.verdict, "verified", `${lang}: ${v.status}\n${v.steps.join("\n")}`);
        assert.equal(v.lang, lang);
        timings[`2-server-table-${lang}`] = v.ms;
      }
      assertClean(page, "language switch");
    });
  });

  test("3. server: no serious or critical WCAG 2.1 A/AA violations (axe-core)", { timeout: 120_000 }, async () => {
    const pages = ["home", "unit", "table", "searchResults", "bulletins", "observers", "questions"];
    const found = [];
    const report = {};
    await withContext({ bypassCSP: true }, async (context) => {
      const page = await newPage(context);
      for (const name of pages) {
        await page.goto(`${t.serve.url}${t.paths[name]}`);
        if (name === "table") await verdict(page);
        await page.addScriptTag({ path: AXE_PATH });
        const result = await page.evaluate(() =>
          // eslint-disable-next-line no-undef
          axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
        );
        assert.ok(result.passes.length > 0, `axe ran no checks on ${name}`);
        report[name] = result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.length,
          first: v.nodes[0]?.target,
        }));
        for (const v of result.violations) {
          if (v.impact === "serious" || v.impact === "critical") {
            found.push(`${name} (${t.paths[name]}): ${v.id} [${v.impact}] ${v.help}; first node ${JSON.stringify(v.nodes[0]?.target)} (${v.nodes.length} nodes)`);
          }
        }
        await shot(page, `03-a11y-${name}`);
      }
      writeArtifact("axe.json", report);
      assertClean(page, "accessibility pages");
    });
    assert.deepEqual(found, [], `axe violations:\n${found.join("\n")}`);
  });

  test("4. server: 360 px wide, no horizontal overflow of the document", { timeout: 60_000 }, async () => {
    await withContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 1 }, async (context) => {
      const page = await newPage(context);
      const over = [];
      for (const name of ["home", "unit", "table", "questions"]) {
        await page.goto(`${t.serve.url}${t.paths[name]}`);
        if (name === "table") await verdict(page);
        const m = await page.evaluate(() => {
          const width = document.documentElement.clientWidth;
          // The widest culprits that are not inside their own scrolling box.
          const culprits = Array.from(document.querySelectorAll("body *"))
            .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".scroll"))
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""} right=${Math.round(el.getBoundingClientRect().right)}`);
          return { scrollWidth: document.documentElement.scrollWidth, culprits };
        });
        await shot(page, `04-narrow-${name}`);
        if (m.scrollWidth > 361) over.push(`${name}: scrollWidth ${m.scrollWidth}; ${m.culprits.join(", ")}`);
      }
      assertClean(page, "narrow pages");
      assert.deepEqual(over, [], `horizontal overflow at 360 px:\n${over.join("\n")}`);
    });
  });

  test("5. server: HTML + CSS + JS of home, unit and table pages under 100 KB each", { timeout: 60_000 }, async () => {
    const weights = {};
    const heavy = [];
    for (const name of ["home", "unit", "table"]) {
      // A fresh profile for each, so nothing comes from the cache.
      await withContext({}, async (context) => {
        const page = await newPage(context);
        const bodies = [];
        page.on("response", (r) => {
          const type = r.request().resourceType();
          if (["document", "stylesheet", "script"].includes(type)) {
            bodies.push(r.body().then((b) => ({ url: r.url(), type, bytes: b.length })).catch(() => ({ url: r.url(), type, bytes: 0 })));
          }
        });
        await page.goto(`${t.serve.url}${t.paths[name]}`, { waitUntil: "networkidle" });
        if (name === "table") await verdict(page);
        const items = await Promise.all(bodies);
        const total = items.reduce((s, i) => s + i.bytes, 0);
        weights[name] = { total, items };
        if (total >= 100 * 1024) heavy.push(`${name}: ${total} bytes (${items.map((i) => `${i.url} ${i.bytes}`).join(", ")})`);
        await shot(page, `05-weight-${name}`);
        assertClean(page, `${name} page`);
      });
    }
    writeArtifact("page-weight.json", weights);
    console.log(`page weight (bytes): ${Object.entries(weights).map(([k, v]) => `${k} ${v.total}`).join(", ")}`);
    assert.deepEqual(heavy, [], "pages over 100 KB");
  });

  test("6. static copy: / goes to a language, search by script, table verified", { timeout: 60_000 }, async () => {
    t.static.setRoot(t.site);
    // The file server itself: directory redirect, module script type, 404.
    const dirRedirect = await fetch(`${t.static.url}/es`, { redirect: "manual" });
    assert.equal(dirRedirect.status, 301);
    assert.equal(dirRedirect.headers.get("location"), "/es/");
    const script = await fetch(`${t.static.url}/assets/js/page.js`);
    assert.match(script.headers.get("content-type"), /^text\/javascript/);
    assert.equal((await fetch(`${t.static.url}/no-such-page.html`)).status, 404);

    await withContext({ locale: "pt-BR" }, async (context) => {
      const page = await newPage(context);
      await page.goto(`${t.static.url}/`);
      await page.waitForURL((u) => u.pathname === "/pt/");
      assert.equal(await page.getAttribute("html", "lang"), "pt");
      assertClean(page, "static root in pt");
    });
    await withContext({ locale: "es-VE" }, async (context) => {
      const page = await newPage(context);
      await page.goto(`${t.static.url}/`);
      await page.waitForURL((u) => u.pathname === "/es/");
      assert.equal(await page.getAttribute("html", "lang"), "es");
      await shot(page, "06-static-home-es");

      await page.fill("form[role=search] input#q", CENTRE_QUERY);
      await Promise.all([page.waitForURL(/[?&]q=/), page.click("form[role=search] button[type=submit]")]);
      const hit = page.locator("#results ol.hits li a", { hasText: CENTRE_NAME });
      await hit.first().waitFor({ timeout: 10_000 });
      await shot(page, "06-static-search");
      await Promise.all([page.waitForURL((u) => u.pathname === t.paths.unit), hit.first().click()]);
      await checkUnitJson(page, "static copy");
      const link = page.locator("ul.tables a", { hasText: TABLE });
      await Promise.all([page.waitForURL((u) => u.pathname === t.paths.table), link.first().click()]);
      const v = await verdict(page);
      await shot(page, "06-static-table-es");
      assert.equal(v.verdict, "verified", `static table page: ${v.status}\n${v.steps.join("\n")}`);
      assert.ok(v.steps.some((s) => s.includes(String(t.n + 1))), `the checkpoint step names size ${t.n + 1}: ${v.steps.join(" | ")}`);
      timings["6-static-table-es"] = v.ms;
      assertClean(page, "static pages");
    });
  });

  /**
   * Follows a unit page's "JSON" link as a program would: the document it
   * names parses, is the unit's (testigo-unit/1), and lists the tables the
   * page lists, in the same order.
   */
  async function checkUnitJson(page, where) {
    const href = await page.locator("p.muted a").first().getAttribute("href");
    const url = new URL(href, page.url());
    const r = await fetch(url);
    assert.equal(r.status, 200, `${where}: ${url} answered ${r.status}`);
    const doc = await r.json();
    assert.equal(doc.schema, "testigo-unit/1", `${where}: ${url}`);
    const listed = await page.locator("ul.tables a").allTextContents();
    const tables = doc.contests[0].tables.map((x) => x.id);
    assert.deepEqual(tables, listed.map((x) => x.trim()), `${where}: the document's tables are the page's`);
    assert.ok(tables.includes(TABLE), `${where}: ${TABLE} in ${tables}`);
  }

  /** The sheet the tampering scenarios spoil: the one in the latest tile, away from entry 0 and the enrolments. */
  function chosenSheet() {
    const config = verifyConfigOf(t.site, t.paths.table);
    assert.ok(config.sheets.length > 0, "the table shows sheets");
    return config.sheets.map((s) => s.index).sort((a, b) => b - a)[0];
  }

  test("7. tampered hash tile: verification fails and names the tile or the entry", { timeout: 60_000 }, async () => {
    const i = chosenSheet();
    copySiteForTampering(t.site, t.siteFlip);
    const changed = flipLeafHash(t.siteFlip, i ^ 1);
    t.static.setRoot(t.siteFlip);
    try {
      await withContext({}, async (context) => {
        const page = await newPage(context);
        await page.goto(`${t.static.url}${t.paths.table}`);
        const v = await verdict(page);
        await shot(page, "07-tampered-tile");
        assert.equal(v.verdict, "failed", `a flipped byte in ${changed.join(", ")} (leaf ${i ^ 1}) must fail: ${v.status}`);
        const named = changed.some((p) => v.status.includes(p)) || new RegExp(`\\bentry ${i}\\b`).test(v.status);
        assert.ok(named, `the status names ${changed.join(" or ")} or entry ${i}: ${v.status}`);
        console.log(`tampered tile ${changed.join(", ")} (leaf ${i ^ 1}): ${v.status}`);
        assertClean(page, "tampered tile");
      });
    } finally {
      t.static.setRoot(t.site);
    }
  });

  test("8. doctored vote count in an entry bundle: verification fails naming the entry", { timeout: 60_000 }, async () => {
    const i = chosenSheet();
    copySiteForTampering(t.site, t.siteDoc);
    const { paths, before, after } = doctorVote(t.siteDoc, i);
    t.static.setRoot(t.siteDoc);
    try {
      await withContext({}, async (context) => {
        const page = await newPage(context);
        await page.goto(`${t.static.url}${t.paths.table}`);
        const v = await verdict(page);
        await shot(page, "08-doctored-entry");
        assert.equal(v.verdict, "failed", `entry ${i} changed (${before} → ${after} in ${paths.join(", ")}) must fail: ${v.status}`);
        assert.match(v.status, new RegExp(`\\bentry ${i}\\b`), "the status names the entry");
        console.log(`doctored entry ${i} (${before} → ${after}): ${v.status}`);
        assertClean(page, "doctored entry");
      });
    } finally {
      t.static.setRoot(t.site);
    }
  });

  test("9. rollback at the same origin is refused; the other order verifies", { timeout: 60_000 }, async () => {
    const n = t.n;
    try {
      await withContext({}, async (context) => {
        const page = await newPage(context);
        t.static.setRoot(t.site);
        await page.goto(`${t.static.url}${t.paths.table}`);
        const fresh = await verdict(page);
        assert.equal(fresh.verdict, "verified", `size ${n + 1}: ${fresh.status}`);
        timings["9-static-new"] = fresh.ms;

        t.static.setRoot(t.siteOld);
        await page.reload();
        const old = await verdict(page);
        await shot(page, "09-rollback-refused");
        assert.equal(old.verdict, "failed", `size ${n} after ${n + 1} must fail: ${old.status}`);
        assert.match(old.status, /rollback/);
        console.log(`rollback: ${old.status}`);
        assertClean(page, "rollback");
      });
      await withContext({}, async (context) => {
        const page = await newPage(context);
        t.static.setRoot(t.siteOld);
        await page.goto(`${t.static.url}${t.paths.table}`);
        const old = await verdict(page);
        assert.equal(old.verdict, "verified", `size ${n} first: ${old.status}`);
        timings["9-static-old-first"] = old.ms;

        t.static.setRoot(t.site);
        await page.reload();
        const grown = await verdict(page);
        await shot(page, "09-old-then-new");
        assert.equal(grown.verdict, "verified", `size ${n + 1} after ${n}: ${grown.status}`);
        assert.ok(grown.steps.some((s) => s.includes(`${n} → ${n + 1}`)), `a consistency step ${n} → ${n + 1}: ${grown.steps.join(" | ")}`);
        timings["9-static-new-after-old"] = grown.ms;
        assertClean(page, "old then new");
      });
    } finally {
      t.static.setRoot(t.site);
    }
  });
});
