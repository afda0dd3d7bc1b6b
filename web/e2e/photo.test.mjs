// A sheet with a photo, in the browser: the README's example election
// (docs/example), a witness's sheet submitted with its photo to `testigo
// serve`. The table page verifies the photo's SHA-256 against the logged
// one; a static copy whose photo was swapped is refused, naming the photo.

import { describe, before, after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { testigo, startServe } from "./lib/proc.mjs";
import { startStaticServer } from "./lib/static-server.mjs";
import { launch, newPage, verdict, shot } from "./lib/browser.mjs";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const TABLE = "010113042.01";

describe("a sheet with a photo", () => {
  const t = {};

  before(async () => {
    t.tmp = mkdtempSync(join(tmpdir(), "testigo-e2e-photo-"));
    const d = join(t.tmp, "D");
    const at = (f) => join(t.tmp, f);
    await testigo(["keygen", "--name", "operator.example.org", "--out", at("operator.key")]);
    await testigo([
      "init", "--dir", d,
      "--election", join(REPO, "docs/example/election.toml"),
      "--tables", join(REPO, "docs/example/tables.csv"),
      "--operator-key", at("operator.key"),
    ]);
    await testigo(["keygen", "--name", "ana.witness.example.org", "--out", at("ana.key")]);
    await testigo(["enroll", "--dir", d, "--key", at("ana.key.vkey"), "--role", "witness", "--holder", "Ana", "--organisation", "Observers"]);
    t.serve = await startServe(d);
    await testigo([
      "submit", "--server", t.serve.url, "--key", at("ana.key"), "--table", TABLE,
      "--vote", "EG=232", "--vote", "NM=120", "--null", "0", "--photo", join(REPO, "docs/example/acta.jpg"),
    ]);
    t.site = at("SITE");
    await testigo(["site", "--dir", d, "--out", t.site, "--quiet"]);
    // A copy whose photo is another picture's bytes: the page still names the logged hash.
    t.swapped = at("SWAPPED");
    cpSync(t.site, t.swapped, { recursive: true });
    const blobs = join(t.swapped, "blob", "sha256");
    t.photo = readdirSync(blobs)[0];
    const bytes = readFileSync(join(blobs, t.photo));
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(join(blobs, t.photo), bytes);
    t.static = await startStaticServer(t.swapped);
    t.browser = await launch();
  });

  after(async () => {
    await t.browser?.close();
    await t.static?.close?.();
    await t.serve?.stop();
    if (t.tmp) rmSync(t.tmp, { recursive: true, force: true });
  });

  test("the server's table page shows the photo and verifies its hash", async () => {
    const context = await t.browser.newContext();
    const page = await newPage(context);
    await page.goto(`${t.serve.url}/en/t/${TABLE}.html`);
    const v = await verdict(page);
    await shot(page, "10-photo-verified");
    assert.equal(v.verdict, "verified", `${v.status}\n${v.steps.join("\n")}`);
    assert.equal(await page.locator("article.sheet figure img").count(), 1, "the photo is shown");
    assert.ok(v.steps.some((s) => s.startsWith("✓") && s.includes("photo")), `a photo step: ${v.steps.join(" | ")}`);
    assert.deepEqual(page.problems, []);
    await context.close();
  });

  test("a copy with a swapped photo is refused, naming the photo", async () => {
    const context = await t.browser.newContext();
    const page = await newPage(context);
    await page.goto(`${t.static.url}/en/t/${TABLE}.html`);
    const v = await verdict(page);
    await shot(page, "11-photo-swapped");
    assert.equal(v.verdict, "failed", `a swapped photo must fail: ${v.status}`);
    assert.ok(v.status.includes(t.photo), `the status names the photo ${t.photo}: ${v.status}`);
    assert.deepEqual(page.problems, []);
    await context.close();
  });
});
