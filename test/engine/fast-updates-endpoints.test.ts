// Incremental updates of the fast engine that the random update sequences of fast-updates.test.ts
// do not make: an endpoint replaced by itself with other labels, other named ports or another
// service account; a node relabelled, given a Calico host endpoint, its host endpoint relabelled or
// taken away (its host-network pods move with it); a node removed and added again; a pod moved on or
// off its node's network; with held-back policies added and namespaces relabelled between them. Each
// step against a fresh reference (fast-agree.ts assertAgree).

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { Endpoint } from "../../src/model/endpoint.js";
type NamedPort = Endpoint["ports"][number];
import type { Inventory } from "../../src/model/inventory.js";
import type { Policy } from "../../src/model/policy.js";
import { parseAddress } from "../../src/model/ip.js";
import { NO_ID } from "../../src/sources/builder.js";
import { HOST_ENDPOINT_LABEL } from "../../src/sources/calico/rules.js";
import { addEndpoint, emptyInventory } from "../../src/model/inventory.js";
import { selector } from "../../src/model/selector.js";
import { formatConns } from "../../src/model/ports.js";
import { clusterArb } from "../fixtures/random-cluster.js";
import { assertAgree } from "./fast-agree.js";

const EXTERNAL = ["10.0.0.1", "8.8.8.8", "192.0.2.5", "192.168.0.2", "127.0.0.1"].map((a) => ({ address: parseAddress(a)! }));

type Op = { kind: "labels" | "ports" | "account" | "node-labels" | "host-endpoint" | "node-again" | "policy" | "host-network" | "namespace"; pick: number; variant: number };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op["kind"]>("labels", "ports", "account", "node-labels", "host-endpoint", "host-endpoint", "node-again", "policy", "host-network", "namespace"),
  pick: fc.nat(), variant: fc.nat(),
});

const LABELS: Record<string, string>[] = [{ app: "web" }, { app: "api", tier: "be" }, {}, { tier: "fe" }, { app: "db", zone: "z1" }];
const PORTS: NamedPort[][] = [[], [{ name: "http", port: 80, protocol: "TCP" }], [{ name: "http", port: 8080, protocol: "TCP" }], [{ name: "dns", port: 53, protocol: "UDP" }, { name: "http", port: 81, protocol: "TCP" }]];

function without(e: Endpoint): Omit<Endpoint, "id"> {
  const { id: _id, ...rest } = e;
  return structuredClone(rest);
}

