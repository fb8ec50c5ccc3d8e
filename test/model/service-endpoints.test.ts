// Service → endpoints, as kube-proxy and Gateway data planes resolve it (the EndpointSlice API,
// discovery.k8s.io/v1): a Service's EndpointSlices are those labelled kubernetes.io/service-name;
// a slice port serves the Service port of the same name; "ready: nil should be interpreted as
// true"; the pods a selector picks are the endpoints the EndpointSlice controller writes (pods
// without the named targetPort are left out); headless Services resolve the same way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseEndpoints, serviceEndpoints, hasNoReadyEndpoint, servingWorkload, workloadOf } from "../../src/model/service-endpoints.js";
import { load } from "../helpers.js";
import { addEndpoint, removeEndpoint } from "../../src/model/inventory.js";

function endpointsOf(yaml: string, service: string, port = 80) {
  const loaded = load({ "t.yaml": yaml });
  assert.deepEqual(loaded.diagnostics.errors.map((e) => e.message), []);
  const inv = loaded.inventory;
  const s = inv.services.find((x) => `${x.namespace}/${x.name}` === service)!;
  return serviceEndpoints(inv, s, s.ports.find((p) => p.port === port)!);
}

const svc = (name: string, spec: string) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ns}\nspec: ${spec}\n`;
const pod = (name: string, labels: string, ip: string, extra = "", status = "{phase: Running, podIP: " + ip + "}") =>
  `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ns, labels: ${labels}}\nspec: {containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]${extra}}\nstatus: ${status}\n`;
const slice = (name: string, service: string, body: string) =>
  `---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ${name}, namespace: ns, labels: {kubernetes.io/service-name: ${service}}}\n${body}\n`;

test("a Service without selector is served by its EndpointSlices: the slice port named like the Service port", () => {
  const yaml = svc("manual", "{ports: [{name: http, port: 80, targetPort: 3000}, {name: admin, port: 81}]}")
    + slice("manual-a", "manual", "addressType: IPv4\nports: [{name: http, port: 3000}, {name: admin, port: 9000}]\nendpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2], conditions: {ready: false}}]")
    + slice("manual-b", "manual", "addressType: IPv6\nports: [{name: http, port: 3000}]\nendpoints: [{addresses: ['fd00::1']}]")
    + slice("other", "unrelated", "addressType: IPv4\nports: [{name: http, port: 1}]\nendpoints: [{addresses: [10.9.9.9]}]");
  const e = endpointsOf(yaml, "ns/manual");
  assert.equal(e.from, "EndpointSlice");
  assert.deepEqual(e.endpoints.map((x) => `${x.address}:${x.port}:${x.ready}`), ["10.0.0.1:3000:true", "10.0.0.2:3000:false", "fd00::1:3000:true"],
    "conditions.ready unset counts as ready; both address families are endpoints");
  assert.deepEqual(endpointsOf(yaml, "ns/manual", 81).endpoints.map((x) => `${x.address}:${x.port}`), ["10.0.0.1:9000", "10.0.0.2:9000"], "the admin port only where a slice names it");
});

test("a slice with no endpoints, or only unready ones: the Service has no ready endpoint", () => {
  const empty = svc("manual", "{ports: [{name: http, port: 80}]}") + slice("s", "manual", "addressType: IPv4\nports: [{name: http, port: 80}]");
  assert.ok(hasNoReadyEndpoint(endpointsOf(empty, "ns/manual")));
  const unready = svc("manual", "{ports: [{name: http, port: 80}]}") + slice("s", "manual", "addressType: IPv4\nports: [{name: http, port: 80}]\nendpoints: [{addresses: [10.0.0.1], conditions: {ready: false}}]");
  assert.ok(hasNoReadyEndpoint(endpointsOf(unready, "ns/manual")));
});

test("a selector picks the pods of its namespace: headless Services too; a named targetPort is looked up on each pod", () => {
  const yaml = svc("web", "{clusterIP: None, selector: {app: web}, ports: [{port: 80, targetPort: web}]}")
    + pod("web-1", "{app: web}", "10.1.0.1") + pod("web-2", "{app: web}", "10.1.0.2", "", "{phase: Running, podIP: 10.1.0.2, conditions: [{type: Ready, status: 'False'}]}")
    + pod("db", "{app: db}", "10.1.0.3");
  const e = endpointsOf(yaml, "ns/web");
  assert.equal(e.from, "selector");
  assert.deepEqual(e.endpoints.map((x) => `${x.pod?.name} ${x.address}:${x.port} ${x.ready}`), ["web-1 10.1.0.1:8080 true", "web-2 10.1.0.2:8080 false"]);
  assert.ok(!hasNoReadyEndpoint(e));
});

test("a selector that picks no pod of a namespace the input describes: no endpoint; a namespace without pods: unknown, assumed served", () => {
  const typo = svc("web", "{selector: {app: wbe}, ports: [{port: 80}]}") + pod("web-1", "{app: web}", "10.1.0.1");
  assert.ok(hasNoReadyEndpoint(endpointsOf(typo, "ns/web")));
  const noPods = svc("web", "{selector: {app: web}, ports: [{port: 80}]}");
  const e = endpointsOf(noPods, "ns/web");
  assert.equal(e.from, "unknown");
  assert.ok(!hasNoReadyEndpoint(e));
  const pending = svc("web", "{selector: {app: web}, ports: [{port: 80}]}") + pod("web-1", "{app: web}", "10.1.0.1", "", "{phase: Pending}");
  assert.ok(hasNoReadyEndpoint(endpointsOf(pending, "ns/web")), "a Pending pod is not ready");
});

test("EndpointSlice addresses name their pods through targetRef or the pod's IP", () => {
  const yaml = svc("manual", "{ports: [{name: http, port: 80}]}") + pod("api-7f9c5d8b4-x2x1z", "{app: api, pod-template-hash: 7f9c5d8b4}", "10.1.0.9")
    + slice("s", "manual", "addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: [10.1.0.9]}]");
  const e = endpointsOf(yaml, "ns/manual");
  assert.equal(e.endpoints[0].pod?.name, "api-7f9c5d8b4-x2x1z");
  assert.equal(workloadOf(e.endpoints[0].pod!), "api", "a ReplicaSet pod's name without pod-template-hash and suffix is its Deployment");
  assert.equal(servingWorkload(e), "ns/api");
});

test("the serving workload is named only when every ready endpoint belongs to one", () => {
  const yaml = svc("web", "{selector: {tier: web}, ports: [{port: 80}]}") + pod("a-0", "{tier: web}", "10.1.0.1") + pod("b-0", "{tier: web}", "10.1.0.2");
  assert.equal(servingWorkload(endpointsOf(yaml, "ns/web")), undefined);
});

test("EndpointSlices are validated as the API server does: address type, addresses of that family", () => {
  const loaded = load({ "t.yaml": slice("s", "x", "addressType: IPv4\nendpoints: [{addresses: ['fd00::1']}]") + slice("t", "x", "addressType: IPv5") });
  assert.deepEqual(loaded.diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`), [
    "endpoints.0.addresses.0: \"fd00::1\" is not an IPv4 address",
    "addressType: \"IPv5\" is not one of IPv4, IPv6, FQDN",
  ]);
});

