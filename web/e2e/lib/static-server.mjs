// A small static file server for the exported site (no dependency): serves
// one root directory, `index.html` for a directory, redirects `/x` to `/x/`
// when x is a directory, and 404 for anything else. Its root can be switched
// while it runs, so one origin (and so one browser localStorage) can be shown
// two copies of the site one after the other.

import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join, resolve, sep, extname } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

export function contentType(path) {
  return TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

async function statOrNull(path) {
  try {
    return await stat(path); // follows symbolic links
  } catch {
    return null;
  }
}

/**
 * Starts a server on 127.0.0.1 (port 0: the system picks a free one).
 * Returns { url, port, root, setRoot(dir), requests, close() }; `requests`
 * records "<status> <path>" of every request, for diagnostics.
 */
export async function startStaticServer(root) {
  const state = { root: resolve(root) };
  const requests = [];

  const server = createServer(async (req, res) => {
    const send = (status, headers = {}, body = "") => {
      requests.push(`${status} ${req.url}`);
      res.writeHead(status, { "cache-control": "no-cache", ...headers });
      res.end(body);
    };
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(405, { allow: "GET, HEAD" });
      const url = new URL(req.url, "http://localhost");
      let rel;
      try {
        rel = decodeURIComponent(url.pathname);
      } catch {
        return send(400);
      }
      if (rel.includes("\0")) return send(400);
      const base = state.root;
      let file = resolve(join(base, rel));
      if (file !== base && !file.startsWith(base + sep)) return send(404, { "content-type": "text/plain" }, "not found\n");
      let info = await statOrNull(file);
      if (info?.isDirectory()) {
        if (!url.pathname.endsWith("/")) {
          return send(301, { location: `${url.pathname}/${url.search}` });
        }
        file = join(file, "index.html");
        info = await statOrNull(file);
      }
      if (!info?.isFile()) return send(404, { "content-type": "text/plain" }, "not found\n");
      requests.push(`200 ${req.url}`);
      res.writeHead(200, {
        "content-type": contentType(file),
        "content-length": info.size,
        "cache-control": "no-cache",
      });
      if (req.method === "HEAD") return res.end();
      createReadStream(file)
        .on("error", () => res.destroy())
        .pipe(res);
    } catch (e) {
      send(500, { "content-type": "text/plain" }, `${e.message}\n`);
    }
  });
  // Keep-alive sockets would hold close() open.
  server.keepAliveTimeout = 1000;

  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get root() {
      return state.root;
    },
    setRoot(dir) {
      state.root = resolve(dir);
    },
    close() {
      return new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections?.();
      });
    },
  };
}
