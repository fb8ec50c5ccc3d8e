// Service → endpoints, as kube-proxy and Gateway data planes resolve it (the EndpointSlice API,
// discovery.k8s.io/v1): a Service's EndpointSlices are those labelled kubernetes.io/service-name;
// a slice port serves the Service port of the same name; "ready: nil should be interpreted as
// true"; the pods a selector picks are the endpoints the EndpointSlice controller writes (pods
// without the named targetPort are left out); headless Services resolve the same way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { serviceEndpoints, hasNoReadyEndpoint, servingWorkload, workloadOf } from "../../src/model/service-endpoints.js";
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
