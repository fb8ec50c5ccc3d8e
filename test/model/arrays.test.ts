// Lists as long as the cluster: V8 passes a spread call's arguments on the stack, so
// `out.push(...xs)` or `Math.max(...xs)` throws "Maximum call stack size exceeded" above about
// 125k elements (one per pod at 150k pods). The helpers and the outputs that use them take any length.

import assert from "node:assert/strict";
import test from "node:test";
import { append, maxOf, minOf, sortStrings } from "../../src/model/arrays.js";
import { renderTable } from "../../src/targets/nftables/ruleset.js";
import { unifiedDiff } from "../../src/targets/linediff.js";

const N = 300_000;

test("a spread of 300k arguments overflows the stack here, so the test below means something", () => {
  assert.throws(() => [].push(...(new Array(N).fill(0) as never[])), RangeError);
});

test("append, maxOf and minOf take 300k items", () => {
  const xs = Array.from({ length: N }, (_, i) => (i * 7919) % N);
  assert.equal(append([1], xs).length, N + 1);
  assert.equal(maxOf(xs), N - 1);
  assert.equal(minOf(xs), 0);
  assert.equal(maxOf([], 0), 0);
  assert.equal(minOf([]), Infinity);
  assert.equal(maxOf([-5, -3], 0), 0);
});

test("an nftables set of 300k addresses is written (one element per pod at the Kubernetes limit)", () => {
  const elements = Array.from({ length: N }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
  const text = renderTable({ family: "inet", name: "junction", notes: [], sets: [{ name: "pods", map: false, type: "ipv4_addr", interval: false, elements }], chains: [] });
  assert.equal(text.split("\n").filter((l) => /^ {6}10\./.test(l)).length, N);
});

test("a diff whose hunk is 300k lines long is written", () => {
  const after = Array.from({ length: N }, (_, i) => `line ${i}`).join("\n") + "\n";
  const diff = unifiedDiff("", after, ["a", "b"]);
  assert.equal(diff.split("\n").filter((l) => l.startsWith("+line ")).length, N);
});

test("sortStrings orders as Array.prototype.sort() does (UTF-16 code units), short and long lists", () => {
  // Class keys of the connectivity engine are built from lists sorted this way: a different order
  // would only split classes, but the keys are pinned to the built-in order.
  const pool = ["app=web", "app.kubernetes.io/name=x", "app=", "App=web", "tier=\u0000", "z", "é=1", "\u{1F600}=a", "\uFF5E=b", "a-b=c", "a_b=c", "10", "9", "app=web"];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 48271) >>> 0) % 2147483647);
  for (let n = 0; n <= 24; n++) {
    for (let round = 0; round < 20; round++) {
      const xs = Array.from({ length: n }, () => pool[next() % pool.length]);
      assert.deepEqual(sortStrings([...xs]), [...xs].sort(), JSON.stringify(xs));
    }
  }
});
