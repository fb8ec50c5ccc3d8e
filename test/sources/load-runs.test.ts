// Values that repeat in runs (a workload's labels, a file's namespace, a pod's owner) are read
// through caches of the last value (sources/intern.ts validLabels, runInterner; builder.ts owner
// keys): every object must still be read exactly as when read alone, diagnostics included.

import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../helpers.js";
import { interning, runInterner } from "../../src/sources/intern.js";

const pod = (name: string, labels: Record<string, string>, ns = "shop", owner = "web-5d8f") => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name, namespace: ns, labels, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: `u-${owner}`, controller: true }] },
  spec: { containers: [{ name: "c" }], serviceAccountName: "web", nodeName: "n1" },
});

test("a label value valid under one key, then repeated, invalid, or under an invalid key: each pod's labels and errors are its own", () => {
  const items = [
    pod("p1", { app: "web" }), pod("p2", { app: "web" }),
    pod("p3", { app: "web-" }), pod("p4", { app: "web-" }),
    pod("p5", { "-x": "web" }), pod("p6", { app: "web", tier: "web" }),
    pod("p7", { app: "web" }, "other", "api-7c9d"),
  ];
  const l = load({ "pods.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  const errors = l.diagnostics.errors.map((d) => `${d.ref?.path.join(".")}:${(d.field ?? []).join(".")}:${d.code}`);
  assert.deepEqual(errors, [
    "items.2:metadata.labels.app:invalid-label",
    "items.3:metadata.labels.app:invalid-label",
    "items.4:metadata.labels.-x:invalid-label",
  ]);
  assert.deepEqual(l.inventory.endpoints.map((e) => [e.name, e.namespace, e.labels, e.owner?.name, e.serviceAccount, e.nodeName]), [
    ["p1", "shop", { app: "web" }, "web-5d8f", "web", "n1"], ["p2", "shop", { app: "web" }, "web-5d8f", "web", "n1"],
    ["p3", "shop", { app: "web-" }, "web-5d8f", "web", "n1"], ["p4", "shop", { app: "web-" }, "web-5d8f", "web", "n1"],
    ["p5", "shop", { "-x": "web" }, "web-5d8f", "web", "n1"], ["p6", "shop", { app: "web", tier: "web" }, "web-5d8f", "web", "n1"],
    ["p7", "other", { app: "web" }, "api-7c9d", "web", "n1"],
  ]);
});

test("runInterner gives the load's interned copy, also when the same value comes again in a later load, and the value itself outside a load", () => {
  const site = runInterner();
  const copy = (s: string) => s.split("").join("");
  const a = copy("shop"), b = copy("shop");
  assert.equal(site(a), a);
  interning(() => {
    assert.equal(site(a), a);
    assert.equal(site(b), a, "the table's first copy");
    assert.equal(site(copy("x")), "x");
  });
  interning(() => assert.equal(site(b), b, "a new load has a table of its own"));
  assert.equal(site(a), a);
});

test("pods whose owners come in runs, interleaved: each controller gets exactly its own pods", () => {
  const rs = (name: string) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, namespace: "shop" }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c" }] } } } });
  const items = [rs("a-1"), rs("b-1"), pod("p1", { app: "a-1" }, "shop", "a-1"), pod("p2", { app: "a-1" }, "shop", "a-1"), pod("p3", { app: "b-1" }, "shop", "b-1"), pod("p4", { app: "a-1" }, "shop", "a-1"), pod("p5", { app: "b-1" }, "other", "b-1")];
  const l = load({ "all.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  const pods = (c: string) => l.inventory.controllers.find((x) => x.name === c)!.pods.map((id) => l.inventory.endpoints[id].name);
  assert.deepEqual(pods("a-1"), ["p1", "p2", "p4"]);
  assert.deepEqual(pods("b-1"), ["p3"]);
});

test("pods in a row with the same ports and owner share one list and one owner object; any difference gets its own", () => {
  const withPorts = (name: string, ports: object[], owner = "web-5d8f") => {
    const p = pod(name, { app: "web" }, "shop", owner);
    return { ...p, spec: { ...p.spec, containers: [{ name: "c", ports }] } };
  };
  const http = { name: "http", containerPort: 8080 }, grpc = { name: "grpc", containerPort: 9000, protocol: "TCP" };
  const items = [
    withPorts("p1", [http, grpc]), withPorts("p2", [http, grpc]),
    withPorts("p3", [http, { ...grpc, protocol: "UDP" }]), withPorts("p4", [http, { ...grpc, name: "grpc2" }]),
    withPorts("p5", [http]), withPorts("p6", [http, grpc], "api-7c9d"), withPorts("p7", [http, grpc], "api-7c9d"),
  ];
  const l = load({ "pods.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  assert.deepEqual(l.diagnostics.errors, []);
  const [p1, p2, p3, p4, p5, p6, p7] = l.inventory.endpoints;
  assert.deepEqual([p1, p2, p3, p4, p5, p6, p7].map((e) => e.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`).join(" ")), [
    "http:8080/TCP grpc:9000/TCP", "http:8080/TCP grpc:9000/TCP", "http:8080/TCP grpc:9000/UDP", "http:8080/TCP grpc2:9000/TCP",
    "http:8080/TCP", "http:8080/TCP grpc:9000/TCP", "http:8080/TCP grpc:9000/TCP",
  ]);
  assert.ok(p1.ports === p2.ports && p6.ports === p7.ports && p1.owner === p2.owner && p6.owner === p7.owner);
  assert.ok(p2.ports !== p3.ports && p3.ports !== p4.ports && p4.ports !== p5.ports && p5.ports !== p6.ports && p5.owner !== p6.owner);
  assert.deepEqual([p5.owner, p6.owner], [{ kind: "ReplicaSet", name: "web-5d8f" }, { kind: "ReplicaSet", name: "api-7c9d" }]);
});

test("pods in a row with the same labels (same keys, order and values) share one labels object; any difference gets its own", () => {
  const items = [
    pod("p1", { app: "web", tier: "fe" }), pod("p2", { app: "web", tier: "fe" }), pod("p3", { tier: "fe", app: "web" }),
    pod("p4", { tier: "fe", app: "web", x: "1" }), pod("p5", { tier: "fe", app: "web" }), pod("p6", { tier: "fe" }), pod("p7", { tier: "be" }),
  ];
  const l = load({ "pods.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  const [p1, p2, p3, p4, p5, p6, p7] = l.inventory.endpoints;
  assert.deepEqual([p1, p2, p3, p4, p5, p6, p7].map((e) => JSON.stringify(e.labels)), [
    '{"app":"web","tier":"fe"}', '{"app":"web","tier":"fe"}', '{"tier":"fe","app":"web"}', '{"tier":"fe","app":"web","x":"1"}',
    '{"tier":"fe","app":"web"}', '{"tier":"fe"}', '{"tier":"be"}',
  ]);
  assert.ok(p1.labels === p2.labels);
  assert.ok(p2.labels !== p3.labels && p3.labels !== p4.labels && p4.labels !== p5.labels && p5.labels !== p6.labels && p6.labels !== p7.labels);
});

test("one label rule on every path: pods read in a run (one value changed), pods read alone, controllers' and Services' labels checked only", () => {
  // A StatefulSet's pods: the same labels but statefulset.kubernetes.io/pod-name (core.ts relabelled reads them).
  const set = (name: string, value: string) => {
    const p = pod(name, { app: "db", "statefulset.kubernetes.io/pod-name": value }, "shop", "db");
    p.metadata.ownerReferences[0].kind = "StatefulSet";
    return p;
  };
  const svc = (name: string, labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "shop", labels }, spec: { selector: { app: "db" }, ports: [{ port: 80 }] } });
  const items = [
    set("db-0", "db-0"), set("db-1", "db-1"), set("db-2", "db-2-"), set("db-3", "db-3"), set("db-4", "db-4"),
    svc("a", { app: "db", "statefulset.kubernetes.io/pod-name": "db-1" }), svc("b", { app: "db-" }), svc("c", { app: "db", "-x": "db" }),
    svc("d", { "statefulset.kubernetes.io/pod-name": "-db" }),
  ];
  const l = load({ "all.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  assert.deepEqual(l.diagnostics.errors.map((d) => `${d.ref?.path.join(".")}:${(d.field ?? []).join(".")}:${d.message}`), [
    `items.2:metadata.labels.statefulset.kubernetes.io/pod-name:label value "db-2-" is invalid (at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`,
    `items.6:metadata.labels.app:label value "db-" is invalid (at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`,
    `items.7:metadata.labels.-x:label key "-x" is invalid (name part: at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`,
    `items.8:metadata.labels.statefulset.kubernetes.io/pod-name:label value "-db" is invalid (at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`,
  ]);
  assert.deepEqual(l.inventory.endpoints.map((e) => e.labels["statefulset.kubernetes.io/pod-name"]), ["db-0", "db-1", "db-2-", "db-3", "db-4"]);
  const [, p1, , p3, p4] = l.inventory.endpoints;
  assert.ok(p1.labels !== p3.labels && p3.labels !== p4.labels && p3.labels.app === p4.labels.app);
});

test("NetworkPolicies share equal selectors (one object per selector read without a report); a selector with a report is its own, reported each time", () => {
  const np = (name: string, ns: string, sel: Record<string, string>, from: object[]) => ({
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns },
    spec: { podSelector: { matchLabels: sel }, ingress: [{ from }] },
  });
  const fromMonitoring = { namespaceSelector: { matchLabels: { team: "monitoring" } }, podSelector: { matchLabels: { app: "prom" } } };
  const items = [
    np("a", "shop", { tier: "web" }, [fromMonitoring]), np("b", "shop", { tier: "web" }, [{ podSelector: { matchLabels: { tier: "web" } } }]),
    np("c", "bank", { tier: "web" }, [fromMonitoring]), np("d", "bank", { tier: "web-" }, []), np("e", "bank", { tier: "web-" }, []),
  ];
  const l = load({ "np.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  assert.deepEqual(l.diagnostics.errors.map((d) => `${d.ref?.path.join(".")}:${(d.field ?? []).join(".")}:${d.code}`), [
    "items.3:spec.podSelector.matchLabels.tier:invalid-label", "items.4:spec.podSelector.matchLabels.tier:invalid-label",
  ]);
  const [a, b, c, d, e] = l.inventory.policies;
  const peer = (p: typeof a) => { const x = p.ingress![0].peers![0]; assert.equal(x.kind, "endpoints"); return x.kind === "endpoints" ? x.selector : undefined!; };
  assert.ok(a.subject === b.subject, "same namespace, same podSelector: one selector");
  assert.ok(peer(b) === a.subject, "a peer without namespaceSelector selects in the policy's namespace: the same selector");
  assert.ok(a.subject !== c.subject && a.subject.labels === c.subject.labels, "another namespace: its own selector, the same labels");
  assert.ok(peer(a) === peer(c), "the same namespaceSelector and podSelector in two namespaces: one selector");
  assert.deepEqual(peer(a), { namespaces: { kind: "selector", selector: { requirements: [{ key: "team", operator: "In", values: ["monitoring"] }] } }, labels: { requirements: [{ key: "app", operator: "In", values: ["prom"] }] }, kinds: ["pod"] });
  assert.ok(d.subject.labels !== e.subject.labels, "a selector with a report is not shared");
  assert.deepEqual([a.ingress![0].path, d.ingress, e.ingress], [["spec", "ingress", 0], [{ index: 0, action: "allow", peers: undefined, ports: undefined, path: ["spec", "ingress", 0] }], [{ index: 0, action: "allow", peers: undefined, ports: undefined, path: ["spec", "ingress", 0] }]]);
});

test("a pod's readiness from status.conditions (read raw): the first Ready condition's status; a malformed condition before it or its status is reported", () => {
  const withStatus = (name: string, status: object) => ({ ...pod(name, { app: "web" }), status: { phase: "Running", podIP: "10.0.0.1", ...status } });
  const items = [
    withStatus("p1", { conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "False" }] }),
    withStatus("p2", { conditions: [{ type: "Ready", status: "True" }, { type: 5 }] }),
    withStatus("p3", {}),
    withStatus("p4", { conditions: [null, ["x"], { type: 5, status: "True" }, { type: "Ready", status: 1 }, { type: "Ready", status: "True" }] }),
    withStatus("p5", { conditions: "Ready" }),
    withStatus("p6", { conditions: [{ type: "ContainersReady", status: "True" }] }),
  ];
  const l = load({ "pods.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  // (The schema reports malformed conditions too, each once: what the front end reads is among them.)
  const errors = l.diagnostics.errors.map((d) => `${d.ref?.path.join(".")}:${(d.field ?? []).join(".")}:${d.message}`);
  for (const e of ["items.3:status.conditions.2.type:must be a string, not number 5", "items.3:status.conditions.3.status:must be a string, not number 1", "items.4:status.conditions:must be a list, not the string \"Ready\""]) {
    assert.equal(errors.filter((x) => x === e).length, 1, `${e} in ${errors.join("\n")}`);
  }
  assert.deepEqual(l.inventory.endpoints.map((e) => e.ready), [false, true, undefined, false, undefined, undefined]);
});

test("NetworkPolicies share the CIDRs of their ipBlocks and selectors given again; a CIDR or selector with a report is read (and reported) every time", () => {
  const np = (name: string, sel: object, cidr: string) => ({
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "shop" },
    spec: { podSelector: sel, egress: [{ to: [{ ipBlock: { cidr, except: ["10.1.0.0/16"] } }] }], policyTypes: ["Egress"] },
  });
  const items = [
    np("a", { matchLabels: { app: "web", tier: "fe" } }, "10.0.0.0/8"), np("b", { matchLabels: { app: "web", tier: "fe" } }, "10.0.0.0/8"),
    np("c", { matchLabels: { tier: "fe", app: "web" } }, "10.0.0.1/8"), np("d", { matchLabels: { app: "web", tier: "fe-" } }, "10.0.0.1/8"),
    np("e", { matchLabels: { app: "web", tier: "fe-" } }, "10.0.0.0/8"), np("f", { matchLabels: { "app,tier": "web" } }, "10.0.0.0/8"),
    np("g", { matchLabels: { "app,tier": "web" } }, "10.0.0.0/8"), np("h", { matchLabels: { app: "web", tier: "fe" }, matchExpressions: [] }, "10.0.0.0/8"),
  ];
  const l = load({ "np.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  assert.deepEqual(l.diagnostics.items.filter((d) => d.severity !== "info").map((d) => `${d.ref?.path.join(".")}:${(d.field ?? []).join(".")}:${d.code}`), [
    "items.2:spec.egress.0.to.0.ipBlock.cidr:ambiguous-cidr", "items.3:spec.podSelector.matchLabels.tier:invalid-label",
    "items.3:spec.egress.0.to.0.ipBlock.cidr:ambiguous-cidr", "items.4:spec.podSelector.matchLabels.tier:invalid-label",
    "items.5:spec.podSelector.matchLabels.app,tier:invalid-label", "items.6:spec.podSelector.matchLabels.app,tier:invalid-label",
  ]);
  const ps = l.inventory.policies;
  const block = (i: number) => { const p = ps[i].egress![0].peers![0]; assert.equal(p.kind, "cidr"); return p.kind === "cidr" ? p : undefined!; };
  assert.ok(block(0).cidr === block(1).cidr && block(0).except[0] === block(1).except[0] && block(0) !== block(1), "one CIDR object, a peer each");
  assert.ok(block(2).cidr !== block(3).cidr && block(2).cidr.text === "10.0.0.1/8" && block(2).cidr.first === block(0).cidr.first);
  assert.ok(ps[0].subject === ps[1].subject && ps[1].subject === ps[2].subject && ps[0].subject === ps[7].subject, "the same selector given in another order or with empty matchExpressions: one object");
  assert.ok(ps[3].subject.labels !== ps[4].subject.labels && ps[5].subject.labels !== ps[6].subject.labels);
});
