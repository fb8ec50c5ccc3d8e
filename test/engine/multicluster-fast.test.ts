// Two random clusters with the same address plan (overlapping pod ranges: both number pods 10.0.0.x,
// nodes 192.168.0.x) in one model (sources/clusters.ts): one declares egress NAT inside a range the
// policies name (192.0.2.7, in 192.0.2.0/24), the other none (its pod addresses are routable). The
// fast engine and the plain reference must agree on every pair, and no policy of one cluster may
// decide anything for an endpoint of the other.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { formatConns } from "../../src/model/ports.js";
import { parseAddress, parseCidr } from "../../src/model/ip.js";
import { Diagnostics } from "../../src/model/source.js";
import { Locator } from "../../src/sources/locate.js";
import { mergeClusters } from "../../src/sources/clusters.js";
import type { Inventory } from "../../src/model/inventory.js";
import type { Party } from "../../src/engine/match.js";
import { clusterArb } from "../fixtures/random-cluster.js";

const loaded = (inventory: Inventory) => ({ inventory, diagnostics: new Diagnostics(), locator: new Locator(), files: 0, objects: 0, inputs: [] });

const twoClusters = fc.tuple(clusterArb, clusterArb, fc.boolean()).map(([eu, us, natInEu]) => {
  const nat = natInEu ? "eu" : "us";
  for (const [name, c] of [["eu", eu], ["us", us]] as const) {
    c.inventory.clusters.push({ name, labels: {}, podCIDRs: [parseCidr("10.0.0.0/24")!], serviceCIDRs: [], egressNAT: name === nat ? [parseCidr("192.0.2.7/32")!] : [] });
  }
  // The second cluster's Cluster object is given once, as the input of no cluster would.
  const merged = mergeClusters([{ cluster: "eu", loaded: loaded(eu.inventory) }, { cluster: "us", loaded: loaded(us.inventory) }]).inventory;
  merged.clusters.splice(1);
  merged.clusters.push(us.inventory.clusters[0]);
  const parties: Party[] = [
    ...merged.endpoints.map((endpoint) => ({ endpoint })),
    ...["10.0.0.5", "192.0.2.7", "192.168.0.1", "fd00::5"].map((a) => ({ address: parseAddress(a)! })),
  ];
  return { inventory: merged, options: eu.options, parties };
});

const label = (p: Party) => p.endpoint ? `${p.endpoint.cluster ?? ""}:${p.endpoint.namespace ?? ""}/${p.endpoint.name}` : `ip:${p.address?.value}`;

test("two clusters with overlapping pod ranges and egress NAT: the fast engine and the reference agree on every pair", () => {
  let crossed = 0;
  fc.assert(fc.property(twoClusters, ({ inventory, options, parties }) => {
    const engine = new PolicyEngine(inventory, options);
    const ref = new PairwiseConnectivity(engine);
    const fast = new FastConnectivity(engine);
    for (const s of parties) for (const d of parties) {
      assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${label(s)} -> ${label(d)}`);
      if (s.endpoint?.cluster && d.endpoint?.cluster && s.endpoint.cluster !== d.endpoint.cluster) crossed++;
    }
    assert.ok(fast.stats.classes > 0, "the fast engine built its classes");
  }), { numRuns: 120, seed: 1402 });
  assert.ok(crossed > 0, "pairs across the clusters were compared");
});

test("a policy of one cluster never selects, nor matches by selector, an endpoint of the other", () => {
  fc.assert(fc.property(twoClusters, ({ inventory, options, parties }) => {
    const engine = new PolicyEngine(inventory, options);
    for (const s of parties) for (const d of parties) {
      const v = engine.evaluate({ src: s, dst: d, protocol: "TCP", port: 80 });
      for (const [dec, local] of [[v.egress, s], [v.ingress, d]] as const) {
        for (const p of [dec.policy, ...dec.selecting]) if (p) assert.equal(p.subject.cluster, local.endpoint?.cluster, `${p.name} decides for ${label(local)}`);
      }
    }
  }), { numRuns: 60, seed: 7 });
});
