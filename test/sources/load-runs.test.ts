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
