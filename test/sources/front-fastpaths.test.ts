// The front ends' hand-written fast paths give exactly what the plain form they replace gives.

import { test } from "node:test";
import assert from "node:assert/strict";
import { dnsLabelError, dnsSubdomainError } from "../../src/sources/k8s.js";
import { load } from "../helpers.js";
import { formatAddress } from "../../src/model/ip.js";

// apimachinery's dns1123LabelFmt and dns1123SubdomainFmt (k8s.io/apimachinery/pkg/util/validation), as regular expressions.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

test("DNS-1123 labels and subdomains are checked as apimachinery's regular expressions check them (every string of up to 6 characters over a0-.A and newline, of up to 9 over a-.)", () => {
  let checked = 0;
  for (const [alphabet, longest] of [[["a", "0", "-", ".", "A", "\n"], 6], [["a", "-", "."], 9]] as const) {
    let strings = [""];
    for (let len = 0; len <= longest; len++) {
      for (const s of strings) {
        assert.equal(dnsLabelError(s) === undefined, DNS1123_LABEL.test(s), JSON.stringify(s));
        assert.equal(dnsSubdomainError(s) === undefined, DNS1123_SUBDOMAIN.test(s), JSON.stringify(s));
        checked++;
      }
      if (len < longest) strings = strings.flatMap((s) => alphabet.map((c) => s + c));
    }
  }
  assert.ok(checked > 60_000);
  assert.match(dnsSubdomainError("a..b")!, /is not a valid DNS-1123 subdomain/);
  assert.match(dnsLabelError("a.b")!, /is not a valid DNS-1123 label/);
  assert.match(dnsLabelError("a".repeat(64))!, /is longer than 63 characters/);
});

test("a container port name is checked as apimachinery's IsValidPortName checks it: no \"--\" (refused), and an empty name is none (validateContainerPorts checks a name only when len(port.Name) > 0)", () => {
  const pod = (ports: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: { containers: [{ name: "c", image: "i", ports }] } });
  const l = load({ "p.json": pod([{ containerPort: 80, name: "a--b" }, { containerPort: 81, name: "" }, { containerPort: 82, name: "ok-1" }]) });
  assert.deepEqual(l.diagnostics.items.filter((d) => d.severity === "error").map((d) => `:${d.line} ${(d.field ?? []).join(".")}: ${d.message}`), [
    ":1 spec.containers.0.ports.0.name: \"a--b\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)",
  ]);
  assert.deepEqual(l.inventory.endpoints[0].ports, [{ name: "a--b", port: 80, protocol: "TCP" }, { name: undefined, port: 81, protocol: "TCP" }, { name: "ok-1", port: 82, protocol: "TCP" }]);
});

/** A JSON list of pods, each given as [name, labels, ports] (ports: the containers' ports lists). */
function podList(pods: [string, unknown, unknown[][]][]): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "List",
    items: pods.map(([name, labels, containers]) => ({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", ...(labels === undefined ? {} : { labels }) },
      spec: { containers: containers.map((ports, i) => ({ name: `c${i}`, image: "i", ports })) },
      status: { podIP: "10.0.0.1" },
    })),
  });
}