function apply(fast: FastConnectivity, inv: Inventory, op: Op, held: Policy[]): string | undefined {
  const pods = inv.endpoints.filter((e) => e.kind === "pod" || e.kind === "workload");
  const nodes = inv.endpoints.filter((e) => e.kind === "node");
  switch (op.kind) {
    case "policy": {
      // (A policy held back: it may name keys, ports or accounts no policy named, and split classes.)
      const p = held.shift();
      if (!p) return undefined;
      fast.upsertPolicy(p);
      return `add policy ${p.name}`;
    }
    case "labels": case "ports": case "account": {
      const e = pods[op.pick % Math.max(1, pods.length)];
      if (!e) return undefined;
      const next = without(e);
      if (op.kind === "labels") next.labels = LABELS[op.variant % LABELS.length];
      if (op.kind === "ports") next.ports = PORTS[op.variant % PORTS.length];
      if (op.kind === "account") { if (e.kind !== "pod") return undefined; next.serviceAccount = ["sa1", "sa2", undefined][op.variant % 3]; if (next.serviceAccount === undefined) delete next.serviceAccount; }
      fast.upsertEndpoint(next, e);
      return `${op.kind} of ${e.name}: ${JSON.stringify(next.labels)} ${JSON.stringify(next.ports)} ${next.serviceAccount}`;
    }
    case "namespace": {
      const name = ["a", "b", "c", "d"][op.pick % 4];
      const labels: Record<string, string> = [{ team: "x" }, { team: "y", env: "prod" }, {}, { env: "dev" }][op.variant % 4];
      fast.setNamespaceLabels(name, labels);
      return `namespace ${name}: ${JSON.stringify(labels)}`;
    }
    case "host-network": {
      // A pod moved onto its node's network (its node's address) or off it (an address of its own), or to the other node.
      const e = inv.endpoints.filter((x) => x.kind === "pod")[op.pick % Math.max(1, pods.length)];
      if (!e || nodes.length === 0) return undefined;
      const node = nodes[op.variant % nodes.length], next = without(e);
      next.nodeName = node.name;
      next.hostNetwork = op.variant % 2 === 0;
      next.addresses = next.hostNetwork ? structuredClone(node.addresses) : [parseAddress(`10.0.0.${20 + (op.variant % 5)}`)!];
      fast.upsertEndpoint(next, e);
      return `${e.name} on ${node.name}, host network ${next.hostNetwork}`;
    }
    case "node-labels": {
      const n = nodes[op.pick % Math.max(1, nodes.length)];
      if (!n) return undefined;
      const next = without(n);
      next.labels = [{ zone: "z1" }, { zone: "z2" }, {}, { zone: "z1", app: "web" }][op.variant % 4];
      fast.upsertEndpoint(next, n);
      return `labels of node ${n.name}: ${JSON.stringify(next.labels)}`;
    }
    case "host-endpoint": {
      const n = nodes[op.pick % Math.max(1, nodes.length)];
      if (!n) return undefined;
      const next = without(n);
      const v = op.variant % 4;
      if (v === 3) delete next.hostEndpoint;
      else {
        const hepName = `${n.name}-hep`;
        next.hostEndpoint = { kind: "workload", id: NO_ID, name: hepName, labels: { ...LABELS[v], [HOST_ENDPOINT_LABEL]: hepName }, addresses: next.addresses, ports: [], ...(v === 1 ? { allInterfaces: true as const } : {}) };
      }
      fast.upsertEndpoint(next, n);
      return `host endpoint of node ${n.name}: ${next.hostEndpoint ? `${JSON.stringify(next.hostEndpoint.labels)}${next.hostEndpoint.allInterfaces ? " *" : ""}` : "none"}`;
    }
    case "node-again": {
      const n = nodes[op.pick % Math.max(1, nodes.length)];
      if (!n) return undefined;
      const next = without(n);
      fast.removeEndpoint(n);
      fast.upsertEndpoint(next);
      return `node ${n.name} removed and added again`;
    }
  }
}

export const endpointUpdatesProperty = fc.property(clusterArb, fc.array(opArb, { minLength: 1, maxLength: 6 }), fc.nat(), (cluster, ops, hold) => {
  const inv = structuredClone(cluster.inventory);
  const held = inv.policies.filter((_, i) => (hold >> i) & 1);
  inv.policies = inv.policies.filter((p) => !held.includes(p));
  const fast = new FastConnectivity(new PolicyEngine(inv, cluster.options));
  const parties = () => [...inv.endpoints.map((endpoint) => ({ endpoint })), ...EXTERNAL];
  assertAgree(fast, parties(), "initial", inv);
  const steps: string[] = [];
  for (const op of ops) {
    const step = apply(fast, inv, op, held);
    if (!step) continue;
    steps.push(step);
    assertAgree(fast, parties(), steps.join("; "), inv);
  }
});

test("endpoints, nodes and host endpoints changed by updates: the fast engine agrees with a fresh reference after every step", () => {
  fc.assert(endpointUpdatesProperty, { numRuns: Number(process.env.RUNS ?? 200), seed: Number(process.env.SEED ?? 1), includeErrorInReport: true } as never);
});

