// Running testigo: one-shot commands, and `testigo serve` as a child that is
// always stopped again (the test's `after` calls stop(); the process is also
// killed if this Node process exits first).

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const TESTIGO_BIN = process.env.TESTIGO_BIN || fileURLToPath(new URL("../../../target/debug/testigo", import.meta.url));

const running = new Set();
function killAll() {
  for (const child of running) {
    try {
      child.stdin?.end();
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killAll);

/** Synchronous clean-ups to run if the process is interrupted by a signal. */
export const onInterrupt = [];
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    killAll();
    for (const f of onInterrupt) {
      try {
        f();
      } catch {
        // best effort
      }
    }
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[signal]);
  });
}

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

// Runs "$@" and sends it SIGTERM when its standard input closes: when stop()
// closes it, or when this Node process dies in any way (even SIGKILL, when no
// exit handler runs), so a server never outlives the test.
const STOP_ON_EOF = `exec 3<&0
"$@" <&- 3<&- & c=$!
{ read -r _ <&3; kill -TERM "$c" 2>/dev/null; } &
w=$!
wait "$c"; s=$?
kill "$w" 2>/dev/null
exit $s`;

/**
 * Starts `testigo serve --dir DIR` on a free port and waits for its
 * "serving on http://…" line. Returns { url, child, stop() }.
 */
export async function startServe(dir, { timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const child = spawn("/bin/sh", ["-c", STOP_ON_EOF, "sh", TESTIGO_BIN, "serve", "--dir", dir, "--addr", `127.0.0.1:${port}`], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  const exited = new Promise((ok) => child.on("close", (code, signal) => ok(code ?? signal)));
  exited.then(() => running.delete(child));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end(); // the wrapper then sends testigo SIGTERM and waits for it
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
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
