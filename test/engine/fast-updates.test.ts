// Incremental updates of the fast engine against a fresh reference after every step: policies
// added, changed and removed, endpoints added and removed, namespaces relabelled.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { Endpoint } from "../../src/model/endpoint.js";
import type { Inventory } from "../../src/model/inventory.js";
import { parseAddress } from "../../src/model/ip.js";
import type { Policy } from "../../src/model/policy.js";
import { clusterArb, tieredClusterArb, type RandomCluster } from "../fixtures/random-cluster.js";
import { assertAgree } from "./fast-agree.js";

const agree = (fast: FastConnectivity, inv: Inventory, step: string) => assertAgree(fast, [...inv.endpoints.map((endpoint) => ({ endpoint })), ...EXTERNAL], step, inv);

const EXTERNAL = ["10.0.0.1", "8.8.8.8", "192.0.2.5", "192.168.0.2"].map((a) => ({ address: parseAddress(a)! }));


type Op = { kind: "policy" | "endpoint" | "drop-policy" | "drop-endpoint" | "relabel" | "change"; pick: number };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op["kind"]>("policy", "policy", "endpoint", "endpoint", "drop-policy", "drop-endpoint", "relabel", "change"),
  pick: fc.nat(),
});

const updatesPropertyOf = (clusters: fc.Arbitrary<RandomCluster>) => fc.property(clusters, fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.nat(), (cluster, ops, held) => {
    // The engine changes the inventory in place: work on a copy, so that shrinking sees the original.
    const inv = structuredClone(cluster.inventory), options = cluster.options;
    // Hold some policies and endpoints back; they arrive as updates.
    const heldPolicies = inv.policies.filter((_, i) => (held >> i) & 1);
    inv.policies = inv.policies.filter((p) => !heldPolicies.includes(p));
    const heldEndpoints: Omit<Endpoint, "id">[] = [];
    for (const e of [...inv.endpoints].reverse()) if (e.kind === "pod" && ((held >> (e.id + 8)) & 1)) heldEndpoints.push(drop(inv, e));
    const fast = new FastConnectivity(new PolicyEngine(inv, options));
    agree(fast, inv, "initial");
    for (const op of ops) {
      const step = applyOp(fast, inv, op, heldPolicies, heldEndpoints);
      if (step) agree(fast, inv, step);
    }
  });

export const updatesProperty = updatesPropertyOf(clusterArb);

test("incremental updates agree with a fresh reference after every step", () => {
  fc.assert(updatesProperty, { numRuns: 150, seed: 99 });
});

// Calico's tiers inside the Admin and Baseline tiers (Policy.tierGroup): a Pass ends its group only.
// The Admin parts' rows are reused by tierKey across updates: a policy's group is part of its id.
test("incremental updates agree with a fresh reference after every step, with Calico tiers", () => {
  fc.assert(updatesPropertyOf(tieredClusterArb), { numRuns: 100, seed: 26 });
});

function applyOp(fast: FastConnectivity, inv: Inventory, op: Op, policies: Policy[], endpoints: Omit<Endpoint, "id">[]): string | undefined {
  switch (op.kind) {
    case "policy": {
      const p = policies.shift();
      if (!p) return undefined;
      fast.upsertPolicy(p);
      return `add policy ${p.name}`;
    }
    case "change": {
      const old = inv.policies[op.pick % Math.max(1, inv.policies.length)];
      if (!old) return undefined;
      fast.upsertPolicy({ ...old, ingress: old.egress, egress: old.ingress });
      return `change policy ${old.name}`;
    }
    case "drop-policy": {
      const old = inv.policies[op.pick % Math.max(1, inv.policies.length)];
      if (!old) return undefined;
      fast.removePolicy(old);
      return `remove policy ${old.name}`;
    }
    case "endpoint": {
      const e = endpoints.shift();
      if (!e) return undefined;
      fast.upsertEndpoint(e);
      return `add ${e.name}`;
    }
    case "drop-endpoint": {
      const e = inv.endpoints[op.pick % inv.endpoints.length];
      if (!e) return undefined;
      fast.removeEndpoint(e);
      return `remove ${e.name}`;
    }
    case "relabel": {
      const name = ["a", "b", "c"][op.pick % 3];
      const labels: Record<string, string> = [{ team: "x" }, { team: "y", env: "prod" }, {}][Math.floor(op.pick / 3) % 3];
      fast.setNamespaceLabels(name, labels);
      return `relabel ${name}`;
    }
  }
}

/** Removes an endpoint before the engine is built (ids stay indexes). */
function drop(inv: Inventory, e: Endpoint): Omit<Endpoint, "id"> {
  inv.endpoints.splice(e.id, 1);
  inv.endpoints.forEach((x, i) => { x.id = i; });
  const { id: _id, ...rest } = e;
  return rest;
}
