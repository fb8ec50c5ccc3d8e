// serve against slow and numerous clients (slowloris): headers that trickle in, a request that never
// ends, idle keep-alive connections, more connections than the cap. Each is ended in bounded time,
// and a new client is still served: idle connections make room, else it gets a clear 503.

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { load } from "../helpers.js";
import { ServeState } from "../../src/server/state.js";
import { startServer } from "../../src/server/http.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection: what it received, and whether (and when) the server closed it. */
function client(port: number) {
  const sock: Socket = connect(port, "127.0.0.1");
  const c = { sock, text: "", closedAt: 0, opened: new Promise<void>((r) => sock.once("connect", () => r())) };
  sock.setEncoding("latin1");
  sock.on("data", (d) => { c.text += d; });
  sock.on("error", () => {});
  sock.on("close", () => { c.closedAt = Date.now(); });
  return c;
}
async function closedWithin(c: { closedAt: number }, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!c.closedAt && Date.now() < end) await sleep(20);
  return c.closedAt !== 0;
}

test("serve: headers sent slowly get 408 and the connection closed (headers timeout), a connection that sends nothing too, idle keep-alive connections are closed, and beyond maxConnections idle ones make room or a new one gets 503", async () => {
  const loaded = load({ "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n" });
  const state = new ServeState(loaded, DEFAULT_OPTIONS);
  const server = await startServer({ state, address: "127.0.0.1", port: 0, maxConnections: 4, headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 400 });
  const port = Number(new URL(server.url).port), host = `127.0.0.1:${port}`;
  const all: ReturnType<typeof client>[] = [];
  const open = () => { const c = client(port); all.push(c); return c; };
  try {
    // Headers trickling in (one byte every 100 ms, never the blank line): 408 after the headers timeout.
    const slow = open();
    await slow.opened;
    const start = Date.now();
    slow.sock.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`);
    const drip = setInterval(() => { if (!slow.closedAt) slow.sock.write("X"); }, 100);
    assert.ok(await closedWithin(slow, 4000), "a slow client's connection is closed");
    clearInterval(drip);
    assert.match(slow.text, /^HTTP\/1\.1 408/);
    assert.ok(slow.closedAt - start < 3000, `closed after ${slow.closedAt - start} ms`);
    // A request answered on a keep-alive connection, then idle: closed after the keep-alive timeout.
    const idle = open();
    await idle.opened;
    idle.sock.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.ok(await closedWithin(idle, 3000), "an idle keep-alive connection is closed");
    assert.match(idle.text, /^HTTP\/1\.1 200/);
    // The cap: four connections mid-request (not idle), the fifth is answered 503 and closed.
    const busy = [open(), open(), open(), open()];
    for (const c of busy) { await c.opened; c.sock.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`); }
    await sleep(100);
    const fifth = open();
    assert.ok(await closedWithin(fifth, 2000));
    assert.match(fifth.text, /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*Retry-After: 10\r\n[^]*"4 connections are open, the most served at once: retry later"/);
    for (const c of busy) c.sock.destroy();
    await sleep(100);
    // Four idle keep-alive connections (one answered request each): a new client closes them to be served.
    const kept = [open(), open(), open(), open()];
    for (const c of kept) { await c.opened; c.sock.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`); }
    await sleep(100);
    assert.ok(kept.every((c) => /^HTTP\/1\.1 200/.test(c.text) && !c.closedAt));
    const served = await fetch(`${server.url}healthz`);
    assert.equal(served.status, 200);
    assert.equal(((await served.json()) as { status: string }).status, "ok");
    await closedWithin(kept[3], 1000);
    assert.deepEqual(kept.map((c) => c.closedAt !== 0), [true, true, true, true], "idle connections were closed to make room");
    // A connection that sends nothing is ended by the headers timeout.
    const silent = open();
    await silent.opened;
    assert.ok(await closedWithin(silent, 3000), "a silent connection is closed");
    assert.match(silent.text, /^HTTP\/1\.1 408/);
  } finally {
    for (const c of all) c.sock.destroy();
    await server.close();
  }
});
