// `list --exposure`, np-guard's exposure analysis (docs/exposure_analysis.md, pkg/netpol/connlist/exposure_map.go,
// pkg/netpol/eval/exposure.go). The cases are written here after the upstream tests' semantics.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { assertGolden } from "../golden.js";

const DEPLOY = (ns: string, name: string, app: string, ports = "[{containerPort: 8000}, {containerPort: 8050}, {containerPort: 8090}]") => `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: c, image: i, ports: ${ports}}]}`;

const NS = (name: string, labels = "{}") => `
---
apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: ${labels}}`;

const NP = (name: string, ns: string, spec: string) => `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`;

async function exposure(yaml: string, ...args: string[]): Promise<{ out: string; lines: string[]; json: { exposure: { egress: { workload: string; peer: string; conn: string }[]; ingress: { workload: string; peer: string; conn: string }[]; unprotected: unknown[] } } }> {
  const t = tempFiles({ "in.yaml": yaml });
  try {
    const txt = await cli(["list", "-f", t.dir, "--exposure", ...args]);
    assert.equal(txt.code, 0, txt.err);
    const json = await cli(["list", "-f", t.dir, "--exposure", "-o", "json", ...args]);
    const tail = txt.out.slice(Math.max(0, txt.out.indexOf("Exposure Analysis Result:")));
    return { out: txt.out, lines: tail.split("\n").filter(Boolean).map((l) => l.replace(/ +\t/g, " \t")), json: JSON.parse(json.out) };
  } finally { t.cleanup(); }
}

test("exposure: a workload no policy selects is exposed to entire-cluster on all connections, and listed as not protected", async () => {
  const r = await exposure(NS("hello") + DEPLOY("hello", "a", "a"));
  assert.deepEqual(r.lines, [
    "Exposure Analysis Result:",
    "Egress Exposure:",
    "hello/a[Deployment] \t=> \t0.0.0.0-255.255.255.255[External] : All Connections",
    "hello/a[Deployment] \t=> \tentire-cluster : All Connections",
    "Ingress Exposure:",
    "hello/a[Deployment] \t<= \t0.0.0.0-255.255.255.255[External] : All Connections",
    "hello/a[Deployment] \t<= \tentire-cluster : All Connections",
    "Workloads not protected by network policies:",
    "hello/a[Deployment] is not protected on Egress",
    "hello/a[Deployment] is not protected on Ingress",
  ]);
  assert.deepEqual(r.json.exposure.unprotected, [{ workload: "hello/a[Deployment]", direction: "egress" }, { workload: "hello/a[Deployment]", direction: "ingress" }]);
});

const RULES = NS("hello") + DEPLOY("hello", "a", "a") + NP("a", "hello", `
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: backend}}}]
    ports: [{port: 8050}]
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {role: monitoring}}}]
    ports: [{port: 8090}]
  - from: [{namespaceSelector: {matchLabels: {effect: NoSchedule}}, podSelector: {matchLabels: {role: monitoring}}}]
    ports: [{port: 8090}]
  - from: [{namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [a, b]}]}}]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {}}]`);

test("exposure: representative peers are named by the selectors of the rules that select them", async () => {
  const r = await exposure(RULES);
  assert.deepEqual(r.lines.filter((l) => l.includes("<=")), [
    "hello/a[Deployment] \t<= \t[all namespaces]/[pod with {role=monitoring}] : TCP 8090",
    "hello/a[Deployment] \t<= \t[namespace with {effect=NoSchedule}]/[pod with {role=monitoring}] : TCP 8090",
    "hello/a[Deployment] \t<= \t[namespace with {env notin (a,b)}]/[all pods] : All Connections",
    "hello/a[Deployment] \t<= \tbackend/[all pods] : TCP 8050",
  ]);
  // An empty namespaceSelector and podSelector: entire-cluster, on egress.
  assert.ok(r.lines.includes("hello/a[Deployment] \t=> \tentire-cluster : All Connections"));
  // The representative matches only rules with the same selectors (SelectorsFullMatch): the {role=monitoring}
  // pod in a NoSchedule namespace is not also given the [all namespaces] rule's ports, as no rule is both.
  const ingress = r.json.exposure.ingress.map((l) => [l.peer, l.conn]);
  assert.deepEqual(ingress.find(([p]) => p.startsWith("[namespace with {effect")), ["[namespace with {effect=NoSchedule}]/[pod with {role=monitoring}]", "TCP 8090"]);
});

test("exposure: a representative a real pod and its namespace satisfy (matchLabels only) is not reported", async () => {
  const yaml = NS("hello") + NS("ns2", "{name: ns2}") + DEPLOY("hello", "a", "a") + DEPLOY("ns2", "b", "b") + NP("a", "hello", `
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {name: ns2}}, podSelector: {matchLabels: {app: b}}}]`);
  const r = await exposure(yaml);
  assert.ok(!r.out.includes("[pod with"), r.out);
  assert.ok(r.out.includes("ns2/b[Deployment] => hello/a[Deployment] : All Connections"), "the real pod is in the connection list");
  assert.ok(!r.lines.some((l) => l.startsWith("hello/a")), "hello/a is exposed to nothing unknown");
});

