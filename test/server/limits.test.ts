// junction serve's bounds: event streams (how many, and how much a client may leave unread), the
// answer cache, and request bodies.

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { load } from "../helpers.js";
import { events, getJson } from "./helpers.js";
import { ServeState } from "../../src/server/state.js";
import { startServer } from "../../src/server/http.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";

test("serve: at most maxStreams event streams at once (more get 503), a stream whose client reads nothing is closed past maxUnread bytes, the answer cache is bounded, and a request body ends the connection", async () => {
  const loaded = load({ "shop.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop, labels: {app: a}}\nspec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: shop, labels: {app: b}}\nspec: {containers: [{name: c, image: x}]}\n" });
  const state = new ServeState(loaded, DEFAULT_OPTIONS, { entries: 3, chars: 1e9 });
  const server = await startServer({ state, address: "127.0.0.1", port: 0, maxStreams: 2, maxUnread: 64 * 1024 });
  const { port } = new URL(server.url);
  try {
    // Streams: two open, the third refused until one closes.
    const one = await events(server.url + "api/v1/events"), two = await events(server.url + "api/v1/events");
    await one.next("hello"); await two.next("hello");
    const third = await fetch(server.url + "api/v1/events");
    assert.equal(third.status, 503);
    assert.match(((await third.json()) as { error: string }).error, /2 event streams are open/);
    two.close();
    let again: Response | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i++) { await new Promise((r) => setTimeout(r, 20)); again = await fetch(server.url + "api/v1/events"); if (again.status !== 200) await again.body?.cancel(); }
    assert.equal(again!.status, 200);
    await again!.body!.cancel();
    one.close();
    await new Promise((r) => setTimeout(r, 100));

    // A client that reads nothing: the server stops holding events for it.
    const stalled = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve) => stalled.once("connect", () => resolve()));
    stalled.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    stalled.pause();
    let closed = false;
    stalled.on("close", () => { closed = true; }).on("error", () => {});
    await new Promise((r) => setTimeout(r, 100));
    const change = Array.from({ length: 4096 }, (_, i) => `MODIFIED NetworkPolicy shop/policy-number-${i}`);
    let sent = 0;
    for (let i = 0; i < 400 && !closed; i++) {
      state.changed("reload", change, Date.now());
      sent += JSON.stringify(change).length;
      await new Promise((r) => setImmediate(r));
      if (i % 20 === 19) { stalled.resume(); stalled.pause(); await new Promise((r) => setTimeout(r, 10)); }
    }
    let received = 0;
    stalled.on("data", (d: Buffer) => { received += d.length; });
    stalled.resume();
    for (let i = 0; i < 200 && !closed; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(closed, "the stalled stream was closed");
    assert.ok(received < sent, `the stalled client got ${received} of ${sent} bytes`);

    // The answer cache: at most 3 answers, the newest kept, each still the right answer.
    const ask = (p: number) => getJson(`${server.url}api/v1/explain?from=shop/a&to=shop/b&port=${p}`);
    const first = await ask(1);
    for (let p = 2; p <= 6; p++) assert.equal((await ask(p)).status, 200);
    assert.deepEqual(state.cacheSize().entries, 3);
    assert.deepEqual(await ask(1), first);
    const tiny = new ServeState(loaded, DEFAULT_OPTIONS, { entries: 1000, chars: 10 });
    for (const p of ["1", "2"]) assert.equal(tiny.answer("/api/v1/explain", new URLSearchParams({ from: "shop/a", to: "shop/b", port: p })).status, 200);
    assert.equal(tiny.cacheSize().entries, 1);
    assert.equal(tiny.cacheSize().chars, tiny.answer("/api/v1/explain", new URLSearchParams({ from: "shop/a", to: "shop/b", port: "2" })).body.length);

    // A request with a body is answered and the connection closed, its body not read.
    const reply = await new Promise<string>((resolve, reject) => {
      let got = "";
      const c = connect(Number(port), "127.0.0.1", () => c.write(`POST /api/v1/summary HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`));
      c.on("data", (d) => { got += d; }).on("close", () => resolve(got)).on("error", reject);
    });
    assert.match(reply, /^HTTP\/1\.1 405 /);
    assert.match(reply, /\r\nConnection: close\r\n/i);
  } finally { await server.close(); }
});