test("serviceEndpoints is computed once per inventory state: adding, removing or replacing endpoints and slices is seen", () => {
  const pod = (name: string, ip: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: a, labels: {app: api}}\nspec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: ${ip}}\n---\n`;
  const inv = load({ "a.yaml": pod("api-1", "10.0.0.1") + pod("other", "10.0.0.9").replace("app: api", "app: other") + "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: a}\nspec: {selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}\n" }).inventory;
  const svc = inv.services[0], sp = svc.ports[0];
  const names = () => serviceEndpoints(inv, svc, sp).endpoints.map((e) => e.pod?.name).sort();
  assert.deepEqual(names(), ["api-1"]);
  assert.equal(serviceEndpoints(inv, svc, sp), serviceEndpoints(inv, svc, sp), "the same state answers from the index");
  const first = inv.endpoints.find((e) => e.name === "api-1")!;
  const added = addEndpoint(inv, { ...first, name: "api-2", addresses: [{ family: 4, value: 0x0a000002n }] } as never);
  assert.deepEqual(names(), ["api-1", "api-2"]);
  // Removing moves the last endpoint into the slot: the count stays, the revision tells.
  removeEndpoint(inv, first);
  addEndpoint(inv, { ...added, name: "api-3" } as never);
  assert.deepEqual(names(), ["api-2", "api-3"]);
  inv.endpointSlices = [{ namespace: "a", name: "api-x", service: "api", addressType: "IPv4", ports: [{ name: "", port: 8080, protocol: "TCP" }], endpoints: [] } as never];
  assert.equal(serviceEndpoints(inv, svc, sp).from, "EndpointSlice");
});

// Terminating endpoints (discovery.k8s.io/v1 EndpointConditions; KEP-1669). kube-proxy
// (pkg/proxy/endpointslicecache.go addEndpoints) reads `ready := Ready == nil || *Ready`,
// `serving := Serving == nil || *Serving`, `terminating := Terminating != nil && *Terminating`, and
// CategorizeEndpoints (pkg/proxy/topology.go) uses the ready endpoints, or with none of them "try
// again using terminating endpoints" (serving and terminating). Proxies and Gateways send only to
// ready endpoints (ingress-nginx getEndpointsFromSlices, Istio endpointHealthStatus, Linkerd
// endpointSliceToAddresses, Envoy Gateway's draining ones excluded).

const rollout = (endpoints: string) => svc("web", "{ports: [{name: http, port: 80}]}") + slice("web-x", "web", `addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: ${endpoints}`);

test("EndpointSlice conditions: unset ready is ready, unset serving is true for kube-proxy, unset terminating is false", () => {
  const e = endpointsOf(rollout("[{addresses: [10.0.0.1]}, {addresses: [10.0.0.2], conditions: {ready: false, serving: true, terminating: true}, nodeName: n1}, {addresses: [10.0.0.3], conditions: {ready: false, terminating: true}}]"), "ns/web");
  assert.deepEqual(e.endpoints.map((x) => `${x.address} ${x.ready} ${x.serving} ${x.terminating} ${x.node}`), [
    "10.0.0.1 true true false undefined", "10.0.0.2 false true true n1", "10.0.0.3 false true true undefined",
  ]);
});

test("mid-rollout, only terminating endpoints left: kube-proxy falls back to the serving ones, a proxy has none", () => {
  const e = endpointsOf(rollout("[{addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}, {addresses: [10.0.0.2], conditions: {ready: false, serving: false, terminating: true}}, {addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: false}}]"), "ns/web");
  const kp = chooseEndpoints(e, "kube-proxy");
  assert.deepEqual(kp.chosen.map((x) => x.address), ["10.0.0.1"], "serving and terminating only: not the unserving one, not the unready one that is not terminating");
  assert.match(kp.why, /kube-proxy falls back to the 1 serving terminating endpoint/);
  assert.equal(kp.others, "; 2 other not ready");
  const proxy = chooseEndpoints(e, "proxy");
  assert.deepEqual(proxy.chosen, []);
  assert.match(proxy.others, /1 serving terminating endpoint among them, which only kube-proxy falls back to/);
  assert.ok(hasNoReadyEndpoint(e), "a Gateway answers 503");
});

test("with a ready endpoint anywhere, kube-proxy does not use terminating ones", () => {
  const e = endpointsOf(rollout("[{addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}, {addresses: [10.0.0.2]}]"), "ns/web");
  assert.deepEqual(chooseEndpoints(e, "kube-proxy").chosen.map((x) => x.address), ["10.0.0.2"]);
  assert.equal(chooseEndpoints(e, "kube-proxy").notable, false);
});

test("an address in two endpoints: the one not terminating wins (a reused pod IP)", () => {
  const e = endpointsOf(rollout("[{addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}, {addresses: [10.0.0.1], conditions: {ready: true}}]"), "ns/web");
  assert.deepEqual(e.endpoints.map((x) => `${x.address} ${x.ready}`), ["10.0.0.1 true"]);
  const f = endpointsOf(rollout("[{addresses: [10.0.0.1], conditions: {ready: true}}, {addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}]"), "ns/web");
  assert.deepEqual(f.endpoints.map((x) => `${x.address} ${x.ready}`), ["10.0.0.1 true"], "in either order");
});

test("pods a selector picks get the EndpointSlice controller's conditions (podToEndpoint): a deleted pod is terminating, publishNotReadyAddresses makes every pod ready", () => {
  const deleting = (name: string, ip: string, ready: string) => pod(name, "{app: web}", ip, "", `{phase: Running, podIP: ${ip}, conditions: [{type: Ready, status: '${ready}'}]}`).replace("labels: {app: web}}", "labels: {app: web}, deletionTimestamp: '2026-01-01T00:00:00Z'}");
  const yaml = svc("web", "{selector: {app: web}, ports: [{port: 80, targetPort: web}]}") + deleting("web-1", "10.1.0.1", "True") + deleting("web-2", "10.1.0.2", "False");
  const e = endpointsOf(yaml, "ns/web");
  assert.deepEqual(e.endpoints.map((x) => `${x.pod?.name} ${x.ready} ${x.serving} ${x.terminating}`), ["web-1 false true true", "web-2 false false true"]);
  assert.deepEqual(chooseEndpoints(e, "kube-proxy").chosen.map((x) => x.pod?.name), ["web-1"]);
  const published = endpointsOf(yaml.replace("{selector:", "{publishNotReadyAddresses: true, selector:"), "ns/web");
  assert.deepEqual(published.endpoints.map((x) => x.ready), [true, true], "ready := PublishNotReadyAddresses || (serving && !terminating)");
});

test("internalTrafficPolicy Local: only the client's node's endpoints; kube-proxy falls back to that node's terminating ones", () => {
  const e = endpointsOf(rollout("[{addresses: [10.0.0.1], nodeName: a}, {addresses: [10.0.0.2], nodeName: b, conditions: {ready: false, serving: true, terminating: true}}]"), "ns/web");
  assert.deepEqual(chooseEndpoints(e, "kube-proxy", { node: "a" }).chosen.map((x) => x.address), ["10.0.0.1"]);
  const b = chooseEndpoints(e, "kube-proxy", { node: "b" });
  assert.deepEqual(b.chosen.map((x) => x.address), ["10.0.0.2"], "a ready endpoint elsewhere does not count");
  assert.ok(b.notable);
  assert.deepEqual(chooseEndpoints(e, "proxy", { node: "b" }).chosen, []);
  assert.deepEqual(chooseEndpoints(e, "kube-proxy", { node: "c" }).chosen, [], "no endpoint on the node: the connection is dropped");
});

// core/v1 Endpoints, as the EndpointSliceMirroring controller mirrors them (addressToEndpoint sets
// only Ready: true for `addresses`, false for `notReadyAddresses`; kube-proxy then reads serving
// as true and terminating as false, so a not-ready address is never a fallback).
const endpointsObject = (name: string, body: string, labels = "") => `---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: ${name}, namespace: ns${labels}}\n${body}\n`;

test("Endpoints of a Service without selector are its endpoints: addresses ready, notReadyAddresses not, one slice per family", () => {
  const yaml = svc("ext", "{ports: [{name: db, port: 5432}]}")
    + endpointsObject("ext", "subsets: [{addresses: [{ip: 10.0.0.1, nodeName: n1}, {ip: 'fd00::1'}], notReadyAddresses: [{ip: 10.0.0.2}], ports: [{name: db, port: 5432}]}]");
  const e = endpointsOf(yaml, "ns/ext", 5432);
  assert.equal(e.from, "EndpointSlice");
  assert.deepEqual(e.endpoints.map((x) => `${x.address}:${x.port} ${x.ready} ${x.node}`), ["10.0.0.1:5432 true n1", "10.0.0.2:5432 false undefined", "fd00::1:5432 true undefined"]);
  const onlyUnready = endpointsOf(yaml.replace("addresses: [{ip: 10.0.0.1, nodeName: n1}, {ip: 'fd00::1'}], ", ""), "ns/ext", 5432);
  assert.deepEqual(chooseEndpoints(onlyUnready, "kube-proxy").chosen, [], "not ready and not terminating: no fallback");
});

test("Endpoints are not mirrored with the skip-mirror label, nor for a Service with a selector; a bad address is an error", () => {
  const body = "subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]";
  assert.equal(endpointsOf(svc("ext", "{ports: [{port: 80}]}") + endpointsObject("ext", body, ", labels: {endpointslice.kubernetes.io/skip-mirror: 'true'}"), "ns/ext").from, "unknown");
  const selected = endpointsOf(svc("web", "{selector: {app: web}, ports: [{port: 80, targetPort: web}]}") + pod("web-1", "{app: web}", "10.1.0.1") + endpointsObject("web", body), "ns/web");
  assert.deepEqual(selected.endpoints.map((x) => x.address), ["10.1.0.1"], "the selector's pods, not the Endpoints object");
  const loaded = load({ "t.yaml": endpointsObject("x", "subsets: [{addresses: [{ip: 10.0.0.300}]}]") });
  assert.deepEqual(loaded.diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`), ["subsets.0.addresses.0.ip: \"10.0.0.300\" is not an IP address"]);
});