function errorsOf(l: ReturnType<typeof load>): string[] {
  return l.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.ref?.path.join(".")} ${(d.field ?? []).join(".")}: ${d.message}`);
}

test("pods in a row with the same labels share them, and the same invalid labels are reported again for each pod", () => {
  const l = load({ "p.json": podList([
    ["a", { app: "x", bad: "-x-" }, [[]]],
    ["b", { app: "x", bad: "-x-" }, [[]]],
    ["c", { app: "x" }, [[]]],
    ["d", { app: "x" }, [[]]],
    ["e", { app: "x", n: 5 }, [[]]],
    ["f", { app: "x" }, [[]]],
    ["g", { app: "y", "-k": "v" }, [[]]],
    ["h", { app: "y", "-k": "v" }, [[]]],
    ["i", undefined, [[]]],
    ["j", {}, [[]]],
  ]) });
  assert.deepEqual(errorsOf(l), [
    'items.0 metadata.labels.bad: label value "-x-" is invalid (at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    'items.1 metadata.labels.bad: label value "-x-" is invalid (at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    "items.4 metadata.labels.n: must be a string, not number 5",
    'items.6 metadata.labels.-k: label key "-k" is invalid (name part: at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    'items.7 metadata.labels.-k: label key "-k" is invalid (name part: at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
  ]);
  const labels = l.inventory.endpoints.map((e) => e.labels);
  assert.deepEqual(labels, [
    { app: "x", bad: "-x-" }, { app: "x", bad: "-x-" }, { app: "x" }, { app: "x" }, { app: "x" }, { app: "x" },
    { app: "y", "-k": "v" }, { app: "y", "-k": "v" }, {}, {},
  ]);
  // One object for the same labels in a row.
  assert.equal(labels[0], labels[1]);
  assert.equal(labels[2], labels[3]);
  assert.equal(labels[3], labels[4]);
  assert.equal(labels[4], labels[5]);
});

test("container ports: the same ports in a row are one list; invalid ones are reported at their paths as before; an empty name is none", () => {
  const http = { name: "http", containerPort: 80 }, dns = { name: "dns", containerPort: 53, protocol: "UDP" };
  const l = load({ "p.json": podList([
    ["a", {}, [[http, dns]]],
    ["b", {}, [[http], [dns]]],
    ["c", {}, [[http]]],
    ["d", {}, [[http, { containerPort: 81, protocol: null, name: null }]]],
    ["e", {}, [[{ containerPort: 0 }, "x", { containerPort: 80, protocol: "tcp" }, { containerPort: 82, name: "a--b" }, { containerPort: 83, name: "" }, { containerPort: 84, name: 5 }]]],
    ["f", {}, [[http, dns]]],
  ]) });
  assert.deepEqual(errorsOf(l), [
    "items.4 spec.containers.0.ports.0.containerPort: 0 is below the minimum 1",
    'items.4 spec.containers.0.ports.1: must be an object, not the string "x"',
    'items.4 spec.containers.0.ports.2.protocol: "tcp" is not one of TCP, UDP, SCTP',
    "items.4 spec.containers.0.ports.3.name: \"a--b\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)",
    "items.4 spec.containers.0.ports.5.name: must be a string, not number 5",
  ]);
  const ports = l.inventory.endpoints.map((e) => e.ports);
  const HTTP = { name: "http", port: 80, protocol: "TCP" }, DNS = { name: "dns", port: 53, protocol: "UDP" };
  assert.deepEqual(ports, [
    [HTTP, DNS], [HTTP, DNS], [HTTP], [HTTP, { name: undefined, port: 81, protocol: "TCP" }],
    [{ name: undefined, port: 80, protocol: "TCP" }, { name: "a--b", port: 82, protocol: "TCP" }, { name: undefined, port: 83, protocol: "TCP" }, { name: undefined, port: 84, protocol: "TCP" }],
    [HTTP, DNS],
  ]);
  assert.equal(ports[0], ports[1]);
  assert.equal(ports[2][0], ports[0][0]);
});

test("ownerReferences looked at raw give the owner and the reports the fields gave: the first controller with a name and a kind other than Node, a kind none or empty read as Pod", () => {
  const owners: unknown[] = ["x", [null, "s"], [{ controller: "true", kind: "ReplicaSet", name: "rs" }], [{ controller: false, kind: "ReplicaSet", name: "a" }, { controller: true, kind: "Deployment", name: "d" }],
    [{ controller: true, kind: 5, name: "x" }], [{ controller: true, kind: "X", name: 7 }], [{ controller: true, kind: "", name: "n" }], [{ controller: true, kind: "Node", name: "n1" }, { controller: true, kind: "StatefulSet", name: "ss" }],
    [{ controller: null, kind: "ReplicaSet", name: "z" }], [{ controller: true, kind: "ReplicaSet", name: "rs" }, { controller: 1 }]];
  const items = owners.map((o, i) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}`, namespace: "ns", ownerReferences: o }, spec: { containers: [{ name: "c", image: "i" }] } }));
  const l = load({ "p.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  assert.deepEqual(errorsOf(l).filter((e) => !/(apiVersion|uid|kind|name): required field is missing$/.test(e)), [
    'items.0 metadata.ownerReferences: must be a list, not the string "x"',
    'items.1 metadata.ownerReferences.1: must be an object, not the string "s"',
    'items.2 metadata.ownerReferences.0.controller: must be true or false, not the string "true"',
    "items.4 metadata.ownerReferences.0.kind: must be a string, not number 5",
    "items.5 metadata.ownerReferences.0.name: must be a string, not number 7",
    "items.9 metadata.ownerReferences.1.controller: must be true or false, not number 1",
  ]);
  assert.deepEqual(l.inventory.endpoints.map((e) => e.owner && `${e.owner.kind}/${e.owner.name}`),
    [undefined, undefined, undefined, "Deployment/d", "Pod/x", undefined, "Pod/n", "StatefulSet/ss", undefined, "ReplicaSet/rs"]);
});