test("exposure: a representative reached as entire-cluster is is left out; an exception to entire-cluster shows its own connections", async () => {
  const equal = await exposure(NS("hello") + DEPLOY("hello", "a", "a") + NP("a", "hello", `
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {managed: "yes"}}}]
    ports: [{port: 8050}]
  - from: [{namespaceSelector: {}}]
    ports: [{port: 8050}]`));
  assert.deepEqual(equal.lines.filter((l) => l.includes("<=")), ["hello/a[Deployment] \t<= \tentire-cluster : TCP 8050"]);
  const anp = await exposure(NS("hello") + DEPLOY("hello", "a", "a") + `
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-then-allow}
spec:
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hello}}, podSelector: {matchLabels: {app: a}}}}
  egress:
  - {name: deny-9090-to-slytherin, action: Deny, to: [{namespaces: {matchLabels: {house: slytherin}}}], ports: [{portNumber: {port: 9090, protocol: TCP}}]}
  - {name: allow-all, action: Allow, to: [{namespaces: {}}]}`);
  assert.deepEqual(anp.lines.filter((l) => l.includes("=>") && !l.includes("External")), [
    "hello/a[Deployment] \t=> \t[namespace with {house=slytherin}]/[all pods] : SCTP 1-65535,TCP 1-9089,9091-65535,UDP 1-65535",
    "hello/a[Deployment] \t=> \tentire-cluster : All Connections",
  ]);
  assert.ok(anp.lines.includes("hello/a[Deployment] is not protected on Ingress"));
  assert.ok(!anp.lines.includes("hello/a[Deployment] is not protected on Egress"), "an ANP subject is protected");
});

test("exposure: named ports toward unknown pods stay names (TCP http,local-dns); an ANP namedPort without protocol has none", async () => {
  const r = await exposure(NS("hello") + DEPLOY("hello", "a", "a", "[{containerPort: 8080, name: http}]") + NP("a", "hello", `
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}}]
    ports: [{port: local-dns, protocol: TCP}, {port: http}]`));
  assert.ok(r.lines.includes("hello/a[Deployment] \t=> \tentire-cluster : TCP http,local-dns"), r.lines.join("\n"));
  // np-guard prints an ANP namedPort (no protocol) with an empty protocol name: "entire-cluster :  local-port".
  const anp = await exposure(NS("hello") + DEPLOY("hello", "a", "a") + `
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: named}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hello}}}
  egress:
  - {name: local, action: Allow, to: [{namespaces: {}}], ports: [{namedPort: local-port}]}
  - {name: rest, action: Deny, to: [{namespaces: {}}]}`);
  assert.ok(anp.lines.includes("hello/a[Deployment] \t=> \tentire-cluster :  local-port"), anp.lines.join("\n"));
});

test("exposure: --focus-workload, --focus-direction and --focus-conn narrow it; --focus-peer turns it off with a warning", async () => {
  const r = await exposure(RULES, "--focus-workload", "a", "--focus-direction", "ingress", "--focus-conn", "tcp-8090");
  assert.deepEqual(r.lines.filter((l) => l.includes("<=") || l.includes("=>")), [
    "hello/a[Deployment] \t<= \t[all namespaces]/[pod with {role=monitoring}] : TCP 8090",
    "hello/a[Deployment] \t<= \t[namespace with {effect=NoSchedule}]/[pod with {role=monitoring}] : TCP 8090",
    "hello/a[Deployment] \t<= \t[namespace with {env notin (a,b)}]/[all pods] : TCP 8090",
  ]);
  const t = tempFiles({ "in.yaml": RULES });
  try {
    const p = await cli(["list", "-f", t.dir, "--exposure", "--focus-workload", "a", "--focus-peer", "a"]);
    assert.match(p.err, /--exposure is ignored with --focus-peer/);
    assert.ok(!p.out.includes("Exposure Analysis Result"));
  } finally { t.cleanup(); }
});

test("exposure on the bundled example is golden (txt) and json holds the same lines", async () => {
  const r = await cli(["list", "-f", "examples/shop", "--exposure"]);
  assert.equal(r.code, 0, r.err);
  assertGolden("list-exposure-shop.txt", r.out);
  const j = JSON.parse((await cli(["list", "-f", "examples/shop", "--exposure", "-o", "json"])).out);
  const txt = r.out.split("\n").filter((l) => l.includes(" \t<= \t"));
  assert.equal(j.exposure.ingress.length, txt.length);
  assert.ok(j.exposure.ingress.some((l: { peer: string; peerKind: string; namespaceSelector: string }) => l.peerKind === "representative" && l.peer === "monitoring/[all pods]" && l.namespaceSelector === "kubernetes.io/metadata.name=monitoring"));
});
