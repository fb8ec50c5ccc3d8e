// The address timeline: who held an address when, from snapshots (a change somewhere between two
// observations) and from watch events (a change at a known moment).

import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressTimeline, type Holder, type HistoryRecord } from "../../src/model/history.js";

const T = (min: number) => Date.UTC(2026, 11, 5, 6, min);
const pod = (name: string): Holder => ({ kind: "pod", namespace: "shop", name, labels: { app: name } });
const names = (tl: AddressTimeline, from: number, to = from) => { const l = tl.lookup("10.0.0.5", from, to); return [l.match, l.tenures.map((t) => t.holder.name)]; };

function timeline(records: HistoryRecord[]): AddressTimeline {
  const tl = new AddressTimeline();
  for (const r of records) tl.apply(r);
  return tl;
}

test("snapshots: a pod seen at 06:00 and 06:05 surely held its address in between; before the first snapshot only possibly", () => {
  const tl = timeline([
    { op: "snapshot", at: T(0), source: "t0", holders: 1 },
    { op: "up", at: T(0), after: null, holder: pod("a"), addresses: ["10.0.0.5"] },
    { op: "snapshot", at: T(5), source: "t1", holders: 1 },
  ]);
  assert.deepEqual(names(tl, T(3)), ["exact", ["a"]]);
  assert.deepEqual(names(tl, T(-10)), ["possible", ["a"]]);
  assert.deepEqual(tl.lookup("10.0.0.6", T(3), T(3)).match, "none");
});

test("snapshots: the address changed hands between 06:05 and 06:10; flows inside the window are ambiguous, outside exact", () => {
  const tl = timeline([
    { op: "up", at: T(0), after: null, holder: pod("a"), addresses: ["10.0.0.5"] },
    { op: "down", at: T(10), after: T(5), holder: { kind: "pod", namespace: "shop", name: "a" }, addresses: ["10.0.0.5"] },
    { op: "up", at: T(10), after: T(5), holder: pod("b"), addresses: ["10.0.0.5"] },
  ]);
  assert.deepEqual(names(tl, T(5)), ["exact", ["a"]], "at the snapshot that still saw a");
  assert.deepEqual(names(tl, T(7)), ["ambiguous", ["a", "b"]]);
  assert.deepEqual(names(tl, T(10)), ["exact", ["b"]], "at the snapshot that saw b");
  assert.deepEqual(names(tl, T(12)), ["exact", ["b"]]);
  assert.deepEqual(names(tl, T(4), T(6)), ["ambiguous", ["a", "b"]], "a record's window reaching into the change");
});

test("watch events: a change at a known moment; a flow at that very moment is ambiguous, a millisecond either side is not", () => {
  const tl = timeline([
    { op: "up", at: T(0), holder: pod("a"), addresses: ["10.0.0.5"] },
    { op: "down", at: T(5), holder: { kind: "pod", namespace: "shop", name: "a" }, addresses: ["10.0.0.5"] },
    { op: "up", at: T(5), holder: pod("b"), addresses: ["10.0.0.5"] },
  ]);
  assert.deepEqual(names(tl, T(5) - 1), ["exact", ["a"]]);
  assert.deepEqual(names(tl, T(5)), ["ambiguous", ["a", "b"]]);
  assert.deepEqual(names(tl, T(5) + 1), ["exact", ["b"]]);
  assert.deepEqual(names(tl, T(0) - 1), ["none", []], "before a watched start nobody held it");
});

test("a released address nobody took is unowned afterwards; overlapping clusters make one address ambiguous", () => {
  const tl = timeline([
    { op: "up", at: T(0), holder: { ...pod("a"), cluster: "eu" }, addresses: ["10.0.0.5"] },
    { op: "up", at: T(0), holder: { ...pod("a"), cluster: "us" }, addresses: ["10.0.0.5"] },
    { op: "down", at: T(5), holder: { kind: "pod", cluster: "us", namespace: "shop", name: "a" }, addresses: ["10.0.0.5"] },
  ]);
  assert.deepEqual(names(tl, T(3))[0], "ambiguous");
  assert.deepEqual(names(tl, T(7)), ["exact", ["a"]]);
  assert.equal(tl.lookup("10.0.0.5", T(7), T(7)).tenures[0].holder.cluster, "eu");
  assert.deepEqual([...tl.clusters].sort(), ["eu", "us"]);
});