test("a Service's fields read through their parent report what they reported, at the same paths", () => {
  const specs: unknown[] = [{ type: "Bogus", selector: { a: 5 } }, { ports: [{ port: 80 }, { port: 0 }, { port: 81, targetPort: 0 }, { port: 82, targetPort: "" }, { port: 84, targetPort: "a--b" }, { port: 86, nodePort: 0 }, { port: 87, nodePort: 30000, name: 5, protocol: "tcp", appProtocol: 7 }] },
    { clusterIP: "None", clusterIPs: ["None"] }, { clusterIP: "10.96.0.1", clusterIPs: ["10.96.0.1", "fd00::10"], ipFamilyPolicy: "PreferDualStack" }, { clusterIP: "bad", clusterIPs: ["None", "bad2", 5] }, { clusterIPs: "x" }];
  const items = specs.map((spec, i) => ({ apiVersion: "v1", kind: "Service", metadata: { name: `s${i}`, namespace: "ns" }, spec }));
  const l = load({ "s.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  assert.deepEqual(errorsOf(l), [
    'items.0 spec.type: "Bogus" is not one of ClusterIP, NodePort, LoadBalancer, ExternalName',
    "items.0 spec.selector.a: must be a string, not number 5",
    "items.1 spec.ports.1.port: 0 is below the minimum 1",
    "items.1 spec.ports.4.targetPort: \"a--b\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)",
    "items.1 spec.ports.5.nodePort: 0 is below the minimum 1",
    "items.1 spec.ports.6.name: must be a string, not number 5",
    'items.1 spec.ports.6.protocol: "tcp" is not one of TCP, UDP, SCTP',
    "items.1 spec.ports.6.appProtocol: must be a string, not number 7",
    // A Service that is not headless (clusterIP None) has ports (ValidateService).
    "items.3 spec: ports: Required value (a Service that is neither headless, clusterIP None, nor ExternalName has ports; the API server refuses it)",
    'items.4 spec.clusterIP: "bad" is not a valid IP address',
    'items.4 spec.clusterIPs.1: "bad2" is not a valid IP address',
    "items.4 spec.clusterIPs.2: must be a string, not number 5",
    'items.5 spec.clusterIPs: must be a list, not the string "x"',
  ]);
  const s = l.inventory.services;
  assert.deepEqual(s[1].ports.map((p) => `${p.port}>${p.targetPort}`), ["80>80", "81>81", "82>82", "86>86", "87>87"]);
  assert.deepEqual([s[2].headless, s[2].clusterIPs.length, s[3].clusterIPs.map((a) => formatAddress(a))], [true, 0, ["10.96.0.1", "fd00::10"]]);
  assert.deepEqual(Object.keys(s[2]), ["namespace", "name", "type", "selector", "ports", "clusterIPs", "headless", "src"]);
});

test("an empty protocol or Service type is the API server's default (SetDefaults_ContainerPort, SetDefaults_Service: TCP, ClusterIP), not an error; a NetworkPolicy port's empty protocol stays refused (a set *Protocol is validated)", () => {
  const l = load({ "d.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [
    { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "ns" }, spec: { type: "", selector: { app: "a" }, ports: [{ port: 80, protocol: "" }] } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, protocol: "", name: "http" }, { containerPort: 81, protocol: "" }] }] } },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "np", namespace: "ns" }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: "" }] }] } },
  ] }) });
  assert.deepEqual(errorsOf(l), ['items.2 spec.ingress.0.ports.0.protocol: "" is not one of TCP, UDP, SCTP']);
  const s = l.inventory.services[0];
  assert.deepEqual([s.type, s.ports.map((p) => p.protocol)], ["ClusterIP", ["TCP"]]);
  assert.deepEqual(l.inventory.endpoints[0].ports, [{ name: "http", port: 80, protocol: "TCP" }, { name: undefined, port: 81, protocol: "TCP" }]);
});

