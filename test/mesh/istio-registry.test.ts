// Istio's service registry for a sidecar client: ServiceEntries (networking.istio.io v1, v1beta1,
// v1alpha3) and the outboundTrafficPolicy of the mesh configuration or of a Sidecar resource. Under
// REGISTRY_ONLY a sidecar refuses what its registry lacks (pilot/pkg/networking/core/listener_builder.go
// buildOutboundCatchAllNetworkFiltersOnly: a TCP proxy to BlackHoleCluster; httproute.go: the
// block_all virtual host answers 502 on a port with an HTTP listener); a ServiceEntry's addresses
// and ports (or, without addresses, its hosts on an HTTP or TLS port, any address on a TCP one) put
// a destination in the registry, and its hosts resolve for the sidecar's client.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteRequest } from "../../src/model/request.js";
import { cli, load, tempFiles } from "../helpers.js";
import { API_V1, CLUSTER, meshRoute, one, tagged, withProxy } from "./fixture.js";

const cluster = (proxy = "istio-proxy") => withProxy(proxy, ["web", "ops"]);
const meshConfig = (mesh: string, name = "istio") => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: istio-system}
data:
  mesh: |
    ${mesh}
`;
const REGISTRY_ONLY = meshConfig("outboundTrafficPolicy: {mode: REGISTRY_ONLY}");
const serviceEntry = (ns: string, name: string, spec: string, version = "v1") => `---
apiVersion: networking.istio.io/${version}
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${ns}}
spec: ${spec}
`;
const sidecar = (ns: string, name: string, spec: string, created = "2024-01-01T00:00:00Z") => `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${created}"}
spec: ${spec}
`;
/** `junction explain -o json` of `request` from web/client with the header `Host: HOST`. */
async function explain(yaml: string, request: string, host: string): Promise<{ status: number | null; backend?: string | null; reason?: string; layers: { layer: string; summary: string }[] }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", "web/client", "--request", request, "-H", `Host: ${host}`, "-o", "json"]);
    return JSON.parse(r.out);
  } finally { cleanup(); }
}
const tcp: Partial<RouteRequest> = { scheme: "tcp" };
const refused = (a: { status: number | null; connection?: string }) => a.status === 502 || a.connection === "failed";

test("REGISTRY_ONLY in the mesh configuration: a sidecar client's request to an address no Service or ServiceEntry holds gets 502 on a port with an HTTP listener, a reset connection elsewhere (was: allowed)", () => {
  const yaml = cluster() + REGISTRY_ONLY;
  const http = one(yaml, "web/client", "http://203.0.113.5/x");
  assert.deepEqual([http.status, http.backend, http.decidedBy], [502, null, "routing"]);
  assert.match(http.reason ?? "", /meshConfig outboundTrafficPolicy REGISTRY_ONLY.*block_all/);
  const raw = one(yaml, "web/client", "tcp://203.0.113.5:5432", tcp);
  assert.deepEqual([raw.connection, raw.status], ["failed", null]);
  assert.match(raw.reason ?? "", /BlackHoleCluster/);
  const httpOddPort = one(yaml, "web/client", "http://203.0.113.5:9999/x");
  assert.equal(httpOddPort.connection, "failed", "no HTTP listener at 9999: the catch-all TCP chain resets it");
  const allowAny = one(cluster(), "web/client", "http://203.0.113.5/x");
  assert.deepEqual([allowAny.status, allowAny.connection ?? null, allowAny.decidedBy], [null, null, "backend"], "ALLOW_ANY (the default) passes it through");
  assert.equal(one(CLUSTER + REGISTRY_ONLY, "web/client", "http://203.0.113.5/x").status, null, "a client without a sidecar has no registry");
  const ambient = CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio.io/dataplane-mode: ambient}}") + REGISTRY_ONLY;
  assert.equal(one(ambient, "web/client", "http://203.0.113.5/x").status, null, "ztunnel enforces no registry");
  const service = one(yaml, "web/client", "http://api.shop/x");
  assert.deepEqual([service.status, service.backend], [200, "shop/api"], "a Service is in the registry");
});

test("a ServiceEntry exported to the client's namespace puts its addresses and ports in the registry; without addresses, its hosts on an HTTP port, any address on a TCP port", () => {
  const base = cluster() + REGISTRY_ONLY;
  const cidr = base + serviceEntry("egress", "partners", "{hosts: [partners.example.com], addresses: [203.0.113.0/24], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{address: 203.0.113.9}]}");
  const partners: Partial<RouteRequest> = { headers: [["Host", "partners.example.com"]] };
  const ok = one(cidr, "web/client", "http://203.0.113.5/x", partners);
  assert.deepEqual([ok.status, ok.connection ?? null], [null, null]);
  assert.match(ok.layers.map((l) => l.summary).join("\n"), /ServiceEntry egress\/partners port 80: the sidecar's HTTP listener 0\.0\.0\.0:80 takes any address, and the Host partners\.example\.com names the entry's virtual host/);
  // On an HTTP port the Host picks the virtual host ("For HTTP traffic, generated route configurations will include http route
  // domains for both the addresses and hosts field values", ServiceEntry.addresses): a CIDR is a domain as written, no Host's.
  const byIp = one(cidr, "web/client", "http://203.0.113.5/x");
  assert.equal(byIp.status, 502, "Host 203.0.113.5 names no virtual host of the entry: block_all (was: allowed)");
  assert.match(byIp.reason ?? "", /names none of its hosts or addresses/);
  assert.deepEqual([one(cidr.replace(REGISTRY_ONLY, ""), "web/client", "http://203.0.113.5/x").status, one(cidr.replace(REGISTRY_ONLY, ""), "web/client", "http://203.0.113.5/x").backend], [null, null], "ALLOW_ANY: allow_any passes it through to the address dialled");
  assert.equal(one(cidr, "web/client", "http://203.0.113.5:8080/x").connection, "failed", "a port the entry does not declare: Service shop/api's sniffed port 8080 has its listener at its cluster IP, so the catch-all resets it");
  const privateEntry = base + serviceEntry("egress", "partners", "{hosts: [partners.example.com], addresses: [203.0.113.0/24], ports: [{number: 80, name: http}], exportTo: ['.']}");
  assert.equal(one(privateEntry, "web/client", "http://203.0.113.5/x").status, 502, "exportTo '.': not in web's registry");
  const sniffedEntry = base + serviceEntry("web", "sniffed", "{hosts: [s.example.com], ports: [{number: 9090, name: web}]}");
  assert.equal(one(sniffedEntry, "web/client", "http://203.0.113.5:9090/x", { headers: [["Host", "other.example.com"]] }).status, 502, "a sniffed port of an entry without addresses: its listener is 0.0.0.0:9090, block_all answers");
  const named = base + serviceEntry("web", "api", "{hosts: ['*.example.com'], ports: [{number: 80, name: http, protocol: HTTP}]}");
  assert.equal(one(named, "web/client", "http://203.0.113.5/x", { headers: [["Host", "api.example.com"]] }).status, null, "its Host is one of the entry's hosts");
  assert.equal(one(named, "web/client", "http://203.0.113.5/x", { headers: [["Host", "api.example.org"]] }).status, 502);
  const db = base + serviceEntry("web", "db", "{hosts: [db.example.com], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: NONE}");
  assert.equal(one(db, "web/client", "tcp://198.51.100.7:5432", tcp).connection ?? null, null, "its TCP listener 0.0.0.0:5432 takes any address");
});

test("a Sidecar's outboundTrafficPolicy replaces the mesh's: the namespace's Sidecar selecting the pod, else the namespace's without a selector, else the root namespace's; a policy without mode is REGISTRY_ONLY", () => {
  const denied = (yaml: string) => refused(one(yaml, "web/client", "http://203.0.113.5/x"));
  assert.ok(denied(cluster() + sidecar("web", "default", "{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}")));
  assert.ok(!denied(cluster() + REGISTRY_ONLY + sidecar("web", "default", "{outboundTrafficPolicy: {mode: ALLOW_ANY}}")));
  assert.ok(denied(cluster() + sidecar("istio-system", "mesh", "{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}")), "the root namespace's Sidecar without a selector");
  assert.ok(denied(cluster() + sidecar("web", "empty", "{outboundTrafficPolicy: {}}")), "the enum's zero value");
  const selectors = cluster() + sidecar("web", "ns", "{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}")
    + sidecar("web", "client", "{workloadSelector: {labels: {app: client}}, outboundTrafficPolicy: {mode: ALLOW_ANY}}", "2025-01-01T00:00:00Z");
  assert.ok(!denied(selectors), "a Sidecar selecting the pod comes before the namespace's");
  const other = cluster() + REGISTRY_ONLY + sidecar("web", "other", "{workloadSelector: {labels: {app: other}}, outboundTrafficPolicy: {mode: ALLOW_ANY}}");
  assert.ok(denied(other), "a Sidecar selecting other pods does not apply: the mesh's REGISTRY_ONLY");
  assert.ok(denied(cluster() + REGISTRY_ONLY + sidecar("web", "no-policy", "{egress: [{hosts: ['./*']}]}")), "a Sidecar without outboundTrafficPolicy keeps the mesh's");
  const rev = cluster().replace("metadata: {name: client, namespace: web, labels: {app: client}}", "metadata: {name: client, namespace: web, labels: {app: client, istio.io/rev: canary}}")
    + meshConfig("outboundTrafficPolicy: {mode: REGISTRY_ONLY}", "istio-canary");
  assert.ok(denied(rev), "a revision's ConfigMap decides for its proxies");
  assert.ok(!refused(one(rev, "ops/client", "http://203.0.113.5/x")), "the default revision's is ALLOW_ANY");
});

test("a ServiceEntry host resolves for a sidecar client: a workloadSelector's pods are its endpoints, else the connection leaves the model (was: NXDOMAIN)", () => {
  const yaml = cluster() + REGISTRY_ONLY
    + serviceEntry("shop", "internal", "{hosts: [api.internal], location: MESH_INTERNAL, ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}], workloadSelector: {labels: {app: api, version: v1}}, resolution: STATIC}", "v1beta1")
    + serviceEntry("web", "ext", "{hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}", "v1alpha3");
  const internal = one(yaml, "web/client", "http://api.internal/x");
  assert.deepEqual([internal.status, internal.backend], [200, "ServiceEntry shop/internal"]);
  assert.match(internal.endpoint ?? "", new RegExp(API_V1));
  assert.equal(internal.hop?.to.port, 8080);
  const ext = one(yaml, "web/client", "https://api.example.com/", { scheme: "https", sni: "api.example.com" });
  assert.deepEqual([ext.connection ?? null, ext.backend, ext.decidedBy], [null, "ServiceEntry web/ext", "backend"]);
  assert.equal(one(yaml, "web/client", "http://api.example.com:8080/").connection, "failed", "a port the entry does not declare: the name does not resolve");
  assert.equal(one(withProxy("istio-proxy", ["ops"]) + yaml.slice(cluster().length), "web/client", "http://api.internal/x").connection, "failed", "a client without a sidecar (injection visible: ops's pod runs one): the cluster's DNS only");
  // No injection visible (GAMMA's every pod in the mesh): ServiceEntries say the mesh is Istio's (membership.ts proxyMesh), so the client's sidecar resolves the host.
  assert.equal(one(CLUSTER + yaml.slice(cluster().length), "web/client", "http://api.internal/x").status, 200, "was: failed, ServiceEntries did not count as Istio's configuration");
});

test("a name no ServiceEntry's hosts cover does not resolve for a sidecar client, whatever entries declare its port (was: the first exported entry at that port took it)", () => {
  const entry = serviceEntry("shop", "internal", "{hosts: [api.internal], location: MESH_INTERNAL, ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}], workloadSelector: {labels: {app: api, version: v1}}, resolution: STATIC}");
  for (const yaml of [cluster() + entry, cluster() + REGISTRY_ONLY + entry]) {
    const a = one(yaml, "web/client", "http://nothere.example.org/x");
    assert.equal(a.connection, "failed", "NXDOMAIN: no host of the entry names it");
    assert.notEqual(a.backend, "ServiceEntry shop/internal");
  }
  assert.equal(one(cluster() + entry, "web/client", "http://api.internal/x").status, 200, "its own host still resolves");
});

test("ServiceEntry and Sidecar are validated against istio/api's schema and pilot's checks", () => {
  const errors = (yaml: string) => load({ "se.yaml": yaml }).diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`).join("\n");
  assert.match(errors(serviceEntry("web", "a", "{ports: [{number: 80, name: http}]}")), /hosts/);
  assert.match(errors(serviceEntry("web", "a", "{hosts: ['*'], ports: [{number: 80, name: http}]}")), /cannot be wildcard|cannot be "\*"/);
  assert.match(errors(serviceEntry("web", "a", "{hosts: [a.example.com], addresses: [10.0.0.0/8], resolution: DNS, ports: [{number: 80, name: http}]}")), /CIDR addresses are allowed only for NONE\/STATIC/);
  assert.match(errors(serviceEntry("web", "a", "{hosts: [a.example.com], addresses: [not-an-ip], ports: [{number: 80, name: http}]}")), /not an IP address or a CIDR/);
  assert.match(errors(serviceEntry("web", "a", "{hosts: [a.example.com], ports: [{number: 80}]}")), /name/);
  assert.match(errors(sidecar("web", "s", "{outboundTrafficPolicy: {mode: DENY_ALL}}")), /DENY_ALL/);
  assert.equal(errors(serviceEntry("web", "a", "{hosts: [a.example.com], ports: [{number: 80, name: http}]}", "v1alpha3")), "");
});

