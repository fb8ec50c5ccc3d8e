// The list's workloads (src/analyze/connlist.ts workloadPeers), checked against a plain restatement:
// pods grouped under their owner (model/owners.ts groupOwner) by namespace, owner kind and name, a
// pod without one alone, a Workload (VM) as itself; groups in the order their first endpoint comes,
// each group's parties in the inventory's order. workloadPeers numbers the groups in one pass and
// fills lists made at their length in a second: the pods of a workload need not come in a row.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { workloadPeers } from "../../src/analyze/connlist.js";
import { groupOwner } from "../../src/model/owners.js";
import { emptyInventory, type Inventory } from "../../src/model/inventory.js";
import type { Endpoint } from "../../src/model/endpoint.js";
import { clusterArb } from "../fixtures/random-cluster.js";

/** The groups restated: "id: endpoint ids" per group, in the order of their first endpoint. */
function reference(inv: Inventory): string[] {
  const ownerOf = groupOwner(inv);
  const groups = new Map<string, number[]>();
  for (const e of inv.endpoints) {
    if (e.kind !== "pod" && e.kind !== "workload") continue;
    const owner = e.kind === "pod" ? ownerOf(e) : undefined;
    const id = `${e.namespace === undefined ? "" : `${e.namespace}/`}${owner ? owner.name : e.name}[${e.kind === "workload" ? "Workload" : owner?.kind ?? "Pod"}]`;
    groups.set(id, [...(groups.get(id) ?? []), e.id]);
  }
  return [...groups].map(([id, ids]) => `${id}: ${ids.join(",")}`);
}

function actual(inv: Inventory): string[] {
  return workloadPeers(inv).map((w) => {
    // Every list is full (no hole left by a miscounted size).
    assert.equal(Object.keys(w.parties).length, w.parties.length, `${w.id} has holes`);
    assert.equal(w.id, `${w.namespace === undefined ? "" : `${w.namespace}/`}${w.name}[${w.type}]`);
    return `${w.id}: ${w.parties.map((p) => p.endpoint!.id).join(",")}`;
  });
}

test("workloadPeers groups as the plain restatement does, on random clusters", () => {
  fc.assert(fc.property(clusterArb, ({ inventory }) => {
    assert.deepEqual(actual(inventory), reference(inventory));
  }), { numRuns: 200 });
});

test("workloadPeers: a workload's pods apart, a Deployment's ReplicaSets under it, a Workload, a pod alone", () => {
  const inv = emptyInventory();
  const add = (e: Omit<Endpoint, "id">) => { inv.endpoints.push({ ...e, id: inv.endpoints.length } as Endpoint); };
  const pod = (name: string, owner?: { kind: string; name: string }, namespace = "shop") =>
    add({ kind: "pod", name, namespace, labels: {}, addresses: [], ports: [], owner });
  pod("web-a-1", { kind: "ReplicaSet", name: "web-a" });
  pod("db-0", { kind: "StatefulSet", name: "db" });
  pod("web-b-1", { kind: "ReplicaSet", name: "web-b" });
  pod("lone");
  add({ kind: "workload", name: "vm", namespace: "shop", labels: {}, addresses: [], ports: [] });
  pod("db-1", { kind: "StatefulSet", name: "db" });
  pod("web-a-2", { kind: "ReplicaSet", name: "web-a" });
  pod("db-0", { kind: "StatefulSet", name: "db" }, "other");
  // The Deployment owns both ReplicaSets' pods (groupOwner: by the controllers' pod lists).
  inv.controllers.push({ kind: "Deployment", namespace: "shop", name: "web", pods: [0, 2, 6] });
  assert.deepEqual(actual(inv), ["shop/web[Deployment]: 0,2,6", "shop/db[StatefulSet]: 1,5", "shop/lone[Pod]: 3", "shop/vm[Workload]: 4", "other/db[StatefulSet]: 7"]);
  assert.deepEqual(actual(inv), reference(inv));
});