test("the labels of objects whose model keeps none (Deployment, ReplicaSet, StatefulSet, Service, NetworkPolicy) are checked as a Namespace's are read: the same reports at the same paths, nothing kept", () => {
  const cases: unknown[] = [
    { app: "-x-" }, { "bad key": "v" }, { "a/b/c": "v" }, { "-p.io/n": "v" }, { ["n".repeat(64)]: "v" }, { app: "v".repeat(64) },
    { n: 5 }, { n: true }, { n: { nested: "x" } }, { ok: "fine", bad: "x_", also: "-y" }, "labels", ["app"], 7,
    { ok: "fine", "app.kubernetes.io/name": "web" }, {},
  ];
  const meta = (labels: unknown, name: string) => ({ name, namespace: "ns", labels });
  const objects: Record<string, (labels: unknown, name: string) => unknown> = {
    Namespace: (labels, name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }),
    Deployment: (labels, name) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: meta(labels, name), spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }),
    ReplicaSet: (labels, name) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: meta(labels, name), spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }),
    StatefulSet: (labels, name) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: meta(labels, name), spec: { serviceName: "s", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }),
    Service: (labels, name) => ({ apiVersion: "v1", kind: "Service", metadata: meta(labels, name), spec: { selector: { a: "b" }, ports: [{ port: 80 }] } }),
    NetworkPolicy: (labels, name) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(labels, name), spec: { podSelector: {} } }),
  };
  const reports = (kind: string, labels: unknown) => {
    // A pod with the same labels first: labels it read without a report are known valid to what follows.
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", labels: { ok: "fine", app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } };
    const l = load({ "o.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [pod, objects[kind](labels, "x"), objects[kind](labels, "y")] }) });
    return l.diagnostics.items.filter((d) => (d.field ?? [])[1] === "labels" || (d.field ?? []).join(".") === "metadata.labels").map((d) => `${d.ref?.path.join(".")} ${d.severity} ${d.code} ${(d.field ?? []).join(".")}: ${d.message}`);
  };
  let reported = 0;
  for (const labels of cases) {
    const expected = reports("Namespace", labels);
    reported += expected.length;
    for (const kind of Object.keys(objects)) if (kind !== "Namespace") assert.deepEqual(reports(kind, labels), expected, `${kind} ${JSON.stringify(labels)}`);
  }
  assert.ok(reported >= 24, `${reported} reports`);
  // Checked, not kept: the model's Services and policies have no labels, and a template's pod has its template's.
  const l = load({ "o.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [objects.Deployment({ team: "a" }, "d"), objects.Service({ team: "a" }, "s")] }) });
  assert.deepEqual(l.inventory.endpoints.map((e) => e.labels), [{ a: "b" }]);
});

test("pods in a row that differ in some label values (a StatefulSet's pod-name) or repeat an invalid port report what readLabels and readPort report, each time; the values kept are the values given, a value that is the pod's name its name's string", () => {
  const sts = (name: string, extra: Record<string, unknown> = {}) => ({ app: "db", "statefulset.kubernetes.io/pod-name": name, ...extra });
  const bad = { name: "a--b", containerPort: 82 }, ok = { name: "http", containerPort: 80 };
  const l = load({ "p.json": podList([
    ["db-0", sts("db-0"), [[ok]]],
    ["db-1", sts("db-1"), [[ok]]],
    ["db-2", sts("-db-2-"), [[ok, bad]]],
    ["db-3", sts("db-3"), [[ok, bad]]],
    ["db-4", sts("db-4", { n: 5 }), [[ok]]],
    ["db-5", { app: "db", "statefulset.kubernetes.io/pod-name": 7 }, [[ok, { name: "web", containerPort: 81, protocol: "tcp" }]]],
    ["db-6", sts("db-6"), [[ok, { name: "web", containerPort: 81, protocol: "tcp" }]]],
    ["db-7", { app: "db", other: "x" }, [[{ name: "HTTP", containerPort: 80 }]]],
    ["db-8", { app: "db", other: "-x" }, [[{ name: "HTTP", containerPort: 80 }]]],
  ]) });
  const invalidValue = (v: string) => `label value ${JSON.stringify(v)} is invalid (at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`;
  const badName = (n: string) => `${JSON.stringify(n)} is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)`;
  assert.deepEqual(errorsOf(l), [
    `items.2 metadata.labels.statefulset.kubernetes.io/pod-name: ${invalidValue("-db-2-")}`,
    `items.2 spec.containers.0.ports.1.name: ${badName("a--b")}`,
    `items.3 spec.containers.0.ports.1.name: ${badName("a--b")}`,
    "items.4 metadata.labels.n: must be a string, not number 5",
    "items.5 metadata.labels.statefulset.kubernetes.io/pod-name: must be a string, not number 7",
    'items.5 spec.containers.0.ports.1.protocol: "tcp" is not one of TCP, UDP, SCTP',
    'items.6 spec.containers.0.ports.1.protocol: "tcp" is not one of TCP, UDP, SCTP',
    `items.7 spec.containers.0.ports.0.name: ${badName("HTTP")}`,
    `items.8 metadata.labels.other: ${invalidValue("-x")}`,
    `items.8 spec.containers.0.ports.0.name: ${badName("HTTP")}`,
  ]);
  const pods = l.inventory.endpoints;
  assert.deepEqual(pods.map((e) => e.labels), [
    sts("db-0"), sts("db-1"), sts("-db-2-"), sts("db-3"), sts("db-4"), { app: "db" }, sts("db-6"), { app: "db", other: "x" }, { app: "db", other: "-x" },
  ]);
  assert.deepEqual(pods.map((e) => e.ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(",")), [
    "http/80/TCP", "http/80/TCP", "http/80/TCP,a--b/82/TCP", "http/80/TCP,a--b/82/TCP", "http/80/TCP", "http/80/TCP,web/81/TCP", "http/80/TCP,web/81/TCP", "HTTP/80/TCP", "HTTP/80/TCP",
  ]);
});

/** A JSON List of NetworkPolicies in namespace ns, each given as [name, spec]; with `cilium`, a Cilium agent and a pod at 10.2.3.4. */
function policyList(policies: [string, unknown][], cilium = false): string {
  const items: unknown[] = policies.map(([name, spec]) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "ns" }, spec }));
  if (cilium) {
    items.push({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "cilium", namespace: "kube-system" }, spec: { selector: { matchLabels: { "k8s-app": "cilium" } }, template: { metadata: { labels: { "k8s-app": "cilium" } }, spec: { containers: [{ name: "cilium-agent", image: "quay.io/cilium/cilium:v1.15.0" }] } } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "i" }] }, status: { podIP: "10.2.3.4" } });
  }
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

/** Every report as `item field: message`. */
function reportsOf(l: ReturnType<typeof load>): string[] {
  return l.diagnostics.items.filter((d) => d.code !== "implicit-namespace").map((d) => `${d.ref?.path.join(".")} ${(d.field ?? []).join(".")}: ${d.message}`);
}