// A Sidecar's egress listeners narrow the hosts its proxy knows (pilot/pkg/model/sidecar.go
// convertIstioListenerToWrapper, selectServices; listener.go buildSidecarOutboundListeners): what no
// listener imports has no listener or cluster, so REGISTRY_ONLY refuses it and ALLOW_ANY passes it
// through the PassthroughCluster, with no mesh route.
const egressSidecar = (egress: string, policy = "REGISTRY_ONLY", ns = "web") => sidecar(ns, "scope", `{egress: ${egress}, outboundTrafficPolicy: {mode: ${policy}}}`);
const SPLIT = meshRouteFixture();
function meshRouteFixture(): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: split, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: api, port: 80}]
  rules: [{backendRefs: [{name: api-v2, port: 80}]}]
`;
}

test("a Sidecar's egress hosts import a Service by namespace/dnsName: `./*`, `ns/*`, `*/host`; a Service no host imports is refused under REGISTRY_ONLY (was: allowed)", () => {
  const answer = (egress: string, url = "http://api.shop/x", extra: Partial<RouteRequest> = {}) => one(cluster() + egressSidecar(egress), "web/client", url, extra);
  const imported = answer("[{hosts: ['shop/*']}]");
  assert.deepEqual([imported.status, imported.backend], [200, "shop/api"]);
  assert.equal(answer("[{hosts: ['*/api.shop.svc.cluster.local']}]").status, 200, "*/host: any namespace's Service of that name");
  assert.equal(answer("[]").status, 200, "no egress listener (an empty list): the default scope, every host");
  assert.equal(answer("[{hosts: ['shop/*.svc.cluster.local']}]").status, 200, "a wildcard dnsName covers the Service's FQDN");
  const own = answer("[{hosts: ['./*', 'istio-system/*']}]");
  assert.deepEqual([own.connection, own.status, own.backend, own.decidedBy], ["failed", null, null, "routing"], "`.` is the client's namespace (web), not shop; no imported host has an HTTP listener at port 80: the BlackHoleCluster");
  assert.match(own.reason ?? "", /Sidecar web\/scope does not import api\.shop\.svc\.cluster\.local port 80.*REGISTRY_ONLY.*BlackHoleCluster/);
  assert.equal(answer("[{hosts: ['ops/*']}]").connection, "failed", "another namespace's hosts do not import shop's");
  const sibling = answer("[{hosts: ['shop/api-v2.shop.svc.cluster.local']}]");
  assert.deepEqual([sibling.status, sibling.backend], [502, null], "another Service of the namespace, HTTP at port 80: its listener 0.0.0.0:80 answers 502 (block_all)");
  assert.equal(answer("[{hosts: ['shop/*', '~shop/api.shop.svc.cluster.local']}]").status, 502, "a `~` entry excludes the host");
  assert.ok(refused(answer("[{hosts: ['~/*']}]")), "`~/*` imports nothing");
  const tcpConn = answer("[{hosts: ['./*']}]", "tcp://api.shop:8080", tcp);
  assert.deepEqual([tcpConn.connection, tcpConn.status], ["failed", null], "a TCP connection at a port with no HTTP listener: the BlackHoleCluster");
  assert.match(tcpConn.reason ?? "", /BlackHoleCluster/);
  const byIp = answer("[{hosts: ['./*']}]", "http://10.96.0.10/x");
  assert.deepEqual([byIp.connection, byIp.status], ["failed", null], "the Service's cluster IP: the same registry");
  assert.equal(one(cluster() + egressSidecar("[{hosts: ['./*']}]", "REGISTRY_ONLY", "ops"), "web/client", "http://api.shop/x").status, 200, "a Sidecar of another namespace does not configure web's client");
});

test("a Sidecar's egress listener with a port imports its hosts at that port only; the catch-all listener does not add HTTP hosts to that port", () => {
  const answer = (egress: string, url: string) => one(cluster() + egressSidecar(egress), "web/client", url);
  const portOnly = "[{port: {number: 80, protocol: HTTP, name: http}, hosts: ['shop/*']}]";
  assert.equal(answer(portOnly, "http://api.shop/x").status, 200, "port 80: imported");
  const other = answer(portOnly, "http://api.shop:8080/x");
  assert.equal(other.connection, "failed", "port 8080: no listener imports it, and no HTTP listener there: the BlackHoleCluster");
  assert.match(other.reason ?? "", /no egress listener at port 8080 and no catch-all one/);
  const withCatchAll = "[{port: {number: 80, protocol: HTTP, name: http}, hosts: ['ops/*']}, {hosts: ['shop/*']}]";
  assert.equal(answer(withCatchAll, "http://api.shop:8080/x").status, 200, "port 8080: the catch-all listener imports shop's Services");
  const locked = answer(withCatchAll, "http://api.shop/x");
  assert.equal(locked.status, 502, "port 80: the HTTP listener there imports only ops' hosts; the catch-all adds none to it");
  assert.match(locked.reason ?? "", /catch-all listener adds no host to that port's listener/);
  const bound = "[{port: {number: 80, protocol: HTTP, name: http}, bind: 127.0.0.1, hosts: ['shop/*']}]";
  assert.equal(answer(bound, "http://api.shop/x").connection, "failed", "a listener bound to an address takes no connection captured for the Service's address");
  const captureNone = "[{port: {number: 80, protocol: HTTP, name: http}, captureMode: NONE, hosts: ['shop/*']}]";
  assert.equal(answer(captureNone, "http://api.shop/x").connection, "failed", "captureMode NONE binds to localhost");
});

test("under ALLOW_ANY a Service the Sidecar does not import is passed through: allowed, without the mesh's routes; an imported one is routed", () => {
  const yaml = cluster() + SPLIT;
  const routed = one(yaml + egressSidecar("[{hosts: ['shop/*']}]", "ALLOW_ANY"), "web/client", "http://api.shop/x");
  assert.deepEqual([routed.status, routed.backend], [200, "shop/api-v2"], "imported: the route to api-v2 applies");
  const passed = one(yaml + egressSidecar("[{hosts: ['./*']}]", "ALLOW_ANY"), "web/client", "http://api.shop/x");
  assert.deepEqual([passed.status, passed.backend], [200, "shop/api"], "not imported: the PassthroughCluster, kube-proxy picks an endpoint of shop/api");
  assert.match(passed.reason ?? "", /does not import.*PassthroughCluster/);
  assert.equal(one(yaml, "web/client", "http://api.shop/x").backend, "shop/api-v2", "no Sidecar: every host is imported");
});

test("a Sidecar's egress hosts narrow the ServiceEntries too: an entry's host not imported is not in the registry", () => {
  const entry = serviceEntry("egress", "partners", "{hosts: [partners.example.com], addresses: [203.0.113.0/24], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{address: 203.0.113.9}]}");
  const at = (egress: string) => one(cluster() + entry + egressSidecar(egress), "web/client", "http://203.0.113.5/x", { headers: [["Host", "partners.example.com"]] });
  assert.equal(at("[{hosts: ['egress/partners.example.com']}]").status, null, "imported: the connection goes on");
  assert.equal(at("[{hosts: ['*/*.example.com']}]").status, null);
  assert.equal(at("[{hosts: ['./*', 'shop/*']}]").status, 502, "not imported: REGISTRY_ONLY refuses it (shop/api's HTTP port 80 makes an HTTP listener there)");
  const named = serviceEntry("shop", "internal", "{hosts: [api.internal], location: MESH_INTERNAL, ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}], workloadSelector: {labels: {app: api, version: v1}}, resolution: STATIC}");
  assert.equal(one(cluster() + named + egressSidecar("[{hosts: ['shop/api.internal']}]"), "web/client", "http://api.internal/x").status, 200);
  assert.equal(one(cluster() + named + egressSidecar("[{hosts: ['./*']}]"), "web/client", "http://api.internal/x").connection, "failed", "a host the sidecar does not import does not resolve");
});

