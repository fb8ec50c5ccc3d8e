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
import { load } from "../helpers.js";
import { API_V1, CLUSTER, one, withProxy } from "./fixture.js";

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
  const ok = one(cidr, "web/client", "http://203.0.113.5/x");
  assert.deepEqual([ok.status, ok.connection ?? null], [null, null]);
  assert.match(ok.layers.map((l) => l.summary).join("\n"), /ServiceEntry egress\/partners port 80: its addresses hold 203\.0\.113\.0\/24/);
  assert.equal(one(cidr, "web/client", "http://203.0.113.5:8080/x").status, 502, "a port the entry does not declare (Service shop/api's sniffed port 8080 makes an HTTP listener there)");
  const privateEntry = base + serviceEntry("egress", "partners", "{hosts: [partners.example.com], addresses: [203.0.113.0/24], ports: [{number: 80, name: http}], exportTo: ['.']}");
  assert.equal(one(privateEntry, "web/client", "http://203.0.113.5/x").status, 502, "exportTo '.': not in web's registry");
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
  assert.equal(one(CLUSTER + yaml.slice(cluster().length), "web/client", "http://api.internal/x").connection, "failed", "a client without a sidecar: the cluster's DNS only");
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
