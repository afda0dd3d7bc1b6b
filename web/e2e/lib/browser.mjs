// Chromium through playwright-core: one browser per test file, a new context
// (a fresh profile: no cookies, cache or localStorage) per scenario, and on
// every page the console errors and uncaught exceptions collected so a test
// can assert there were none.

import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", "artifacts");
export const AXE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** Launches Chromium (Playwright gives it a fresh temporary --user-data-dir). */
export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/**
 * A new page in `context` that records problems in `page.problems`: console
 * messages of type error and uncaught exceptions (`pageerror`). Requests the
 * test causes to fail on purpose can be allowed with `allow` (regexps matched
 * against "<message> <url>").
 */
export async function newPage(context, { allow = [] } = {}) {
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const where = m.location()?.url || "";
    const text = `console error: ${m.text()} ${where}`.trim();
    if (!allow.some((re) => re.test(text))) page.problems.push(text);
  });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

/** Waits until the table page's verification ends; returns { verdict, ms, status, steps }. */
export async function verdict(page, timeout = 30_000) {
  await page.waitForFunction(
    () => {
      const v = document.documentElement.dataset.verify;
      return v === "verified" || v === "failed";
    },
    null,
    { timeout },
  );
  return page.evaluate(() => ({
    verdict: document.documentElement.dataset.verify,
    ms: document.documentElement.dataset.verifyMs ? Number(document.documentElement.dataset.verifyMs) : null,
    status: document.getElementById("verify-status")?.textContent ?? "",
    steps: Array.from(document.querySelectorAll("#verify-steps li"), (li) => li.textContent),
    lang: document.documentElement.lang,
  }));
}

/** A full-page screenshot in artifacts/<name>.png. */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export function writeArtifact(name, value) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), typeof value === "string" ? value : `${JSON.stringify(value, null, 2)}\n`);
}
