// The list is sorted by source id, then destination id, in byte order (np-guard sorts its lines as
// strings), and stably: pairOrder ranks peers by id instead of comparing the strings per entry.

import { test } from "node:test";
import assert from "node:assert/strict";
import { pairOrder, type ConnEntry, type ListPeer } from "../../src/analyze/connlist.js";
import { ALL_CONNS } from "../../src/model/ports.js";

const peer = (id: string): ListPeer => ({ id, kind: "workload", name: id, type: "Pod", parties: [] });

test("pairOrder: by source then destination id in byte order, stable; distinct peers with one id rank together", () => {
  // Byte order: "B" < "a" < "a/b" < "a0" < "é"; two objects named "net[Network]" (a Network merged on each side).
  const ids = ["a0", "é", "a/b", "B", "a", "net[Network]"];
  const peers = [...ids.map(peer), peer("net[Network]")];
  const entries: ConnEntry[] = [];
  let seed = 7;
  for (let i = 0; i < 400; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    entries.push({ src: peers[seed % peers.length], dst: peers[(seed >> 8) % peers.length], conns: ALL_CONNS });
  }
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const expected = entries.map((e, i) => ({ e, i })).sort((x, y) => byBytes(x.e.src.id, y.e.src.id) || byBytes(x.e.dst.id, y.e.dst.id) || x.i - y.i).map((x) => x.e);
  const src = Uint32Array.from(entries, (e) => peers.indexOf(e.src)), dst = Uint32Array.from(entries, (e) => peers.indexOf(e.dst));
  const sorted = Array.from(pairOrder(peers, src, dst, entries.length), (k) => entries[k]);
  assert.equal(sorted.length, expected.length);
  sorted.forEach((e, i) => assert.equal(e, expected[i], `entry ${i}`));
  assert.equal(pairOrder(peers, src, dst, 0).length, 0);
});
