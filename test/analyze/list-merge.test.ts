// The list's external ranges, checked against a plain restatement of np-guard's merge: adjacent atoms
// of the partition that every workload treats alike (the same peers with the same connections, per
// side) are one range; entries that become equal are kept once. The list itself numbers peers and
// connection sets instead of comparing texts (src/analyze/connlist.ts pairList).

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { AtomPairs, connectionListWithPeers, type ConnEntry, type ListPeer } from "../../src/analyze/connlist.js";
import type { ConnTable } from "../../src/engine/fast/conntable.js";
import { mergeRuns } from "../../src/analyze/external-ranges.js";
import { applyFocus, NO_FOCUS, type Focus } from "../../src/analyze/focus.js";
import { formatConns } from "../../src/model/ports.js";
import type { Inventory } from "../../src/model/inventory.js";
import { clusterArb } from "../fixtures/random-cluster.js";

/** The merge restated over texts: an atom's treatment is the sorted "peer=conn" texts of its entries on one side. */
function referenceMerge(inv: Inventory, atoms: readonly ListPeer[], entries: readonly ConnEntry[]): string {
  const merged = (side: "src" | "dst") => {
    const texts = new Map<ListPeer, string[]>();
    for (const e of entries) {
      const atom = e[side], other = side === "src" ? e.dst : e.src;
      if (atom.kind === "external") texts.set(atom, [...(texts.get(atom) ?? []), `${other.id}=${formatConns(e.conns)}`]);
    }
    const treatment = (a: ListPeer) => (texts.get(a) ?? []).sort().join(",");
    const runs = mergeRuns(inv, atoms, (i, j) => treatment(atoms[i]) === treatment(atoms[j]));
    return new Map(atoms.map((a, i) => [a, runs[i]]));
  };
  const asSrc = merged("src"), asDst = merged("dst");
  const lines = new Set(entries.map((e) => `${(asSrc.get(e.src) ?? e.src).id} => ${(asDst.get(e.dst) ?? e.dst).id} : ${formatConns(e.conns)}`));
  return [...lines].sort((a, b) => Buffer.compare(Buffer.from(a.split(" => ")[0]), Buffer.from(b.split(" => ")[0])) || Buffer.compare(Buffer.from(a), Buffer.from(b))).join("\n");
}

const txt = (entries: readonly ConnEntry[]) => entries.map((e) => `${e.src.id} => ${e.dst.id} : ${formatConns(e.conns)}`).join("\n");

test("merged external ranges are the atoms every workload treats alike (fast and reference engines, with and without a focus)", () => {
  fc.assert(fc.property(clusterArb, fc.nat(), ({ inventory, options }, pick) => {
    const engine = new PolicyEngine(inventory, options);
    const ref = new PairwiseConnectivity(engine), fast = new FastConnectivity(engine);
    const atoms = connectionListWithPeers(inventory, ref, "workload", NO_FOCUS, { extraRanges: [] });
    const workloads = atoms.workloads;
    const focuses: Focus[] = [NO_FOCUS, { workloads: workloads.length ? [workloads[pick % workloads.length].id] : [], peers: [], direction: pick % 2 ? "egress" : undefined }, { workloads: [], peers: [], conn: { protocol: "TCP", port: 80 } }];
    const unmerged = atoms.sources.filter((p) => p.kind === "external");
    for (const focus of focuses) {
      const expected = referenceMerge(inventory, unmerged, applyFocus(focus, atoms.entries));
      assert.equal(txt(connectionListWithPeers(inventory, fast, "workload", focus).entries), expected, `fast, focus ${JSON.stringify(focus)}`);
      assert.equal(txt(connectionListWithPeers(inventory, ref, "workload", focus).entries), expected, `reference, focus ${JSON.stringify(focus)}`);
    }
  }), { numRuns: 200, seed: 4242 });
});

test("an atom's pairs are sorted and compared exactly whatever the connection-set ids (no bound on the table's size)", () => {
  // The sort packs (workload, id) into one number only while that is exact: ids of 2^26 and more
  // (a table that large) once overflowed into the workload.
  const table = { size: 2 ** 28, join: (a: number, b: number) => Math.max(a, b) } as unknown as ConnTable;
  const pairs = (items: [number, number][]) => { const p = new AtomPairs(); for (const [w, id] of items) p.add(w, id); p.sort(table); return p; };
  const listed = (p: AtomPairs) => { const out: [number, number][] = []; p.forEach((w, id) => out.push([w, id])); return out; };
  const a = pairs([[1, 2 ** 26 + 5], [0, 3], [1, 7], [2, 2 ** 27]]);
  assert.deepEqual(listed(a), [[0, 3], [1, 2 ** 26 + 5], [2, 2 ** 27]]);
  assert.ok(a.equals(pairs([[2, 2 ** 27], [0, 3], [1, 2 ** 26 + 5]])));
  assert.ok(!a.equals(pairs([[0, 3], [1, 5], [2, 2 ** 27]])));
  // Beyond exact numbers (2^53), pairs are compared as pairs.
  const huge = { size: 2 ** 31, join: (a: number, b: number) => a | b } as unknown as ConnTable;
  const p = new AtomPairs();
  for (const [w, id] of [[2 ** 23, 1], [5, 2 ** 30], [2 ** 23, 2], [5, 4]] as const) p.add(w, id);
  p.sort(huge);
  assert.deepEqual(listed(p), [[5, 2 ** 30 | 4], [2 ** 23, 3]]);
});
