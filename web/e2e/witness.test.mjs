// The witness's app (/witness/) in headless Chromium, end to end on the
// README's example election: a key made in the page, enrolled with the CLI
// from the page's request; a sheet with a photo carrying a QR code signed
// while offline, kept through a reload, delivered once when the network
// returns, its receipt verified in the page; a typed count that disagrees
// with the photo's code flagged and corrected with `supersedes`; a revoked
// key refused in words, its sheet kept. Then `testigo verify` replays the
// log the app wrote into: every entry the page signed is canonical.

import { describe, before, after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { testigo, startServe } from "./lib/proc.mjs";
import { launch, newPage, shot, writeArtifact, AXE_PATH } from "./lib/browser.mjs";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PHOTO = join(REPO, "docs/example/acta.jpg");
// The photo's QR code: NM 120, EG 232, OT 0, null 0 for table 010113042.01.
const TABLE = "010113042.01";
const OTHER_TABLE = "010113042.02";
const THIRD_TABLE = "130501005.01";
const LOST_TABLE = "130501008.01";

describe("the witness's app", () => {
  const t = {};

  before(async () => {
    t.tmp = mkdtempSync(join(tmpdir(), "testigo-e2e-witness-"));
    t.dir = join(t.tmp, "D");
    t.opKey = join(t.tmp, "operator.key");
    await testigo(["keygen", "--name", "operator.example.org", "--out", t.opKey]);
    await testigo([
      "init", "--dir", t.dir,
      "--election", join(REPO, "docs/example/election.toml"),
      "--tables", join(REPO, "docs/example/tables.csv"),
      "--operator-key", t.opKey,
    ]);
    t.serve = await startServe(t.dir);
    t.browser = await launch();
    t.context = await t.browser.newContext({ locale: "en-GB", viewport: { width: 390, height: 844 } });
    // The server is taken offline with DevTools' network emulation, so fetches fail as without signal.
    t.page = await newPage(t.context, { allow: [/ERR_INTERNET_DISCONNECTED/, /Failed to fetch/, /status of 4\d\d/, /ERR_CONNECTION_RESET/] });
  });

  after(async () => {
    await t.browser?.close();
    await t.serve?.stop();
    if (t.tmp) rmSync(t.tmp, { recursive: true, force: true });
  });

  const sheetItem = (index) => t.page.locator(`#sheets li[data-index="${index}"]`);
  const api = async (path) => (await fetch(`${t.serve.url}${path}`)).json();

  async function fillSheet(table, counts) {
    const p = t.page;
    await p.fill("#table-q", table);
    await p.locator("#table-q").dispatchEvent("change");
    await p.waitForFunction(() => document.getElementById("table-info").textContent.length > 0);
    await p.setInputFiles("#photo", PHOTO);
    await p.waitForFunction(() => /KB/.test(document.getElementById("photo-info").textContent));
    for (const [id, n] of Object.entries(counts)) {
      await p.fill(`[data-count="${id}"]`, String(n));
    }
  }

  test("a key made in the page is enrolled from its signed request", async () => {
    const p = t.page;
    await p.goto(`${t.serve.url}/witness`);
    await p.waitForFunction(() => document.documentElement.dataset.state === "ready");
    assert.equal(await p.locator("h1").textContent(), "testigo — witness");
    await p.fill("#holder", "Ana Pérez");
    await p.fill("#organisation", "Observers");
    await p.click("#key-form button[type=submit]");
    await p.waitForSelector("#key-card:not([hidden])");
    t.line = (await p.locator("#key-line").textContent()).trim();
    assert.match(t.line, /^witness-[0-9a-f]{8}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.equal(await p.locator("#key-qr svg path").count(), 1, "the key line as a QR code");
    // The private key cannot be read out of the page's storage.
    const extractable = await p.evaluate(
      () =>
        new Promise((ok) => {
          const r = indexedDB.open("testigo-witness");
          r.onsuccess = () => {
            const q = r.result.transaction("kv").objectStore("kv").get("signer");
            q.onsuccess = () => ok(q.result.privateKey.extractable);
          };
        }),
    );
    assert.equal(extractable, false);

    await p.click("#send-request");
    await p.waitForFunction(() => /operator must approve/.test(document.getElementById("key-status").textContent));
    const pending = join(t.dir, "enrolment-requests");
    const files = readdirSync(pending);
    assert.equal(files.length, 1, `one request stored: ${files}`);
    const listed = await testigo(["enroll", "--list-requests", "--dir", t.dir]);
    assert.ok(listed.stdout.includes("Ana Pérez"), listed.stdout);
    await testigo([
      "enroll", "--request", join(pending, files[0]), "--role", "witness",
      "--server", t.serve.url, "--operator-key", t.opKey,
    ]);
    await p.click("#refresh-status");
    await p.waitForFunction(() => /Enrolled as witness/.test(document.getElementById("key-status").textContent));
    // Checked in the page against the log: the enrolment entry proven into a signed checkpoint.
    assert.equal(await p.locator("#key-status").getAttribute("data-proven"), "true", await p.locator("#key-status").textContent());
    assert.equal(await p.locator("#capture-section").isVisible(), true, "the sheet form opens once enrolled");
    // The form is generated from the election: three candidates, null, blank, voters.
    assert.deepEqual(
      await p.locator("[data-count]").evaluateAll((els) => els.map((e) => e.dataset.count)),
      ["v:NM", "v:EG", "v:OT", "null", "blank", "voters"],
    );
    // The table picker searches by place name: El Recreo's two tables.
    await p.locator("#table-q").pressSequentially("recreo");
    await p.waitForFunction(() => document.querySelectorAll("#table-options option").length === 2);
    assert.deepEqual(
      await p.locator("#table-options option").evaluateAll((os) => os.map((o) => o.value)),
      ["010113042.01", "010113042.02"],
    );
    await p.fill("#table-q", "");
    await shot(p, "30-witness-enrolled");
  });

  test("a sheet signed offline survives a reload and is delivered once, its receipt verified in the page", async () => {
    const p = t.page;
    // The app must be on the device before the signal goes.
    await p.evaluate(() => navigator.serviceWorker.ready);
    await p.reload();
    await p.waitForFunction(() => document.documentElement.dataset.state === "ready" && navigator.serviceWorker.controller);

    await fillSheet(TABLE, { "v:NM": 120, "v:EG": 233, "v:OT": 0, null: 0, voters: 352 });
    // The arithmetic is shown before signing, as a warning: the witness signs what the paper says.
    await p.waitForFunction(() => /add up to 353/.test(document.getElementById("checks").textContent));
    await t.context.setOffline(true);
    await p.click("#sign");
    await p.waitForSelector('#sheets li[data-state="queued"]');
    await shot(p, "31-witness-queued-offline");

    await p.reload();
    await p.waitForFunction(() => document.documentElement.dataset.state === "ready");
    assert.equal(await p.locator('#sheets li[data-state="queued"]').count(), 1, "still queued after a reload offline");
    assert.equal((await api(`/v1/tables/${TABLE}`)).submissions.length, 0, "nothing reached the server");

    const started = Date.now();
    await t.context.setOffline(false);
    await p.waitForSelector('#sheets li[data-receipt="verified"]', { timeout: 30_000 });
    writeArtifact("witness-delivery.json", { ms_from_online_to_verified_receipt: Date.now() - started });
    const subs = (await api(`/v1/tables/${TABLE}`)).submissions;
    assert.equal(subs.length, 1, "delivered exactly once");
    t.first = subs[0].index;
    assert.equal(subs[0].signer.key, t.line);
    assert.equal(await sheetItem(t.first).count(), 1);
    // Retrying now (as after a lost answer) must not log it twice.
    await p.evaluate(() => window.dispatchEvent(new Event("online")));
    await p.waitForTimeout(500);
    assert.equal((await api(`/v1/tables/${TABLE}`)).submissions.length, 1);
  });

  test("a count that disagrees with the photo's QR code is flagged and corrected with supersedes", async () => {
    const p = t.page;
    const item = sheetItem(t.first);
    await item.locator("table.compare").waitFor();
    assert.equal(await item.getAttribute("data-state"), "flagged");
    assert.match(await item.textContent(), /QR code on the photo disagrees/);
    assert.match(await item.textContent(), /What you typed beside what the photo/);
    // The photo says 232 for EG; the witness typed 233.
    const differs = await item.locator("tr.differs").allTextContents();
    assert.equal(differs.length, 1, differs.join(" | "));
    assert.match(differs[0], /Edmundo González\s*233\s*232/);
    await shot(p, "32-witness-photo-mismatch");

    await item.locator("button", { hasText: "Send a correction" }).click();
    assert.equal(await p.inputValue('[data-count="v:EG"]'), "232", "prefilled with what the photo says");
    await p.click("#sign");
    await p.waitForFunction(
      (first) => document.querySelector(`#sheets li[data-index="${first}"]`)?.dataset.state === "corrected",
      t.first,
      { timeout: 30_000 },
    );
    const subs = (await api(`/v1/tables/${TABLE}`)).submissions;
    assert.equal(subs.length, 2);
    const correction = subs.find((s) => s.index !== t.first);
    assert.equal(correction.supersedes, t.first);
    assert.equal(correction.votes.EG, 232);
    assert.deepEqual(correction.flags, [], "the correction agrees with its photo");
    assert.equal(subs.find((s) => s.index === t.first).superseded_by, correction.index);
  });

  test("a phone-sized photo (3 MB): from 'sign' to a verified receipt", async () => {
    const p = t.page;
    await p.fill("#table-q", OTHER_TABLE);
    await p.locator("#table-q").dispatchEvent("change");
    await p.waitForFunction(() => document.getElementById("table-info").textContent.length > 0);
    // A 12-megapixel camera's JPEG of the sheet, made in the page from the example photo.
    const original = await p.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
      const canvas = new OffscreenCanvas(4032, 3024);
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0, 4032, 3024);
      // Sensor noise, as a phone's JPEG carries, so the file is as large as a real one.
      const noise = ctx.getImageData(0, 0, 4032, 3024);
      for (let i = 0; i < noise.data.length; i += 4) {
        const n = (Math.random() - 0.5) * 24;
        noise.data[i] += n;
        noise.data[i + 1] += n;
        noise.data[i + 2] += n;
      }
      ctx.putImageData(noise, 0, 0);
      const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 });
      const input = document.getElementById("photo");
      const dt = new DataTransfer();
      dt.items.add(new File([blob], "IMG_0001.jpg", { type: "image/jpeg" }));
      input.files = dt.files;
      input.dispatchEvent(new Event("change"));
      return blob.size;
    }, readFileSync(PHOTO).toString("base64"));
    assert.ok(original > 2_500_000, `the photo taken is ${original} bytes`);
    await p.waitForFunction(() => /KB to send/.test(document.getElementById("photo-info").textContent));
    for (const [id, n] of Object.entries({ "v:NM": 3, "v:EG": 4, "v:OT": 0, null: 0 })) await p.fill(`[data-count="${id}"]`, String(n));
    const before = await p.locator('#sheets li[data-receipt="verified"]').count();
    const started = Date.now();
    await p.click("#sign");
    await p.waitForFunction((n) => document.querySelectorAll('#sheets li[data-receipt="verified"]').length > n, before, { timeout: 30_000 });
    const ms = Date.now() - started;
    const sent = (await api(`/v1/tables/${OTHER_TABLE}`)).submissions[0];
    const photoBytes = (await (await fetch(`${t.serve.url}${sent.photo.url}`)).arrayBuffer()).byteLength;
    writeArtifact("witness-sign-to-receipt.json", { photo_taken_bytes: original, photo_sent_bytes: photoBytes, ms_sign_to_verified_receipt: ms });
    assert.ok(photoBytes < original / 2, `sent ${photoBytes} of ${original} bytes`);
  });

  test("an answer lost after the sheet was logged: the retry finds it logged, not a second sheet", async () => {
    const p = t.page;
    let lost = 0;
    await t.context.route(
      "**/v1/submissions",
      async (route) => {
        await route.fetch();
        lost += 1;
        await route.abort("connectionreset");
      },
      { times: 1 },
    );
    await fillSheet(LOST_TABLE, { "v:NM": 5, "v:EG": 6, "v:OT": 0, null: 0 });
    const before = await p.locator('#sheets li[data-receipt="verified"]').count();
    await p.click("#sign");
    await p.waitForFunction((n) => document.querySelectorAll('#sheets li[data-receipt="verified"]').length > n, before, { timeout: 30_000 });
    assert.equal(lost, 1, "the first answer was dropped");
    const logged = (await api(`/v1/tables/${LOST_TABLE}`)).submissions;
    assert.equal(logged.length, 1, "logged once");
    assert.equal(await sheetItem(logged[0].index).getAttribute("data-state"), "flagged", "its flags as the log has them");
  });

  test("a revoked key gets a clear message and its sheet stays on the phone", async () => {
    const p = t.page;
    await testigo(["revoke", "--server", t.serve.url, "--operator-key", t.opKey, "--key", t.line, "--reason", "phone lost"]);
    await fillSheet(THIRD_TABLE, { "v:NM": 1, "v:EG": 2, "v:OT": 0, null: 0 });
    await p.click("#sign");
    await p.waitForSelector('#sheets li[data-state="refused"][data-error="revoked_key"]', { timeout: 30_000 });
    assert.match(await p.locator('#sheets li[data-state="refused"]').textContent(), /Your key was revoked/);
    await shot(p, "33-witness-revoked");
    await p.reload();
    await p.waitForFunction(() => document.documentElement.dataset.state === "ready");
    assert.equal(await p.locator('#sheets li[data-state="refused"]').count(), 1, "kept after a reload");
    assert.match(await p.locator("#key-status").textContent(), /revoked/);
    // In Spanish too, from the site's catalogs.
    await p.selectOption("#lang", "es");
    await p.waitForFunction(() => /Su clave fue revocada/.test(document.querySelector('#sheets li[data-state="refused"]').textContent));
    assert.equal(await p.locator("html").getAttribute("lang"), "es");
    await shot(p, "34-witness-revoked-es");
    await p.selectOption("#lang", "en");
    await p.waitForFunction(() => /Your key was revoked/.test(document.querySelector('#sheets li[data-state="refused"]').textContent));
    assert.deepEqual(p.problems, []);
  });

  test("the app passes axe's WCAG 2.1 A/AA checks with every kind of sheet shown, and fits 360 px", async () => {
    const p = t.page;
    await p.setViewportSize({ width: 360, height: 800 });
    // Evaluated through DevTools, which the app's Content-Security-Policy does not govern.
    await p.evaluate(readFileSync(AXE_PATH, "utf8"));
    const result = await p.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
    );
    assert.ok(result.passes.length > 0, "axe ran no checks");
    const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, first: v.nodes[0]?.target }));
    writeArtifact("witness-axe.json", violations);
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(serious, [], JSON.stringify(serious, null, 1));
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 360 px screen`);
    await shot(p, "35-witness-360px");
    await p.setViewportSize({ width: 1280, height: 900 });
    await shot(p, "36-witness-desktop");
  });

  test("every entry the page signed replays: `testigo verify` accepts the log", async () => {
    const out = await testigo(["verify", "--key", join(t.dir, "log.vkey"), "--no-state", "--quiet", "--photos", t.dir]);
    assert.match(out.stdout, /every entry replayed, none refused/);
    assert.match(out.stdout, /sheets:\s+4/);
  });

  test("the app's weight before photos", async () => {
    const files = ["index.html", "app.js", "store.js", "photo.js", "app.css", "sw.js", "manifest.webmanifest", "icon.svg"];
    let bytes = files.reduce((n, f) => n + statSync(join(REPO, "web/witness", f)).size, 0);
    for (const f of ["sign.js", "entries.js", "merkle.js", "note.js", "receipt.js", "verify.js", "tiles.js", "qrcode.js"]) {
      bytes += statSync(join(REPO, "web/js", f)).size;
    }
    const messages = await (await fetch(`${t.serve.url}/witness/messages.json`)).text();
    bytes += Buffer.byteLength(messages);
    writeArtifact("witness-weight.json", { bytes_uncompressed: bytes });
    assert.ok(bytes < 150_000, `the app is ${bytes} bytes before photos`);
  });
});