test("Sidecar egress listeners are validated as pilot's webhook does", () => {
  const errors = (egress: string) => load({ "sc.yaml": sidecar("web", "s", `{egress: ${egress}}`) }).diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`).join("\n");
  assert.match(errors("[{hosts: ['api.shop.svc.cluster.local']}]"), /host must be of form namespace\/dnsName/);
  assert.match(errors("[{hosts: ['Shop_NS/*']}]"), /invalid namespace value/);
  assert.match(errors("[{hosts: ['shop/']}]"), /cannot be empty/);
  assert.match(errors("[{hosts: []}]"), /at least one host/);
  assert.match(errors("[{hosts: ['./*']}, {port: {number: 80, name: http}, hosts: ['./*']}]"), /empty port should be the last/);
  assert.match(errors("[{port: {number: 80, name: a}, hosts: ['./*']}, {port: {number: 80, name: b}, hosts: ['./*']}]"), /must be unique/);
  assert.equal(errors("[{port: {number: 80, protocol: HTTP, name: http}, hosts: ['./*', '~shop/a.example.com', '*/*.example.com']}, {hosts: ['istio-system/*']}]"), "");
});

test("REGISTRY_ONLY: a pod's address dialled directly is in no registry, unless an imported headless Service's TCP port has it (was: allowed)", () => {
  const yaml = cluster() + REGISTRY_ONLY;
  const http = one(yaml, "web/client", "http://10.1.0.1:80/x");
  assert.deepEqual([http.status, http.backend, http.decidedBy], [502, null, "routing"], "Service shop/api's HTTP port 80 makes an HTTP listener 0.0.0.0:80 there: block_all");
  assert.match(http.reason ?? "", /10\.1\.0\.1 port 80 is an endpoint's address.*REGISTRY_ONLY/);
  assert.equal(one(yaml, "web/client", "http://10.1.0.1:8080/x").connection, "failed", "a sniffed port: no listener takes the address, the BlackHoleCluster");
  assert.equal(one(yaml, "web/client", "tcp://10.1.0.1:7070", tcp).connection, "failed", "a TCP connection: the BlackHoleCluster");
  assert.equal(one(cluster(), "web/client", "http://10.1.0.1:8080/x").status, 200, "ALLOW_ANY: passed through");
  const headless = `---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {clusterIP: None, selector: {app: api, version: v1}, ports: [{name: tcp-db, port: 7070, targetPort: 7070}]}
`;
  const viaHeadless = one(yaml + headless, "web/client", "tcp://10.1.0.1:7070", tcp);
  assert.equal(viaHeadless.connection ?? null, null, "the headless Service's TCP port: a listener per endpoint address");
  assert.equal(one(yaml + headless + egressSidecar("[{hosts: ['./*']}]"), "web/client", "tcp://10.1.0.1:7070", tcp).connection, "failed", "a headless Service the Sidecar does not import");
  assert.equal(one(yaml + headless, "web/client", "tcp://10.1.0.2:7070", tcp).connection, "failed", "a pod the headless Service does not select");
});

test("a Sidecar imports the routes of a namespace only when an egress host of that namespace covers the Service: a consumer route of the client's namespace needs `./...` (was: applied whatever the Sidecar)", () => {
  const consumer = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mine, namespace: web}
spec:
  parentRefs: [{group: "", kind: Service, name: api, namespace: shop, port: 80}]
  rules: [{backendRefs: [{name: api-v2, namespace: shop, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: web, namespace: shop}
spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}], to: [{group: "", kind: Service}]}
`;
  const backend = (egress?: string) => one(cluster() + consumer + (egress ? egressSidecar(egress, "ALLOW_ANY") : ""), "web/client", "http://api.shop/x").backend;
  assert.equal(backend(), "shop/api-v2", "no Sidecar: the consumer route applies");
  assert.equal(backend("[{hosts: ['./*', 'shop/*']}]"), "shop/api-v2");
  assert.equal(backend("[{hosts: ['*/api.shop.svc.cluster.local']}]"), "shop/api-v2", "`*/host` covers every namespace's VirtualService for the host");
  assert.equal(backend("[{hosts: ['shop/*']}]"), "shop/api", "web's VirtualService is not imported: the Service itself");
  assert.equal(backend("[{hosts: ['./*', 'shop/*', '~web/api.shop.svc.cluster.local']}]"), "shop/api", "excluded");
  assert.equal(backend("[{port: {number: 80, protocol: HTTP, name: http}, hosts: ['shop/*']}, {hosts: ['./*', 'shop/*']}]"), "shop/api", "the port's listener builds its routes: it imports shop's only");
  assert.equal(one(cluster() + SPLIT + egressSidecar("[{hosts: ['shop/*']}]", "ALLOW_ANY"), "web/client", "http://api.shop/x").backend, "shop/api-v2", "shop's producer route is imported by `shop/*`");
});

