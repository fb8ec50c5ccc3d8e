// serve's HTTP surface as hostile input: path traversal in the file-serving routes (the UI's assets,
// /api/v1/source), unknown routes and methods, malformed query strings, huge headers, a huge or slow
// request body, many requests at once: each gets a clear 4xx (or its answer), memory stays bounded,
// the server stays up, and it listens on loopback unless told otherwise.

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { serve } from "./helpers.js";

/** Sends `head` (and `body`) as they are on a new connection; resolves with the status and body of the answer. */
/**
 * A server that answers before the body is read and closes sends the answer, then a reset: when the
 * reset reaches a write of the body first, Node destroys the socket before the answer is read
 * (EPIPE/ECONNRESET). That ends with `reset` (status 0) instead of failing; any other error fails.
 */
function raw(url: string, head: string, body?: { bytes: number; chunkDelayMs?: number }): Promise<{ status: number; body: string; closed: boolean; reset?: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    let text = "";
    sock.setEncoding("latin1");
    sock.on("data", (d) => { text += d; });
    let failure: Error | undefined, reset = false;
    sock.on("error", (e: NodeJS.ErrnoException) => { if (body && (e.code === "EPIPE" || e.code === "ECONNRESET")) reset = true; else failure ??= e; });
    sock.on("close", () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m && reset && !failure) return resolve({ status: 0, body: "", closed: true, reset });
      if (!m) return reject(failure ?? new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status: Number(m[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4), closed: true });
    });
    sock.write(head);
    if (!body) { setTimeout(() => sock.end(), 200); return; }
    let sent = 0;
    const chunk = Buffer.alloc(1 << 20, 0x7b);
    const more = () => {
      // (Stops once the answer began: a reset is then never met by a write.)
      if (sock.destroyed || sent >= body.bytes || text) return;
      sent += chunk.length;
      sock.write(chunk, () => setTimeout(() => setImmediate(more), body.chunkDelayMs ?? 0));
    };
    more();
  });
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

test("hostile requests get a clear 4xx, never a file outside the UI, and the server stays up with bounded memory", async () => {
  const s = await serve(["-f", "examples/shop"]);
  const host = new URL(s.url).host;
  const get = (target: string, method = "GET") => raw(s.url, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "loopback unless --address says otherwise");
    // Path traversal, in every spelling, in the asset route and the source route.
    for (const target of ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/index.html/../../package.json", "//etc/passwd",
      "/api/v1/source?name=/etc/passwd", "/api/v1/source?name=../../../../etc/passwd", "/api/v1/source?name=cluster:../../etc/passwd", "/api/v1/source?name=examples/shop/../../package.json"]) {
      const r = await get(target);
      assert.equal(r.status, 404, target);
      assert.doesNotMatch(r.body, /root:|"name": "junction"/, target);
    }
    // Unknown routes, methods not allowed, a target that is no URL, malformed query strings.
    assert.equal((await get("/api/v1/nope")).status, 404);
    assert.equal((await get("/api/v2/summary")).status, 404);
    for (const m of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]) assert.equal((await get("/api/v1/summary", m)).status, 405, m);
    assert.equal((await get("http://[::1/api")).status, 400);
    assert.equal((await get("/api/v1/explain?from=%zz&to=shop/api&port=80")).status, 400);
    assert.equal((await get("/api/v1/matrix?port=%FF%FE")).status, 400);
    // A long value in a path or parameter is quoted capped in the error.
    const long = await get(`/api/v1/explain?from=${"a".repeat(12000)}&to=shop/api&port=80`);
    assert.equal(long.status, 400);
    assert.ok(long.body.length < 600, long.body.slice(0, 300));
    assert.match(long.body, /\(12000 characters\)/);
    assert.match((await get(`/${"x".repeat(12000)}`)).body, /no such path \\"\/x{99}\.\.\.\\" \(12001 characters\)/);
    // Headers beyond Node's 16 KiB: 431.
    assert.equal((await raw(s.url, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`)).status, 431);

    const before = rssKb(s.child.pid!);
    // A huge body (64 MiB announced and sent), and a slow one: answered at once, never read into memory, the connection closed.
    const huge = await raw(s.url, `POST /api/v1/summary HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${64 << 20}\r\n\r\n`, { bytes: 64 << 20 });
    assert.ok(huge.status === 405 || huge.reset, `a huge body: 405, or the connection closed under the writer (got ${huge.status})`);
    const started = Date.now();
    const slow = await raw(s.url, `GET /api/v1/summary HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n`, { bytes: 8 << 20, chunkDelayMs: 200 });
    assert.equal(slow.status, 200);
    assert.ok(Date.now() - started < 5000, "a slow body does not hold the answer back");
    // Many requests at once, distinct answers (the cache is bounded).
    const statuses = await Promise.all(Array.from({ length: 300 }, (_, i) => fetch(`${s.url}api/v1/explain?from=shop/web&to=shop/api&port=${1000 + i}`).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [200]);
    const grown = rssKb(s.child.pid!) - before;
    assert.ok(grown < 150_000, `RSS grew by ${grown} KiB`);
    const health = await fetch(s.url + "healthz");
    assert.equal(health.status, 200);
    assert.equal(s.child.exitCode, null, "still running");
  } finally { await s.stop(); }
});