// kube-proxy pkg/proxy/endpointslicecache.go: endpointInfoByServicePort skips a slice port without a
// number ("TODO: handle nil ports to mean all"; "Ignoring invalid endpoint port"), and addEndpoints
// builds each endpoint from `endpoint.Addresses[0]` only.
test("a slice port without a number serves nothing; kube-proxy uses an endpoint's first address only", () => {
  const yaml = svc("manual", "{ports: [{name: http, port: 80, targetPort: 3000}]}") + slice("s", "manual", "addressType: IPv4\nports: [{name: http}]\nendpoints: [{addresses: [10.0.0.1]}]");
  const none = endpointsOf(yaml, "ns/manual");
  assert.deepEqual(none.endpoints, [], "not the Service's targetPort 3000");
  assert.ok(hasNoReadyEndpoint(none));
  const two = endpointsOf(rollout("[{addresses: [10.0.0.1, 10.0.0.2]}, {addresses: [10.0.0.3]}]"), "ns/web");
  assert.deepEqual(chooseEndpoints(two, "proxy").chosen.map((x) => x.address), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  assert.deepEqual(chooseEndpoints(two, "kube-proxy").chosen.map((x) => x.address), ["10.0.0.1", "10.0.0.3"]);
  const again = endpointsOf(rollout("[{addresses: [10.0.0.1, 10.0.0.2]}, {addresses: [10.0.0.2]}]"), "ns/web");
  assert.deepEqual(chooseEndpoints(again, "kube-proxy").chosen.map((x) => x.address), ["10.0.0.1", "10.0.0.2"], "an address first in another endpoint counts");
});

// The API server stores a Service's empty selector as none (json omitempty, protobuf): the
// EndpointSlice controller reads nil ("services without a selector receive no endpoint slices from
// this controller") and writes nothing, so `selector: {}` does not pick every pod of the namespace.
test("a Service with selector: {} has no selector: its EndpointSlices (or mirrored Endpoints), never every pod of its namespace", () => {
  const pods = pod("a", "{app: a}", "10.0.0.1") + pod("b", "{app: b}", "10.0.0.2");
  const empty = endpointsOf(svc("s", "{selector: {}, ports: [{name: http, port: 80, targetPort: 8080}]}") + pods, "ns/s");
  assert.notEqual(empty.from, "selector");
  assert.deepEqual(empty.endpoints, []);
  const sliced = endpointsOf(svc("s", "{selector: {}, ports: [{name: http, port: 80, targetPort: 8080}]}") + pods + slice("s-1", "s", "addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: [10.0.0.9]}]"), "ns/s");
  assert.deepEqual([sliced.from, sliced.endpoints.map((x) => `${x.address}:${x.port}`)], ["EndpointSlice", ["10.0.0.9:8080"]]);
  const picked = endpointsOf(svc("s", "{selector: {app: a}, ports: [{name: http, port: 80, targetPort: 8080}]}") + pods, "ns/s");
  assert.deepEqual([picked.from, picked.endpoints.map((x) => x.address)], ["selector", ["10.0.0.1"]]);
});
