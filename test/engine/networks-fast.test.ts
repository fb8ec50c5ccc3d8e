// The fast engine against the reference on random clusters with networks: namespaces on primary
// user-defined networks (one CUDN or a UDN each), endpoints attached to a secondary network with
// their own addresses there, and policies bound to that network (MultiNetworkPolicy). Both engines
// answer for the primary networks and for the secondary network; they must agree on every pair.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { networkConnectionLists } from "../../src/analyze/connlist.js";
import { renderNetworkSections } from "../../src/targets/connlist.js";
import { formatConns } from "../../src/model/ports.js";
import { parseAddress } from "../../src/model/ip.js";
import { cudnId, nadId, udnId, type ClusterNetwork } from "../../src/model/networks.js";
import { clusterArb, type RandomCluster } from "../fixtures/random-cluster.js";

const L2 = nadId("l2");

const multiArb = fc.tuple(clusterArb, fc.record({
  udn: fc.subarray(["a", "b", "c"]),
  oneCudn: fc.boolean(),
  attached: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  bound: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
})).map(([c, n]): RandomCluster => {
  const inv = c.inventory;
  for (const ns of n.udn) {
    const id = n.oneCudn ? cudnId("tenant") : udnId(ns, "u");
    inv.namespaces.get(ns)!.network = id;
    if (!inv.podNetworks.some((x) => x.id === id)) inv.podNetworks.push({ id, kind: n.oneCudn ? "ClusterUserDefinedNetwork" : "UserDefinedNetwork", name: n.oneCudn ? "tenant" : "u", role: "primary", namespaces: [] } satisfies ClusterNetwork);
  }
  inv.podNetworks.push({ id: L2, kind: "NetworkAttachmentDefinition", name: "l2", role: "secondary", namespaces: ["a", "b", "c"] });
  inv.endpoints.forEach((e, i) => {
    if ((e.kind === "pod" || e.kind === "workload") && n.attached[i % 16]) e.attachments = [{ network: L2, addresses: i % 3 ? [parseAddress(`10.9.0.${i + 1}`)!] : [] }];
  });
  inv.policies.forEach((p, i) => { if (n.bound[i % 6]) p.networks = [L2]; });
  return c;
});

const label = (p: { endpoint?: { name: string }; address?: { value: bigint } }) => p.endpoint ? p.endpoint.name + (p.address ? `@${p.address.value}` : "") : `ip:${p.address?.value}`;

test("fast and reference connectivity agree on the primary networks and on a secondary network of random clusters", () => {
  fc.assert(fc.property(multiArb, ({ inventory, options, parties }) => {
    const engine = new PolicyEngine(inventory, options);
    for (const network of [undefined, L2]) {
      const ref = new PairwiseConnectivity(engine, network);
      const fast = new FastConnectivity(engine, undefined, network);
      for (const s of parties) for (const d of parties) {
        assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${network ?? "primary"}: ${label(s)} -> ${label(d)}`);
      }
    }
  }), { numRuns: 120, seed: 1414 });
});

test("fast and reference per-network lists are identical on random clusters", () => {
  fc.assert(fc.property(multiArb, ({ inventory, options }) => {
    const engine = new PolicyEngine(inventory, options);
    const ref = renderNetworkSections(networkConnectionLists(inventory, (n) => new PairwiseConnectivity(engine, n)), "txt");
    const fast = renderNetworkSections(networkConnectionLists(inventory, (n) => new FastConnectivity(engine, undefined, n)), "txt");
    assert.equal(fast, ref);
  }), { numRuns: 150, seed: 99 });
});

test("explanations with the fast engines' subject indexes are the verdict engine's own, on every network", () => {
  const brief = (v: ReturnType<PolicyEngine["evaluate"]>) => JSON.stringify([v.network, v.allowed,
    ...[v.egress, v.ingress].map((d) => [d.by, d.tier, d.policy?.name, d.rule?.index, d.selecting.map((p) => p.name)])]);
  fc.assert(fc.property(multiArb, ({ inventory, options, parties }) => {
    const plain = new PolicyEngine(inventory, options);
    const indexed = new PolicyEngine(inventory, options);
    new FastConnectivity(indexed);
    new FastConnectivity(indexed, undefined, L2);
    for (const src of parties) for (const dst of parties) for (const network of [undefined, L2]) {
      const flow = { src, dst, protocol: "TCP" as const, port: 80, ...(network ? { network } : {}) };
      assert.equal(brief(indexed.evaluate(flow)), brief(plain.evaluate(flow)));
    }
  }), { numRuns: 100, seed: 5 });
});

test("classes do not multiply for clusters without user-defined or secondary networks: no class key names a network", () => {
  fc.assert(fc.property(clusterArb, ({ inventory, options }) => {
    const fast = new FastConnectivity(new PolicyEngine(inventory, options));
    for (const cls of fast.classes.list) assert.ok(!cls.key.includes("|@") && !cls.key.endsWith("|vm"), cls.key);
  }), { numRuns: 100, seed: 3 });
});
