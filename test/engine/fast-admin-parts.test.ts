// An Admin-tier policy change makes each new Admin part from the one it replaces: the port classes
// the changed policy's rules cannot reach keep their rows (their outcome depends only on the rules
// that can match there), and only the others are walked. Checked against the plain evaluator after
// every change, under both orders for equal priorities (by name, and deny-first).

import { test } from "node:test";
import assert from "node:assert/strict";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { EngineOptions } from "../../src/engine/options.js";
import { engineFor } from "../helpers.js";
import { assertAgree, onePolicy as policy, podsAnd, twoNamespaces } from "./fast-agree.js";

const agree = (fast: FastConnectivity, step: string) => assertAgree(fast, podsAnd(fast.inventory, "192.0.2.1"), step);

const HTTP = "{ name: http, containerPort: 80 }", METRICS = "{ name: metrics, containerPort: 9090 }";
const pod = (ns: string, name: string, ip: string, labels: string, ports = `${HTTP}, ${METRICS}`) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { ${labels} } }
spec: { nodeName: n1, containers: [{ name: c, ports: [${ports}] }] }
status: { podIP: ${ip} }`;

const anp = (name: string, priority: number, rules: string) => `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: ${name} }
spec: { priority: ${priority}, subject: { namespaces: {} }, ${rules} }`;

const from = (action: string, ns: string, ports: string) => `{ action: ${action}, from: [{ namespaces: ${ns} }], ports: [${ports}] }`;
const to = (action: string, ns: string, ports: string) => `{ action: ${action}, to: [{ namespaces: ${ns} }], ports: [${ports}] }`;
const tcp = (port: number) => `{ portNumber: { protocol: TCP, port: ${port} } }`;
const range = (start: number, end: number) => `{ portRange: { protocol: TCP, start: ${start}, end: ${end} } }`;
const B = "{ matchLabels: { env: dev } }", ALL = "{}";

const CLUSTER = [
  twoNamespaces("env: prod", "env: dev"),
  pod("a", "web", "10.1.0.1", "app: web"),
  pod("a", "client", "10.1.0.2", "app: client"),
  pod("b", "other", "10.2.0.1", "app: other"),
  // Declares http alone: egress named-port rules reach it on 80, not on 9090.
  pod("b", "plain", "10.2.0.2", "app: plain", HTTP),
  anp("allow-dev-http", 10, `ingress: [${from("Allow", B, tcp(80))}]`),
  anp("deny-band", 20, `ingress: [${from("Deny", ALL, range(8000, 8100))}]`),
  // Same priority as deny-band: under deny-first its Allow on 8050 loses; by name it wins.
  anp("allow-8050", 20, `ingress: [${from("Allow", ALL, `${tcp(8050)}, { namedPort: metrics }`)}]`),
  anp("pass-dev-tls", 30, `ingress: [${from("Pass", B, tcp(443))}]`),
  anp("deny-dev-named", 15, `egress: [${to("Deny", B, "{ namedPort: http }")}]`),
  `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: a }
spec: { podSelector: { matchLabels: { app: web } }, policyTypes: [Ingress], ingress: [{ from: [{ podSelector: { matchLabels: { app: client } } }], ports: [{ port: 80 }, { port: 8050 }, { port: 443 }] }] }`,
].join("\n---\n");



/** Port classes of the Admin parts in use for a direction (what a rebuild from scratch would walk). */
function adminPortClasses(fast: FastConnectivity, d: "ingress" | "egress"): number {
  const parts = new Set(fast.adminOf[d].filter((id) => id >= 0));
  return [...parts].reduce((n, id) => n + fast.signatures[id].layout!.reps.length, 0);
}

for (const samePriority of ["name", "deny-first"] as EngineOptions["samePriority"][]) {
  test(`Admin parts derived from their predecessors agree with the plain evaluator (samePriority=${samePriority})`, () => {
    const fast = new FastConnectivity(engineFor(CLUSTER, { samePriority }));
    agree(fast, "initial");

    // One port more in the Admin tier: one new port class per part; the others keep their rows.
    const r = fast.upsertPolicy(policy(anp("extra", 25, `ingress: [${from("Allow", ALL, tcp(9000))}]`)));
    const walked = adminPortClasses(fast, "ingress");
    assert.ok(r.rows > 0 && r.rows < walked, `walked ${r.rows} port classes of ${walked}`);
    agree(fast, "extra added");

    fast.upsertPolicy(policy(anp("deny-band", 20, `ingress: [${from("Pass", ALL, range(8000, 8060))}]`)));
    agree(fast, "deny-band edited to Pass on a narrower band");
    fast.upsertPolicy(policy(anp("allow-8050", 10, `ingress: [${from("Allow", B, tcp(8050))}]`)));
    agree(fast, "allow-8050 moved to priority 10");
    // Egress named ports resolve on the destination: plain (http alone) is denied on 80, not on 9090.
    fast.upsertPolicy(policy(anp("deny-dev-named", 15, `egress: [${to("Deny", B, "{ namedPort: http }, { namedPort: metrics }")}]`)));
    agree(fast, "deny-dev-named edited (egress, named ports)");
    fast.removePolicy({ kind: "AdminNetworkPolicy", name: "extra" });
    agree(fast, "extra removed");
    fast.removePolicy({ kind: "AdminNetworkPolicy", name: "allow-dev-http" });
    agree(fast, "allow-dev-http removed");
  });
}