test("a NetworkPolicy's ports are read raw as through their fields: valid ones without a report, any other reported at its field", () => {
  const ports: [unknown, unknown][] = [
    [{ port: 80 }, { kind: "range", protocol: "TCP", first: 80, last: 80 }],
    [{ port: 80, protocol: "UDP", endPort: 90 }, { kind: "range", protocol: "UDP", first: 80, last: 90 }],
    [{ port: 65535, endPort: 65535 }, { kind: "range", protocol: "TCP", first: 65535, last: 65535 }],
    [{ port: "http", protocol: "SCTP" }, { kind: "named", name: "http", protocol: "SCTP" }],
    [{ protocol: "UDP", port: null }, { kind: "protocol", protocol: "UDP" }],
    [{ port: 80, protocol: "tcp" }, "spec.ingress.0.ports.0.protocol: \"tcp\" is not one of TCP, UDP, SCTP"],
    [{ port: 80, protocol: "" }, "spec.ingress.0.ports.0.protocol: \"\" is not one of TCP, UDP, SCTP"],
    [{ port: "80" }, "spec.ingress.0.ports.0.port: \"80\": a port number must not be quoted, or a port name must contain a letter"],
    [{ port: "a--b" }, "spec.ingress.0.ports.0.port: \"a--b\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)"],
    [{ port: 0 }, "spec.ingress.0.ports.0.port: 0 is below the minimum 1"],
    [{ port: 1.5 }, "spec.ingress.0.ports.0.port: must be an integer, not number 1.5"],
    [{ endPort: 90 }, "spec.ingress.0.ports.0.endPort: endPort may only be set together with a numeric port"],
    [{ port: "http", endPort: 90 }, "spec.ingress.0.ports.0.endPort: endPort may not be set when port is a named port"],
    [{ port: 80, endPort: 79 }, "spec.ingress.0.ports.0.endPort: endPort 79 must be greater than or equal to port 80"],
    [{ port: 80, endPort: 70000 }, "spec.ingress.0.ports.0.endPort: 70000 is above the maximum 65535"],
    [[80], "spec.ingress.0.ports.0: must be an object, not a list"],
  ];
  for (const [port, want] of ports) {
    const l = load({ "np.json": policyList([["p", { podSelector: {}, ingress: [{ ports: [port] }] }]]) });
    const errors = reportsOf(l).map((r) => r.replace(/^items\.0 /, ""));
    if (typeof want === "string") assert.deepEqual(errors, [want], JSON.stringify(port));
    else {
      assert.deepEqual(errors, [], JSON.stringify(port));
      assert.deepEqual(l.inventory.policies[0].ingress?.[0].ports, [want], JSON.stringify(port));
    }
  }
});

test("a NetworkPolicy's selectors and blocks read as before (raw, no field made) give what their first reading gave, and reports keep their places", () => {
  // Each peer first where nothing was read before (read through its field), then again after it (raw).
  const peers: unknown[] = [
    { namespaceSelector: { matchLabels: { team: "t" } }, podSelector: { matchLabels: { app: "a" } } },
    { namespaceSelector: null, podSelector: { matchLabels: { app: "b", tier: "web" } } },
    { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["a"] }] } },
    { podSelector: { matchLabels: { app: "-bad-" } } },
    { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16", "10.2.0.0/16"] } },
    { ipBlock: { cidr: "10.0.0.0/8", except: ["10.0.0.0/8"] } },
    { ipBlock: { cidr: "10.0.0.1/8" } },
    { ipBlock: { cidr: "10.0.0.0/8", except: "10.1.0.0/16" } },
    { podSelector: {}, bogus: 1 },
    { ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} },
    {},
  ];
  for (const cilium of [false, true]) {
    for (const peer of peers) {
      const spec = { podSelector: { matchLabels: { app: "a" } }, policyTypes: ["Egress", "Ingress"], ingress: [{ from: [[], peer] }], egress: [{ to: [peer] }] };
      const l = load({ "np.json": policyList([["first", spec], ["again", spec]], cilium) });
      const [first, again] = l.inventory.policies;
      assert.deepEqual(again.ingress, first.ingress, JSON.stringify(peer));
      assert.deepEqual(again.egress, first.egress, JSON.stringify(peer));
      assert.deepEqual(again.subject, first.subject);
      const reports = reportsOf(l);
      assert.deepEqual(reports.filter((r) => r.startsWith("items.1 ")).map((r) => r.slice(8)), reports.filter((r) => r.startsWith("items.0 ")).map((r) => r.slice(8)), JSON.stringify(peer));
      // The peer before it is reported at its index, and the peer keeps its own (1 in from, 0 in to).
      assert.ok(reports.includes("items.1 spec.ingress.0.from.0: must be an object, not a list"), reports.join("\n"));
    }
  }
  const l = load({ "np.json": policyList([["p", { podSelector: {}, ingress: [{ from: [[], { ipBlock: { cidr: "10.0.0.0/8" } }] }] }], ["q", { podSelector: {}, ingress: [{ from: [{}, { ipBlock: { cidr: "10.0.0.0/8" } }] }] }]], true) });
  assert.deepEqual(reportsOf(l).filter((r) => r.includes("vendor-ipblock") || r.includes("Cilium's CIDR rules")).map((r) => r.split(":")[0]), ["items.0 spec.ingress.0.from.1.ipBlock.cidr", "items.1 spec.ingress.0.from.1.ipBlock.cidr"]);
});

test("a NetworkPolicy's policyTypes read raw as through their fields", () => {
  const cases: [unknown, string[] | string][] = [
    // (None, or an empty list: Ingress, and Egress as spec.egress has rules.)
    [undefined, ["ingress", "egress"]], [[], ["ingress", "egress"]], [["Egress"], ["egress"]], [["Egress", "Ingress"], ["ingress", "egress"]], [["Ingress", "Ingress"], ["ingress"]],
    [["Bad"], "spec.policyTypes.0: \"Bad\" is not one of Ingress, Egress"], [[5], "spec.policyTypes.0: must be a string, not number 5"], ["Ingress", "spec.policyTypes: must be a list, not the string \"Ingress\""],
  ];
  for (const [types, want] of cases) {
    const l = load({ "np.json": policyList([["p", { podSelector: {}, policyTypes: types, ingress: [{}], egress: [{}] }]]) });
    const p = l.inventory.policies[0];
    if (typeof want === "string") assert.deepEqual(reportsOf(l).map((r) => r.replace(/^items\.0 /, "")), [want], JSON.stringify(types));
    else assert.deepEqual([p.ingress && "ingress", p.egress && "egress"].filter(Boolean), want, JSON.stringify(types));
  }
});