test("a node given the cluster's first Calico host endpoint by an update: its host-network pod's connections with it are answered as a fresh build answers them", () => {
  // (PolicyEngine kept whether any node has a host endpoint, asked before the update: the fast engine
  // then answered the host with itself from the classes, as if policed, not as its lo.)
  const n1 = parseAddress("192.168.0.1")!;
  const inv = emptyInventory();
  const node = addEndpoint(inv, { kind: "node", name: "n1", labels: {}, addresses: [n1], ports: [] });
  addEndpoint(inv, { kind: "pod", name: "p0", namespace: "a", labels: {}, addresses: [n1], ports: [], nodeName: "n1", hostNetwork: true });
  inv.namespaces.set("a", { name: "a", labels: { "kubernetes.io/metadata.name": "a" }, implicit: true });
  inv.policies.push({ kind: "ClusterNetworkPolicy", name: "deny", tier: "baseline", priority: 0, subject: { namespaces: { kind: "any" }, labels: selector(), kinds: ["workload"] },
    egress: [{ index: 0, action: "deny", path: ["spec", "egress", 0] }] });
  const fast = new FastConnectivity(new PolicyEngine(inv, { hostNetwork: "node", ownNode: "allow", samePriority: "name" }));
  const parties = () => [...inv.endpoints.map((endpoint) => ({ endpoint })), ...EXTERNAL];
  assertAgree(fast, parties(), "before", inv);
  const next = without(node);
  next.hostEndpoint = { kind: "workload", id: NO_ID, name: "n1-hep", labels: { [HOST_ENDPOINT_LABEL]: "n1-hep" }, addresses: [n1], ports: [] };
  fast.upsertEndpoint(next, node);
  assertAgree(fast, parties(), "after n1's host endpoint (eth0)", inv);
  assert.equal(formatConns(fast.conns({ endpoint: inv.endpoints.find((e) => e.name === "p0")! }, { endpoint: inv.endpoints.find((e) => e.name === "n1")! })), "All Connections");
});

test("a node relabelled by an update while no policy names its labels, then a policy naming the label it lost: the node is matched by its new labels", () => {
  // (The node left its class and joined it again, the same key: the class kept the node's old object as
  // its representative, whose zone=z1 the nodes peer then matched: a deny where a fresh build allows.)
  const inv = emptyInventory();
  inv.namespaces.set("a", { name: "a", labels: { "kubernetes.io/metadata.name": "a" }, implicit: true });
  const node = addEndpoint(inv, { kind: "node", name: "n2", labels: { zone: "z1" }, addresses: [parseAddress("192.168.0.2")!], ports: [] });
  addEndpoint(inv, { kind: "pod", name: "p0", namespace: "a", labels: { app: "web" }, addresses: [parseAddress("10.0.0.3")!], ports: [] });
  const fast = new FastConnectivity(new PolicyEngine(inv, { hostNetwork: "node", ownNode: "allow", samePriority: "name" }));
  const parties = () => [...inv.endpoints.map((endpoint) => ({ endpoint })), ...EXTERNAL];
  assertAgree(fast, parties(), "before", inv);
  fast.upsertEndpoint({ ...without(node), labels: {} }, node);
  assertAgree(fast, parties(), "n2 relabelled", inv);
  fast.upsertPolicy({ kind: "ClusterNetworkPolicy", name: "deny-z1", tier: "baseline", priority: 0, subject: { namespaces: { kind: "any" }, labels: selector(), kinds: ["pod"] },
    ingress: [{ index: 0, action: "deny", peers: [{ kind: "nodes", selector: selector({ zone: "z1" }) }], path: ["spec", "ingress", 0] }] });
  assertAgree(fast, parties(), "a policy denying nodes of zone z1", inv);
  const n2 = inv.endpoints.find((e) => e.name === "n2")!, p0 = inv.endpoints.find((e) => e.name === "p0")!;
  assert.equal(formatConns(fast.conns({ endpoint: n2 }, { endpoint: p0 })), "All Connections");
});
