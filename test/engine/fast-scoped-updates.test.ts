// The fast engine's incremental updates look only where a change can matter: a new class is
// tested only against the selectors that can hold its namespace (a selector naming another
// namespace cannot), its column is walked only in the rows whose rules can match it, and a
// namespace relabel refreshes only the rows with namespace-selector peers. Each case here is one
// where skipping the wrong place gives a wrong answer, checked against the plain evaluator.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { Endpoint } from "../../src/model/endpoint.js";
import { parseAddress } from "../../src/model/ip.js";
import { formatConns } from "../../src/model/ports.js";
import type { Policy } from "../../src/model/policy.js";
import { engineFor } from "../helpers.js";
import { assertAgree, podsAnd, twoNamespaces } from "./fast-agree.js";

const agree = (fast: FastConnectivity, step: string) => assertAgree(fast, podsAnd(fast.inventory, "192.0.2.1"), step);

const pod = (ns: string, name: string, ip: string, labels: string) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { ${labels} } }
spec: { nodeName: n1, containers: [{ name: c, ports: [{ containerPort: 80 }] }] }
status: { podIP: ${ip} }`;

const policy = (ns: string, name: string, spec: string) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec: ${spec}`;

const CLUSTER = [
  twoNamespaces("team: a", "team: ops"),
  pod("a", "web", "10.1.0.1", "app: web"),
  pod("a", "client", "10.1.0.2", "app: client"),
  pod("b", "other", "10.2.0.1", "app: other"),
  // Ingress to web only from app=client pods of its own namespace (a peer confined to namespace a).
  policy("a", "web-from-clients", "{ podSelector: { matchLabels: { app: web } }, policyTypes: [Ingress], ingress: [{ from: [{ podSelector: { matchLabels: { app: client } } }], ports: [{ port: 80 }] }] }"),
  // Canary pods of namespace a may only reach web (a subject confined to namespace a).
  policy("a", "canary-egress", "{ podSelector: { matchLabels: { role: canary } }, policyTypes: [Egress], egress: [{ to: [{ podSelector: { matchLabels: { app: web } } }] }] }"),
  // Ingress to web also from namespaces labelled team=red.
  policy("a", "web-from-team-red", "{ podSelector: { matchLabels: { app: web } }, policyTypes: [Ingress], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: red } } }] }] }"),
].join("\n---\n");


function conns(fast: FastConnectivity, from: string, to: string): string {
  const e = (name: string) => ({ endpoint: fast.inventory.endpoints.find((x) => x.name === name)! });
  return formatConns(fast.conns(e(from), e(to)));
}

/** Adds a pod like `client`; returns how many classes the update made. */
function newPod(fast: FastConnectivity, name: string, ns: string, ip: string, labels: Record<string, string>): number {
  const like: Endpoint = fast.inventory.endpoints.find((x) => x.name === "client")!;
  const { id: _id, ...spec } = like;
  return fast.upsertEndpoint({ ...spec, name, namespace: ns, labels, addresses: [parseAddress(ip)!] }).classes;
}

test("a new class in a namespace gets the rules confined to that namespace: its column in their rows, its bit in their selectors", () => {
  const fast = new FastConnectivity(engineFor(CLUSTER));
  agree(fast, "initial");
  // app=client, role=canary: a class no pod had. web-from-clients (a peer naming namespace a) must
  // allow it into web; canary-egress (a subject naming namespace a) must confine its egress to web.
  assert.equal(newPod(fast, "canary", "a", "10.1.0.3", { app: "client", role: "canary" }), 1, "a new class");
  assert.equal(conns(fast, "canary", "web"), "TCP 80");
  assert.equal(conns(fast, "canary", "other"), "No Connections");
  agree(fast, "after the canary pod");
  // The same labels in namespace b: neither policy of namespace a applies to it there.
  newPod(fast, "canary-b", "b", "10.2.0.3", { app: "client", role: "canary" });
  assert.equal(conns(fast, "canary-b", "web"), "No Connections");
  assert.equal(conns(fast, "canary-b", "other"), "All Connections");
  agree(fast, "after the canary pod in b");
});

test("namespace relabels refresh the rows of policies added since the first relabel", () => {
  const fast = new FastConnectivity(engineFor(CLUSTER));
  fast.setNamespaceLabels("b", { team: "red" });
  assert.equal(conns(fast, "other", "web"), "All Connections");
  agree(fast, "b relabelled team=red");
  // A policy added now has a namespace-selector peer of its own: the next relabel must reach its row.
  const p: Policy = structuredClone(fast.inventory.policies.find((x) => x.name === "web-from-team-red")!);
  const peer = p.ingress![0].peers![0];
  assert.ok(peer.kind === "endpoints" && peer.selector.namespaces.kind === "selector");
  peer.selector.namespaces.selector = { requirements: [{ key: "team", operator: "In", values: ["blue"] }] };
  fast.upsertPolicy({ ...p, name: "web-from-team-blue", subject: { ...p.subject, labels: { requirements: [{ key: "app", operator: "In", values: ["client"] }] } } });
  assert.equal(conns(fast, "other", "client"), "No Connections");
  fast.setNamespaceLabels("b", { team: "blue" });
  assert.equal(conns(fast, "other", "client"), "All Connections");
  assert.equal(conns(fast, "other", "web"), "No Connections");
  agree(fast, "b relabelled team=blue");
});

test("a policy edited to mention a new label: a class split off one the old version selected gets its new signature", () => {
  // web-canary and web share a class until a policy mentions `track`; the edit both splits that
  // class and stops selecting app=web. The split-off class copied the old version's signature: it
  // must be recomputed like its parent (found once as a wrong "No Connections" into web-canary).
  const fast = new FastConnectivity(engineFor([CLUSTER, pod("a", "web-canary", "10.1.0.9", "app: web, track: canary")].join("\n---\n")));
  agree(fast, "initial");
  const p = fast.inventory.policies.find((x) => x.name === "web-from-clients")!, peer = p.ingress![0].peers![0];
  assert.ok(peer.kind === "endpoints");
  const track = { ...peer, selector: { ...peer.selector, labels: { requirements: [{ key: "track", operator: "In" as const, values: ["canary"] }] } } };
  fast.upsertPolicy({ ...p, subject: { ...p.subject, labels: { requirements: [{ key: "app", operator: "In", values: ["other"] }] } },
    ingress: [{ ...p.ingress![0], peers: [track] }] });
  assert.equal(conns(fast, "other", "web-canary"), "No Connections", "web-from-team-red still isolates web-canary");
  assert.equal(conns(fast, "client", "web-canary"), "No Connections");
  agree(fast, "web-from-clients edited");
});