test("a ServiceEntry's endpoints are validated as pilot's webhook does (ValidateServiceEntry, validateWorkloadEntry): STATIC takes IP addresses (or unix://), DNS also FQDNs; the ports they name must be the entry's (was: accepted, the name skipped)", () => {
  const errors = (resolution: string, endpoints: string) => load({ "se.yaml": serviceEntry("web", "a", `{hosts: [a.example.com], ports: [{number: 80, name: http}], resolution: ${resolution}, endpoints: ${endpoints}}`) })
    .diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`).join("\n");
  assert.match(errors("STATIC", "[{address: api.example.com}]"), /spec\.endpoints\.0\.address: endpoint address "api\.example\.com" is not a valid IP address \(resolution STATIC/);
  assert.match(errors("STATIC", "[{address: 203.0.113.9, ports: {grpc: 9090}}]"), /spec\.endpoints\.0\.ports\.grpc: endpoint port 9090 is not defined by the service entry/);
  assert.match(errors("DNS", "[{address: 'not a name'}]"), /is not a valid FQDN or an IP address/);
  assert.match(errors("STATIC", "[{ports: {http: 8080}}]"), /address is required/);
  assert.equal(errors("STATIC", "[{address: 203.0.113.9, ports: {http: 8080}}, {address: 'unix:///var/run/a.sock'}]"), "");
  assert.equal(errors("DNS", "[{address: api.example.com}, {address: 2001:db8::1}]"), "");
  assert.equal(errors("STATIC", "[{address: '', network: remote}]"), "", "no address but a network: a warning only");
});

test("ServiceEntry endpoints under resolution DNS: the address alone is checked, an IP address or a FQDN whose labels may be upper-case (an empty address with a network and a unix:// socket are errors there); STATIC unix:// sockets: an absolute path, an entry of one port (validation.go ValidateServiceEntry, validateWorkloadEntry, ValidateUnixAddress; agent.ValidateFQDN; labels.IsDNS1123Label)", () => {
  const errors = (resolution: string, endpoints: string, ports = "[{number: 80, name: http}]") => load({ "se.yaml": serviceEntry("web", "a", `{hosts: [a.example.com], ports: ${ports}, resolution: ${resolution}, endpoints: ${endpoints}}`) })
    .diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`).join("\n");
  assert.match(errors("DNS", "[{address: '', network: remote}]"), /spec\.endpoints\.0\.address: endpoint address "" is not a valid FQDN or an IP address/, "DNS: no warning for a network (was: accepted)");
  assert.match(errors("DNS", "[{network: remote}]"), /spec\.endpoints\.0: endpoint address "" is not a valid FQDN or an IP address/);
  assert.match(errors("DNS_ROUND_ROBIN", "[{address: 'unix:///var/run/a.sock'}]"), /endpoint address "unix:\/\/\/var\/run\/a\.sock" is not a valid FQDN or an IP address/, "was: accepted");
  assert.equal(errors("DNS", "[{address: API.Example.com}, {address: 'istio.io.'}]"), "", "Istio's DNS labels take upper case (was: an error); a trailing dot");
  assert.match(errors("DNS", "[{address: api.example.123}]"), /is not a valid FQDN or an IP address/, "an all-digit top-level label");
  assert.match(errors("STATIC", "[{address: 'unix://var/run/a.sock'}]"), /spec\.endpoints\.0\.address: var\/run\/a\.sock is not an absolute path to a file/);
  assert.match(errors("STATIC", "[{address: 'unix:///var/run/a.sock', ports: {http: 8080}}]"), /spec\.endpoints\.0: UDS may not include ports/, "the CRD's rule");
  assert.match(errors("STATIC", "[{address: 'unix:///var/run/a.sock'}]", "[{number: 80, name: http}, {number: 81, name: http2}]"), /exactly 1 service port required for unix endpoints/);
  assert.equal(errors("STATIC", "[{address: 'unix://@abstract'}]"), "", "an abstract socket");
  assert.match(errors("DNS_ROUND_ROBIN", "[{address: a.example.com}, {address: b.example.com}]"), /spec: DNS_ROUND_ROBIN mode cannot have multiple endpoints/, "the CRD's rule");
  assert.equal(errors("DNS_ROUND_ROBIN", "[{address: a.example.com}]"), "");
});

