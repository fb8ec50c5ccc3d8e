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

test("an atom's pairs are sorted by workload, repeats joined, and compared exactly whatever the connection-set ids", () => {
  // Ids of 2^26 and more (a table that large) once overflowed into the workload when (workload, id) was packed into one number.
  const table = { join: (a: number, b: number) => a | b } as unknown as ConnTable;
  const listed = (p: AtomPairs, i: number) => { const out: [number, number][] = []; for (let k = p.start(i); k < p.start(i + 1); k++) out.push([p.workloadAt(k), p.idAt(k)]); return out; };
  const p = new AtomPairs();
  // Atom 0 and atom 2 get the same pairs in other orders; atom 1 differs in one id; atom 3 has none; atom 4 repeats a workload.
  for (const [w, id] of [[1, 2 ** 26 + 5], [0, 3], [2, 2 ** 27]] as const) p.add(0, w, id);
  for (const [w, id] of [[0, 3], [1, 5], [2, 2 ** 27]] as const) p.add(1, w, id);
  for (const [w, id] of [[2, 2 ** 27], [0, 3], [1, 2 ** 26 + 5]] as const) p.add(2, w, id);
  for (const [w, id] of [[2 ** 20, 1], [5, 2 ** 30], [2 ** 20, 2], [5, 4]] as const) p.add(4, w, id);
  p.sort(5, 2 ** 20 + 1, table);
  assert.deepEqual(listed(p, 0), [[0, 3], [1, 2 ** 26 + 5], [2, 2 ** 27]]);
  assert.deepEqual(listed(p, 3), []);
  assert.deepEqual(listed(p, 4), [[5, 2 ** 30 | 4], [2 ** 20, 3]]);
  assert.ok(p.equals(0, 2));
  assert.ok(!p.equals(0, 1));
  assert.ok(!p.equals(0, 3));
  assert.ok(p.equals(3, 3));
});