test("a Service's ports are read raw as through their fields: valid ones without a report, any other reported at its field", () => {
  const cases: [unknown, unknown][] = [
    [{ port: 80 }, { name: undefined, port: 80, protocol: "TCP", targetPort: 80, nodePort: undefined, appProtocol: undefined }],
    [{ port: 80, targetPort: "http", protocol: "SCTP", name: "n", nodePort: 31000, appProtocol: "h2c" }, { name: "n", port: 80, protocol: "SCTP", targetPort: "http", nodePort: 31000, appProtocol: "h2c" }],
    [{ port: 80, targetPort: 0, protocol: "", name: "" }, { name: "", port: 80, protocol: "TCP", targetPort: 80, nodePort: undefined, appProtocol: undefined }],
    [{ port: 80, targetPort: "" }, { name: undefined, port: 80, protocol: "TCP", targetPort: 80, nodePort: undefined, appProtocol: undefined }],
    [{ port: 80, targetPort: "80" }, "spec.ports.0.targetPort: \"80\": a port number must not be quoted, or a port name must contain a letter"],
    [{ port: 80, targetPort: 70000 }, "spec.ports.0.targetPort: 70000 is above the maximum 65535"],
    [{ port: 0 }, "spec.ports.0.port: 0 is below the minimum 1"],
    [{ port: 80, nodePort: 0 }, "spec.ports.0.nodePort: 0 is below the minimum 1"],
    [{ port: 80, protocol: "udp" }, "spec.ports.0.protocol: \"udp\" is not one of TCP, UDP, SCTP"],
    [{ port: 80, name: 5 }, "spec.ports.0.name: must be a string, not number 5"],
    // A port whose number is invalid is not read further (its protocol is not reported).
    [{ port: 0, protocol: "bad" }, "spec.ports.0.port: 0 is below the minimum 1"],
  ];
  for (const [port, want] of cases) {
    // (A nodePort only on a NodePort Service: the API server refuses one on a ClusterIP Service.)
    const type = (port as { nodePort?: unknown }).nodePort === undefined ? {} : { type: "NodePort" };
    const l = load({ "s.json": JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "ns" }, spec: { ...type, selector: { app: "a" }, ports: [port] } }) });
    const errors = l.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${(d.field ?? []).join(".")}: ${d.message}`);
    if (typeof want === "string") assert.deepEqual(errors.filter((e) => e === want), [want], `${JSON.stringify(port)}: ${errors.join("; ")}`);
    else {
      assert.deepEqual(errors, [], JSON.stringify(port));
      assert.deepEqual(l.inventory.services[0].ports, [want], JSON.stringify(port));
    }
  }
});

test("a pod's fields read by name (metadata, spec, status: fields.ts props) give what their fields gave: each field of another type reported at its path and line, in the same order, and the same pods", () => {
  const pods = [
    { metadata: { name: "a", namespace: "ns", labels: { app: "x" }, annotations: 5, deletionTimestamp: "2020-01-01T00:00:00Z" }, spec: { nodeName: 1, serviceAccountName: 2, serviceAccount: "sa", hostNetwork: "yes", automountServiceAccountToken: "no", containers: [{ name: "c", image: "i", livenessProbe: { httpGet: { port: 80, path: "/h?x" } } }], initContainers: 4, volumes: null }, status: { phase: 7, podIP: 5, podIPs: [{ ip: "10.0.0.2" }], hostIP: true, conditions: "x" } },
    { metadata: { name: "b", namespace: 3, ownerReferences: "x" }, spec: { nodeName: "n1", serviceAccount: 9, containers: "x" }, status: "up" },
    { metadata: { name: "", namespace: "ns" }, spec: 5, status: { podIP: "", hostIP: "bad", conditions: [{ type: "Ready", status: 1 }] } },
    { metadata: { name: "d", namespace: "ns", labels: { app: "x" } }, spec: { hostNetwork: true, nodeName: "n2", containers: [{ name: "c", image: "i", readinessProbe: { httpGet: null }, startupProbe: { httpGet: { port: "web" } }, ports: [{ name: "web", containerPort: 8080 }] }] }, status: { phase: "Running", hostIP: "10.1.1.1", conditions: [{ type: 5 }, { type: "Ready", status: "False" }] } },
    { metadata: { generateName: "g-", namespace: "ns" }, spec: { containers: [] } },
    { metadata: { name: "e", namespace: "ns", labels: { app: "y" }, annotations: { "k8s.v1.cni.cncf.io/networks": 5 } }, spec: { containers: [{ name: "istio-proxy", image: "i" }], volumes: [{ name: "v", secret: { secretName: "s" } }] }, status: { phase: "Running", podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.8" }] } },
  ];
  const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: pods.map((p) => ({ apiVersion: "v1", kind: "Pod", ...p })) }, null, 1);
  const l = load({ "p.json": text });
  assert.deepEqual(l.diagnostics.items.map((d) => `${d.severity} ${d.code} :${d.line} ${d.ref?.path?.join(".")} ${(d.field ?? []).join(".")}: ${d.message}`), [
    "error type :14 items.0 metadata.annotations: must be an object, not number 5",
    "error type :18 items.0 spec.nodeName: must be a string, not number 1",
    "error type :19 items.0 spec.serviceAccountName: must be a string, not number 2",
    "error type :21 items.0 spec.hostNetwork: must be true or false, not the string \"yes\"",
    "error type :22 items.0 spec.automountServiceAccountToken: must be true or false, not the string \"no\"",
    "error type :35 items.0 spec.initContainers: must be a list, not number 4",
    "error type :39 items.0 status.phase: must be a string, not number 7",
    "error type :40 items.0 status.podIP: must be a string, not number 5",
    "error type :46 items.0 status.hostIP: must be a string, not boolean true",
    "error type :47 items.0 status.conditions: must be a list, not the string \"x\"",
    "error type :55 items.1 metadata.namespace: must be a string, not number 3",
    "error type :56 items.1 metadata.ownerReferences: must be a list, not the string \"x\"",
    "error type :60 items.1 spec.serviceAccount: must be a string, not number 9",
    "error type :61 items.1 spec.containers: must be a list, not the string \"x\"",
    "error type :63 items.1 status: must be an object, not the string \"up\"",
    "error empty :69 items.2 metadata.name: must not be empty",
    "error type :72 items.2 spec: must be an object, not number 5",
    "error type :79 items.2 status.conditions.0.status: must be a string, not number 1",
    "error required :122 items.3 status.conditions.0.status: required field is missing",
    "error type :123 items.3 status.conditions.0.type: must be a string, not number 5",
    "error required :135 items.4 metadata.name: required field is missing: kubectl apply refuses generateName alone (\"from g-: cannot use generate name with apply\"; kubectl create would let the API server make up a name, which nothing can refer to); give the object a name",
    "error required :140 items.4 spec.containers: Required value: a pod has at least one container (the API server refuses the Pod)",
    "error type :153 items.5 metadata.annotations.k8s.v1.cni.cncf.io/networks: must be a string, not number 5",
    "warning pod-ips-mismatch :175 items.5 status.podIPs: status.podIPs[0].ip (\"10.0.0.8\") differs from status.podIP (\"10.0.0.9\"): the API server keeps podIP alone and drops podIPs (Convert_v1_PodStatus_To_core_PodStatus), and so does Junction",
    "info implicit-namespace :5 items.0 : namespace \"ns\" is referenced but not defined; assumed to exist with its default label kubernetes.io/metadata.name=ns"
  ]);
  assert.deepEqual(l.inventory.endpoints.map((e) => JSON.stringify(e, (k, v) => (typeof v === "bigint" ? String(v) : k === "src" ? undefined : v))), [
    "{\"kind\":\"pod\",\"name\":\"a\",\"namespace\":\"ns\",\"labels\":{\"app\":\"x\"},\"addresses\":[{\"family\":4,\"value\":\"167772162\"}],\"ports\":[],\"hostNetwork\":false,\"serviceAccount\":\"sa\",\"id\":0,\"httpProbes\":[{\"port\":80,\"path\":\"/h\"}],\"terminating\":true}",
    "{\"kind\":\"pod\",\"name\":\"b\",\"namespace\":\"default\",\"labels\":{},\"addresses\":[],\"ports\":[],\"nodeName\":\"n1\",\"hostNetwork\":false,\"id\":1}",
    "{\"kind\":\"pod\",\"name\":\"d\",\"namespace\":\"ns\",\"labels\":{\"app\":\"x\"},\"addresses\":[{\"family\":4,\"value\":\"167837953\"}],\"ports\":[{\"name\":\"web\",\"port\":8080,\"protocol\":\"TCP\"}],\"nodeName\":\"n2\",\"hostNetwork\":true,\"ready\":false,\"id\":2,\"httpProbes\":[{\"port\":8080,\"path\":\"/\"}]}",
    "{\"kind\":\"pod\",\"name\":\"e\",\"namespace\":\"ns\",\"labels\":{\"app\":\"y\"},\"addresses\":[{\"family\":4,\"value\":\"167772169\"}],\"ports\":[],\"hostNetwork\":false,\"id\":3,\"proxyContainer\":\"istio-proxy\"}"
  ]);
});

test("a Multus networks annotation that is no string is reported once, by the annotations' reading (a pod's and a controller template's): it was reported again by the networks' reading", () => {
  const annotations = { "k8s.v1.cni.cncf.io/networks": 5 };
  const l = load({ "p.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [
    { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "ns", annotations }, spec: { containers: [{ name: "c", image: "i" }] } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "ns" }, spec: { selector: { matchLabels: { app: "d" } }, template: { metadata: { labels: { app: "d" }, annotations }, spec: { containers: [{ name: "c", image: "i" }] } } } },
  ] }, null, 1) });
  assert.deepEqual(errorsOf(l), [
    "items.0 metadata.annotations.k8s.v1.cni.cncf.io/networks: must be a string, not number 5",
    "items.1 spec.template.metadata.annotations.k8s.v1.cni.cncf.io/networks: must be a string, not number 5",
  ]);
  // (A string is still read: a network asked for, here one the input does not define.)
  const ok = load({ "p.json": JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "ns", annotations: { "k8s.v1.cni.cncf.io/networks": "net1" } }, spec: { containers: [{ name: "c", image: "i" }] } }) });
  assert.deepEqual(ok.diagnostics.items.filter((d) => d.code === "unknown-network").map((d) => d.message), ["ns/a asks for network ns/net1, which has no NetworkAttachmentDefinition in the input: the interface is left out"]);
});

// A Node's addresses (InternalIPs, then ExternalIPs, as GetNodeHostIPs orders them), Calico tunnel
// annotations and pod CIDRs are looked at raw (core.ts nodeAddresses, readTunnels, nodePodCIDRs): the
// same addresses in the same order, the same reports at the same paths in the same order.
test("a Node's addresses, tunnel annotations and pod CIDRs read raw give what their fields gave, reports at the same paths in order", () => {
  const node = (name: string, extra: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Node", metadata: { name, ...(extra.metadata as object) }, spec: extra.spec, status: extra.status });
  const items = [
    node("n1", {
      metadata: { annotations: { "projectcalico.org/IPv4Address": "10.0.0.9", "projectcalico.org/IPv4VXLANTunnelAddr": "fd00::1", "projectcalico.org/IPv4IPIPTunnelAddr": "10.9.0.1" } },
      spec: { podCIDRs: ["10.1.0.0/24", "nope", 7, "fd00:1::/64"], podCIDR: "10.2.0.0/24" },
      status: { addresses: [{ type: "Hostname", address: "n1" }, { type: "ExternalIP", address: "203.0.113.1" }, "x", [1], { type: "InternalIP", address: 5 }, { type: "InternalIP", address: "10.0.0.1" }, { type: "InternalIP", address: "10.0.0.300" }, { type: "ExternalIP", address: "" }, { type: "InternalIP" }, { type: "InternalIP", address: "10.0.0.1" }, { type: "InternalIP", address: "fd00::5" }] },
    }),
    node("n2", { spec: { podCIDRs: [], podCIDR: "10.3.0.0/24" }, status: { addresses: "10.0.0.2" } }),
    node("n3", { spec: "x", status: "y" }),
    node("n4", { metadata: { annotations: { "projectcalico.org/IPv6Address": "fd00::9/64" } }, status: { addresses: [{ type: "ExternalIP", address: "198.51.100.4" }] } }),
  ];
  const l = load({ "n.json": JSON.stringify({ apiVersion: "v1", kind: "List", items }) });
  const reports = l.diagnostics.items.filter((d) => d.ref?.path.length).map((d) => `${d.severity} ${d.ref!.path.join(".")} ${(d.field ?? []).join(".")}: ${d.message}`);
  assert.deepEqual(reports, [
    "warning items.0 metadata.annotations.projectcalico.org/IPv4Address: \"10.0.0.9\" is not an IPv4 address with its prefix length: the node's Calico subnet (CrossSubnet encapsulation) is read as unknown",
    "warning items.0 metadata.annotations.projectcalico.org/IPv4VXLANTunnelAddr: \"fd00::1\" is not an IPv4 address: the node's Calico tunnel address is read as unknown",
    "error items.0 spec.podCIDRs.2: must be a string, not number 7",
    "error items.0 status.addresses.2: must be an object, not the string \"x\"",
    "error items.0 status.addresses.3: must be an object, not a list",
    "error items.0 status.addresses.4.address: must be a string, not number 5",
    "error items.0 status.addresses.6.address: \"10.0.0.300\" is not a valid IP address",
    "error items.0 status.addresses.8.address: required field is missing",
    "error items.1 status.addresses: must be a list, not the string \"10.0.0.2\"",
    "error items.2 spec: must be an object, not the string \"x\"",
    "error items.2 status: must be an object, not the string \"y\"",
  ]);
  const nodes = l.inventory.endpoints.filter((e) => e.kind === "node");
  assert.deepEqual(nodes.map((e) => [e.name, e.addresses.map(formatAddress).join(" "), (e.podCIDRs ?? []).map((c) => c.text).join(" "), Object.keys(e).join(",")]), [
    ["n1", "10.0.0.1 fd00::5 203.0.113.1", "10.1.0.0/24 fd00:1::/64", "kind,name,labels,addresses,ports,tunnels,podCIDRs,src,id"],
    ["n2", "", "10.3.0.0/24", "kind,name,labels,addresses,ports,podCIDRs,src,id"],
    ["n3", "", "", "kind,name,labels,addresses,ports,src,id"],
    ["n4", "198.51.100.4", "", "kind,name,labels,addresses,ports,tunnels,src,id"],
  ]);
  assert.equal(formatAddress(nodes[0].tunnels!.ipip!), "10.9.0.1");
  assert.equal(nodes[3].tunnels!.subnetV6!.text, "fd00::9/64");
});