test("a Service's annotation networking.istio.io/exportTo hides it from the registry of the namespaces it does not name: refused under REGISTRY_ONLY, passed through without the mesh's routes under ALLOW_ANY (was: in every registry)", () => {
  const exported = (to: string) => cluster().replace("metadata: {name: api, namespace: shop}", `metadata: {name: api, namespace: shop, annotations: {networking.istio.io/exportTo: "${to}"}}`);
  const hidden = one(exported(".") + REGISTRY_ONLY, "web/client", "http://api.shop/x");
  assert.deepEqual([hidden.status, hidden.backend, hidden.decidedBy], [502, null, "routing"], "exported to shop only: not in web's registry (was 200); shop/api-v2's HTTP port 80 makes the listener that answers 502");
  assert.match(hidden.reason ?? "", /Service shop\/api is not exported to namespace web \(its annotation networking\.istio\.io\/exportTo "\."\).*REGISTRY_ONLY.*block_all/);
  assert.equal(one(exported(".") + REGISTRY_ONLY, "web/client", "tcp://api.shop:8080", tcp).connection, "failed", "a TCP connection: the BlackHoleCluster");
  assert.equal(one(exported("ops, web") + REGISTRY_ONLY, "web/client", "http://api.shop/x").status, 200, "a list naming web (spaces trimmed)");
  assert.equal(one(exported("~") + REGISTRY_ONLY, "web/client", "http://api.shop/x").status, 502, "`~`: no namespace");
  assert.equal(one(exported("*") + REGISTRY_ONLY, "web/client", "http://api.shop/x").status, 200);
  const routed = exported(".") + SPLIT;
  const passed = one(routed, "web/client", "http://api.shop/x");
  assert.deepEqual([passed.status, passed.backend], [200, "shop/api"], "ALLOW_ANY: the PassthroughCluster, so the route to api-v2 does not apply");
  assert.match(passed.reason ?? "", /not exported to namespace web.*PassthroughCluster/);
});

