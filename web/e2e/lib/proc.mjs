// Running testigo: one-shot commands, and `testigo serve` as a child that is
// always stopped again (the test's `after` calls stop(); the process is also
// killed if this Node process exits first).

import { spawn } from "node:child_process";
import { createServer } from "node:net";

export const TESTIGO_BIN = process.env.TESTIGO_BIN || "/work/main/target/debug/testigo";

const running = new Set();
process.on("exit", () => {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Runs a command to completion; rejects with its output if it fails. */
export function run(cmd, args, { timeoutMs = 120_000, cwd } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      running.delete(child);
      fail(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) ok({ stdout: out, stderr: err });
      else fail(new Error(`${cmd} ${args.join(" ")}: exit ${code ?? signal}\n${out}\n${err}`));
    });
  });
}

/** `testigo ARGS…` */
export function testigo(args, opts) {
  return run(TESTIGO_BIN, args, opts);
}

/** A port nobody listens on right now (listen on port 0, then close). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * Starts `testigo serve --dir DIR` on a free port and waits for its
 * "serving on http://…" line. Returns { url, child, stop() }.
 */
export async function startServe(dir, { timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const child = spawn(TESTIGO_BIN, ["serve", "--dir", dir, "--addr", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  const exited = new Promise((ok) => child.on("close", (code, signal) => ok(code ?? signal)));
  exited.then(() => running.delete(child));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`testigo serve did not start in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1].replace(/\/$/, ""));
      }
    });
    child.stderr.on("data", (d) => (err += d));
    exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`testigo serve exited (${code}) before listening:\n${out}\n${err}`));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  return { url, child, stop, output: () => out + err };
}