test("a sidecar's HTTP request to a ServiceEntry's address whose Host names a Service with that port: the listener 0.0.0.0:PORT's route configuration has that Service's virtual host, which takes it (buildSidecarOutboundHTTPRouteConfig: every imported service with the port); was: block_all 502 under REGISTRY_ONLY, through to the address dialled under ALLOW_ANY", () => {
  const entry = serviceEntry("egress", "partners", "{hosts: [partners.example.com], addresses: [203.0.113.0/24], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{address: 203.0.113.9}]}");
  const toApi: Partial<RouteRequest> = { headers: [["Host", "api-v2.shop"]] };
  for (const policy of [REGISTRY_ONLY, ""]) {
    const a = one(cluster() + policy + entry, "web/client", "http://203.0.113.5/x", toApi);
    assert.deepEqual([a.status, a.backend], [200, "shop/api-v2"], `${policy ? "REGISTRY_ONLY" : "ALLOW_ANY"}: Service shop/api-v2's virtual host`);
    assert.match(a.layers.map((l) => l.summary).join("\n"), /the request's Host api-v2\.shop names Service shop\/api-v2/);
  }
  const other = serviceEntry("egress", "other", "{hosts: [other.example.com], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: DNS}");
  const toOther = one(cluster() + REGISTRY_ONLY + entry + other, "web/client", "http://203.0.113.5/x", { headers: [["Host", "other.example.com"]] });
  assert.deepEqual([toOther.status, toOther.backend], [null, "ServiceEntry egress/other"], "another entry's host on that port: that entry (was: 502)");
});

test("a sidecar client's request to a name two ServiceEntries cover goes to the one whose host is the name (Envoy's domain search order: exact names, then the longest suffix wildcard), not the first in the input", () => {
  const wildcard = serviceEntry("web", "any-example", "{hosts: ['*.example.com'], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: NONE}");
  const exact = serviceEntry("ops", "api-example", "{hosts: [api.example.com], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{address: 203.0.113.21}]}");
  const narrower = serviceEntry("ops", "v1-example", "{hosts: ['*.v1.example.com'], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{address: 203.0.113.22}]}");
  const yaml = cluster() + wildcard + exact + narrower;
  assert.equal(one(yaml, "web/client", "http://api.example.com/x").backend, "ServiceEntry ops/api-example", "was: web/any-example, first in the input");
  assert.equal(one(yaml, "web/client", "http://a.v1.example.com/x").backend, "ServiceEntry ops/v1-example", "the longer wildcard");
  assert.equal(one(yaml, "web/client", "http://other.example.com/x").backend, "ServiceEntry web/any-example");
});

test("on an HTTP port a ServiceEntry with addresses is the sidecar's listener 0.0.0.0:PORT, not ADDRESS:PORT: the Host picks it whatever address is dialled, and its address with another Host does not; on a sniffed port its own listener ADDRESS:PORT takes any Host (listener.go buildSidecarOutboundListener, buildSidecarOutboundHTTPListenerOpts: 'For sniffed services, we have a unique listener and route just for that service'; was: the address decided on the HTTP port, the Host on the sniffed one)", async () => {
  const entry = (protocol: string, port = 80) => cluster() + REGISTRY_ONLY + serviceEntry("web", "partner", `{hosts: [partner.example.com], addresses: [240.0.0.9], ports: [{number: ${port}, name: web${protocol}}], resolution: STATIC, endpoints: [{address: 203.0.113.9}]}`);
  const http = entry(", protocol: HTTP");
  const elsewhere = await explain(http, "GET http://203.0.113.77/x", "partner.example.com");
  assert.deepEqual([elsewhere.backend, elsewhere.reason], ["ServiceEntry web/partner", "the connection to 203.0.113.9 port 80 leaves the model"], "another address, the entry's Host: its virtual host on 0.0.0.0:80 (was: 502, block_all)");
  const other = await explain(http, "GET http://240.0.0.9/x", "other.example.com");
  assert.equal(other.status, 502, "its address, another Host: no virtual host of the port's route configuration, block_all");
  const sniffed = entry("");
  const anyHost = await explain(sniffed, "GET http://240.0.0.9/x", "other.example.com");
  assert.deepEqual([anyHost.backend, anyHost.reason], ["ServiceEntry web/partner", "the connection to 203.0.113.9 port 80 leaves the model"], "a sniffed port: the listener 240.0.0.9:80 and its route configuration are the entry's alone (was: 502)");
  const viaPort80 = await explain(sniffed, "GET http://203.0.113.77/x", "partner.example.com");
  assert.equal(viaPort80.backend, "ServiceEntry web/partner", "another address: Service shop/api's HTTP port 80 binds 0.0.0.0:80, whose route configuration 80 has a virtual host for every service with port 80, the entry's too");
  const alone = await explain(entry("", 9090), "GET http://203.0.113.77:9090/x", "partner.example.com");
  assert.deepEqual([alone.status, alone.backend ?? null], [null, null], "port 9090: no listener 0.0.0.0:9090, the sniffed port listens at 240.0.0.9 only; REGISTRY_ONLY resets it");
  assert.match(alone.reason ?? "", /BlackHoleCluster/);
});

test("an HTTP request to an address no listener of an address holds meets the sidecar's HTTP listener 0.0.0.0:PORT, whose route configuration has every imported service with that port: a Host naming a cluster Service goes to that Service, under REGISTRY_ONLY and ALLOW_ANY alike (BuildSidecarOutboundVirtualHosts; was: 502, or passed through to the address dialled)", async () => {
  for (const yaml of [cluster() + REGISTRY_ONLY, cluster()]) {
    const a = await explain(yaml, "GET http://203.0.113.5/x", "api.shop.svc.cluster.local");
    assert.deepEqual([a.status, a.backend], [200, "shop/api"], "Service shop/api's virtual host on 0.0.0.0:80 (its port http)");
    assert.match(a.layers.map((l) => l.summary).join("\n"), /203\.0\.113\.5 port 80 is no Service's or ServiceEntry's address, and the request's Host api\.shop\.svc\.cluster\.local names Service shop\/api/);
  }
  const sniffed = await explain(cluster() + REGISTRY_ONLY, "GET http://203.0.113.5:8080/x", "api.shop.svc.cluster.local");
  assert.deepEqual([sniffed.backend ?? null, sniffed.status], [null, null], "port 8080 (alt) of shop/api is sniffed: its listener is 10.96.0.10:8080; nothing makes 0.0.0.0:8080 an HTTP listener, so the catch-all resets it");
  assert.match(sniffed.reason ?? "", /BlackHoleCluster/);
  const withHttp = cluster() + REGISTRY_ONLY + serviceEntry("web", "other", "{hosts: [other.example.com], ports: [{number: 8080, name: http, protocol: HTTP}], resolution: DNS}");
  assert.equal((await explain(withHttp, "GET http://203.0.113.5:8080/x", "api.shop.svc.cluster.local")).backend, "shop/api", "an entry's HTTP port 8080 binds 0.0.0.0:8080: its route configuration has shop/api's virtual host too");
});

test("an Istio sidecar client's HTTP request to a Service port Istio reads as HTTP goes by its Host, not the cluster IP dialled: the listener 0.0.0.0:PORT takes a Host naming another Service or a ServiceEntry to that one's virtual host (BuildSidecarOutboundVirtualHosts; was: the Service dialled); clients without a sidecar go by the address", async () => {
  const yaml = cluster() + serviceEntry("web", "partner", "{hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 203.0.113.9}]}");
  const other = await explain(yaml, "GET http://api-v2.shop/x", "api.shop.svc.cluster.local");
  assert.equal(other.backend, "shop/api", "Service shop/api's virtual host (was shop/api-v2, the Service dialled)");
  assert.match(other.layers.map((l) => l.summary).join("\n"), /whose port 80 the sidecar reads as HTTP .*the request's Host api\.shop\.svc\.cluster\.local names Service shop\/api/);
  assert.equal((await explain(yaml, "GET http://api-v2.shop/x", "partner.example.com")).backend, "ServiceEntry web/partner", "an entry's host on that port: the entry");
  assert.equal((await explain(yaml, "GET http://api-v2.shop/x", "api-v2.shop")).backend, "shop/api-v2", "its own name: itself");
  assert.equal((await explain(CLUSTER, "GET http://api-v2.shop/x", "api.shop.svc.cluster.local")).backend, "shop/api-v2", "no sidecar: kube-proxy goes by the cluster IP");
  const routed = yaml + meshRoute("shop", "v2", "{kind: Service, group: '', name: api-v2, port: 80}", tagged("api", "v2"));
  assert.equal((await explain(routed, "GET http://api-v2.shop/x", "api-v2.shop")).backend, "shop/api", "its own name: its route applies");
  const unknown = await explain(routed, "GET http://api-v2.shop/x", "foo.example");
  assert.deepEqual([unknown.status, unknown.backend], [200, "shop/api-v2"], "a Host naming nothing: allow_any passes it through to the cluster IP, no mesh route (was: the route's backend, shop/api)");
  assert.match(unknown.reason ?? "", /names no virtual host of the sidecar's route configuration 80: its allow_any virtual host passes it through/);
  assert.equal((await explain(routed + REGISTRY_ONLY, "GET http://api-v2.shop/x", "foo.example")).status, 502, "REGISTRY_ONLY: block_all");
});

// The route configuration of the HTTP listener 0.0.0.0:PORT: a virtual host for every service the sidecar imports with that port,
// with a default route only where the port is HTTP or sniffed (httproute.go BuildSidecarOutboundVirtualHosts, route.go
// BuildSidecarVirtualHostWrapper "port.Protocol.IsHTTPOrSniffed()"); a headless Service's goes to its ORIGINAL_DST cluster.
const extraServices = `---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: api}, clusterIP: 10.96.0.20, ports: [{name: tcp-db, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: hidden, namespace: shop, annotations: {networking.istio.io/exportTo: "."}}
spec: {selector: {app: api}, clusterIP: 10.96.0.21, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: other-port, namespace: shop}
spec: {selector: {app: api}, clusterIP: 10.96.0.22, ports: [{name: http, port: 9000, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: pods, namespace: shop}
spec: {selector: {app: api}, clusterIP: None, ports: [{name: http, port: 80, targetPort: 8080}]}
`;

test("an Istio sidecar client's HTTP request to a pod address at a port with the HTTP listener 0.0.0.0:PORT goes by its Host: a Host naming a Service goes to that Service's virtual host, its routes and endpoints (BuildSidecarOutboundVirtualHosts; was: the pod dialled); a Host naming nothing: allow_any to the pod, block_all 502", async () => {
  const routed = cluster() + meshRoute("shop", "to-v2", "{kind: Service, group: '', name: api, port: 80}", tagged("api-v2", "v2"));
  const byHost = await explain(routed, `GET http://10.1.0.1:80/x`, "api.shop.svc.cluster.local");
  assert.deepEqual([byHost.status, byHost.backend], [200, "shop/api-v2"], "Service shop/api's virtual host: its route sends it to api-v2 (was: the pod dialled, shop/api-v1)");
  assert.match(byHost.layers.map((l) => l.summary).join("\n"), /10\.1\.0\.1 is pod shop\/api-v1-5d8f7c9b4-x7k2p, no Service's address: the sidecar's HTTP listener 0\.0\.0\.0:80 takes it and picks the virtual host by the Host, and the request's Host api\.shop\.svc\.cluster\.local names Service shop\/api/);
  for (const yaml of [routed, routed + REGISTRY_ONLY]) {
    assert.equal((await explain(yaml, `GET http://10.1.0.1:80/x`, "api-v2.shop")).backend, "shop/api-v2", "a Host naming api-v2: its virtual host, under ALLOW_ANY and REGISTRY_ONLY alike");
  }
  const nothing = await explain(routed, `GET http://10.1.0.1:80/x`, "10.1.0.1");
  assert.equal(nothing.backend, "shop/api-v1", "a Host naming no virtual host: allow_any, the pod dialled");
  assert.equal((await explain(routed + REGISTRY_ONLY, `GET http://10.1.0.1:80/x`, "foo.example")).status, 502, "REGISTRY_ONLY: block_all");
  assert.equal((await explain(withProxy("linkerd-proxy", ["web"]) + meshRoute("shop", "to-v2", "{kind: Service, group: '', name: api, port: 80}", tagged("api-v2", "v2")), `GET http://10.1.0.1:80/x`, "api.shop")).backend, "shop/api-v1", "a Linkerd client goes by the address: the pod");
  const headless = await explain(cluster() + extraServices + REGISTRY_ONLY, `GET http://10.1.0.1:80/x`, "pods.shop");
  assert.deepEqual([headless.status, headless.backend], [200, "shop/api-v1"], "a headless Service's virtual host: its ORIGINAL_DST cluster, the pod dialled, under REGISTRY_ONLY too (was: 502)");
  const sniffedHeadless = cluster() + REGISTRY_ONLY + "---\napiVersion: v1\nkind: Service\nmetadata: {name: raw, namespace: shop}\nspec: {selector: {app: api}, clusterIP: None, ports: [{name: web, port: 80, targetPort: 8080}]}\n";
  assert.deepEqual((await explain(sniffedHeadless, `GET http://10.1.0.1:80/x`, "foo.example")).status, 200, "a headless Service's sniffed port: its listener 10.1.0.1:80, its own route configuration (domain *), ORIGINAL_DST: the pod, whatever the Host (was: 502)");
});

test("a Host naming a Service without a virtual host on the sidecar's HTTP route configuration PORT (a port declared TCP, no such port, not exported to the client's namespace) meets the catch-all: allow_any passes it through to the cluster IP dialled, no route of the Service dialled applies, block_all answers 502; a headless Service's virtual host sends it to the cluster IP dialled (was: the dialled Service's routes)", async () => {
  const routed = cluster() + extraServices + meshRoute("shop", "v2", "{kind: Service, group: '', name: api-v2, port: 80}", tagged("api", "v2"));
  for (const [host, why] of [["db.shop", /Service shop\/db declares port 80 by its name tcp-db: a port Istio does not read as HTTP gets no virtual host/], ["other-port.shop", /Service shop\/other-port has no TCP port 80/], ["hidden.shop", /Service shop\/hidden is not exported to namespace web/]] as const) {
    const a = await explain(routed, "GET http://api-v2.shop/x", host);
    assert.deepEqual([a.status, a.backend], [200, "shop/api-v2"], `${host}: allow_any to the cluster IP, not api-v2's route to shop/api (was: shop/api)`);
    assert.match(a.reason ?? "", why);
    assert.match(a.reason ?? "", /its allow_any virtual host passes it through to the cluster IP dialled/);
    assert.equal((await explain(routed + REGISTRY_ONLY, "GET http://api-v2.shop/x", host)).status, 502, `${host}, REGISTRY_ONLY: block_all (was: api-v2's route)`);
  }
  for (const yaml of [routed, routed + REGISTRY_ONLY]) {
    const a = await explain(yaml, "GET http://api-v2.shop/x", "pods.shop");
    assert.deepEqual([a.status, a.backend], [200, "shop/api-v2"], "headless shop/pods: its virtual host, ORIGINAL_DST to the cluster IP dialled, under REGISTRY_ONLY too (was: api-v2's route to shop/api)");
    assert.match(a.reason ?? "", /names headless Service shop\/pods, whose virtual host sends it to the address dialled/);
  }
  assert.equal((await explain(routed, "GET http://api-v2.shop/x", "api-v2.shop")).backend, "shop/api", "its own name: its route applies");
});

test("a headless Service's HTTP port makes the sidecar's HTTP listener 0.0.0.0:PORT as any HTTP port does (listener.go: \"HTTP services can happily reside on 0.0.0.0:PORT and use the wildcard route match to get to the appropriate IP through original dst clusters\"): under REGISTRY_ONLY block_all answers an unknown Host 502 there (was: reset by the BlackHoleCluster)", async () => {
  const headlessHttp = cluster() + REGISTRY_ONLY + "---\napiVersion: v1\nkind: Service\nmetadata: {name: pods9, namespace: shop}\nspec: {selector: {app: api}, clusterIP: None, ports: [{name: http, port: 9000, targetPort: 8080}]}\n";
  assert.equal((await explain(headlessHttp, "GET http://203.0.113.5:9000/x", "foo.example")).status, 502);
});

test("a ServiceEntry with several hosts and addresses on a sniffed port: one listener ADDRESS:PORT for all its hosts, built by the first host in istiod's order (a service per host, SortServicesByCreationTime by Attributes.Name, the host), whose route configuration HOST:PORT has the one virtual host `*`: every request there goes to that host, whatever its Host (was: the host the Host named); of two entries on one address, the one with the least host builds it (was: the least entry name)", async () => {
  const multi = (protocol: string) => cluster() + serviceEntry("web", "partner", `{hosts: [z.example.com, a.example.com], addresses: [240.0.0.9], ports: [{number: 80, name: web${protocol ? `, protocol: ${protocol}` : ""}}], resolution: DNS}`);
  for (const host of ["z.example.com", "a.example.com", "other.example"]) {
    const a = await explain(multi(""), "GET http://240.0.0.9/x", host);
    assert.deepEqual([a.backend, a.reason], ["ServiceEntry web/partner", "the connection to a.example.com port 80 leaves the model"], `Host ${host}: the cluster of a.example.com, the first host (was: ${host === "z.example.com" ? "z.example.com" : "the host named"})`);
  }
  const tcp = await explain(multi("TCP"), "GET http://240.0.0.9/x", "z.example.com");
  assert.equal(tcp.reason, "the connection to a.example.com port 80 leaves the model", "a TCP port: the first host's TCP proxy");
  const two = cluster() + serviceEntry("web", "a-entry", "{hosts: [z.example.com], addresses: [240.0.0.9], ports: [{number: 80, name: tcp, protocol: TCP}], resolution: DNS}")
    + serviceEntry("web", "b-entry", "{hosts: [m.example.com], addresses: [240.0.0.9], ports: [{number: 80, name: tcp, protocol: TCP}], resolution: DNS}");
  const owner = await explain(two, "GET http://240.0.0.9/x", "z.example.com");
  assert.deepEqual([owner.backend, owner.reason], ["ServiceEntry web/b-entry", "the connection to m.example.com port 80 leaves the model"], "equally old (neither has a timestamp): m.example.com before z.example.com (was: web/a-entry, by the entries' names)");
});

test("of two Sidecars that apply to a pod alike, neither with a creationTimestamp, pilot's tie-break (by name) picks one, and the answer notes that the order of applying them would decide (push_context.go getSidecarScope over sortConfigByCreationTime)", () => {
  const untimed = (name: string, mode: string) => sidecar("web", name, `{outboundTrafficPolicy: {mode: ${mode}}}`).replace(/, creationTimestamp: "[^"]*"/, "");
  const yaml = cluster() + untimed("b", "ALLOW_ANY") + untimed("a", "REGISTRY_ONLY");
  const a = one(yaml, "web/client", "http://203.0.113.5/x");
  assert.ok(refused(a), "Sidecar web/a, first by name, sets REGISTRY_ONLY");
  assert.match(a.reason ?? "", /Sidecar web\/a sets outboundTrafficPolicy REGISTRY_ONLY \(note: neither Sidecar web\/a nor Sidecar web\/b has a creationTimestamp: applied together they get the same second, and pilot's order \(by name\) puts Sidecar web\/a first/);
  const timed = one(cluster() + sidecar("web", "b", "{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}") + untimed("a", "ALLOW_ANY"), "web/client", "http://203.0.113.5/x");
  assert.ok(refused(timed), "Sidecar web/b was created in 2024; web/a is applied now");
  assert.doesNotMatch(timed.reason ?? "", /note:/);
});

test("two ServiceEntries without addresses on one TCP port conflict on the listener 0.0.0.0:PORT: istiod keeps the first in its order (creation time, then host, then namespace) and, neither having a creationTimestamp, the answer notes that the order of applying them would decide (listener.go handleOutboundListenerConflict)", () => {
  const entry = (name: string, host: string, created = "") => serviceEntry("web", name, `{hosts: [${host}], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: NONE}`).replace(`namespace: web}`, `namespace: web${created}}`);
  const yaml = cluster() + REGISTRY_ONLY + entry("z-db", "b.example.com") + entry("a-db", "a.example.com");
  const a = one(yaml, "web/client", "tcp://198.51.100.7:5432", tcp);
  const text = a.layers.map((l) => l.summary).join("\n");
  assert.match(text, /ServiceEntry web\/a-db port 5432 \(no addresses, protocol TCP: its listener 0\.0\.0\.0:5432 takes any address at that port\) \(its listener omits ServiceEntry web\/z-db's, a conflict; note: neither ServiceEntry web\/a-db nor ServiceEntry web\/z-db has a creationTimestamp: applied together they get the same second, and istiod's order \(by host, then namespace\) puts ServiceEntry web\/a-db first/, text);
  const timed = one(cluster() + REGISTRY_ONLY + entry("z-db", "b.example.com", ", creationTimestamp: '2024-01-01T00:00:00Z'") + entry("a-db", "a.example.com"), "web/client", "tcp://198.51.100.7:5432", tcp);
  const timedText = timed.layers.map((l) => l.summary).join("\n");
  assert.match(timedText, /ServiceEntry web\/z-db port 5432/, "z-db was created in 2024: its listener");
  assert.doesNotMatch(timedText, /note:/);
});

test("an HTTPRoute bound to a Service port declared TCP gets no virtual host on the sidecar's HTTP listener 0.0.0.0:PORT either, port 80 included: its VirtualService's host is a registry service whose port is not HTTP or sniffed (route.go buildSidecarVirtualHostsForVirtualService: serviceByPort takes 'port.Protocol.IsHTTPOrSniffed()' ports only, and the listenPort 80 'gross HACK' adds a wrapper without services whose VirtualServiceHosts, separateVSHostsAndServices, lack the registry's hosts), so a Host naming it meets the catch-all", async () => {
  const routed = cluster() + extraServices + meshRoute("shop", "db-http", "{kind: Service, group: '', name: db, port: 80}", tagged("api-v2", "db"));
  const a = await explain(routed, "GET http://api.shop/x", "db.shop");
  assert.deepEqual([a.status, a.backend], [200, "shop/api"], "allow_any to the cluster IP dialled (shop/api), not the route's backend shop/api-v2");
  assert.match(a.reason ?? "", /Service shop\/db declares port 80 by its name tcp-db: a port Istio does not read as HTTP gets no virtual host/);
  assert.equal((await explain(routed + REGISTRY_ONLY, "GET http://api.shop/x", "db.shop")).status, 502, "REGISTRY_ONLY: block_all");
});

test("two ServiceEntries with the same address on one TCP port: istiod's listener ADDRESS:PORT is the first's in its order, the other's omitted, and without creationTimestamps the answer notes that the order of applying them would decide", () => {
  const entry = (name: string, host: string) => serviceEntry("web", name, `{hosts: [${host}], addresses: [240.0.0.7], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: 203.0.113.7}]}`);
  const a = one(cluster() + entry("z-db", "b.example.com") + entry("a-db", "a.example.com"), "web/client", "tcp://240.0.0.7:5432", tcp);
  assert.match(a.layers.map((l) => l.summary).join("\n"), /ServiceEntry web\/a-db port 5432: its addresses hold 240\.0\.0\.7(\/32)? \(its listener omits ServiceEntry web\/z-db's, a conflict; note: neither ServiceEntry web\/a-db nor ServiceEntry web\/z-db has a creationTimestamp/);
});
