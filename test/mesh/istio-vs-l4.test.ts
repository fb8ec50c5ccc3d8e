// A user's VirtualService `tcp` and `tls` routes at the client's sidecar (engine/mesh/virtualservice-l4.ts):
// the filter chains pilot writes (tls.go buildSidecarOutboundTCPFilterChainOpts,
// buildSidecarOutboundTLSFilterChainOpts) and the one Envoy picks (destination prefix, then SNI).
// Before: an info "tcp and tls routes are not applied"; the connection went to the Service's endpoints.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER, withProxy } from "./fixture.js";

const WORLD = withProxy("istio-proxy", ["web", "ops", "shop"], CLUSTER) + `
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: shop}
spec: {selector: {app: api}, clusterIP: 10.96.0.20, ports: [{name: tcp-redis, port: 6379, targetPort: 8080}, {name: tls, port: 443, targetPort: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cache, namespace: shop}
spec:
  host: cache.shop.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
`;

const vs = (spec: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cache, namespace: shop}
spec:
  hosts: [cache, "*.cache.example"]
${spec}
`;

interface Answer { status: number | null; connection?: string; reason: string; backend: string | null; route?: string; rule?: number; candidates: { outcome: string }[] }

async function run(yaml: string, request: string, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try { return await cli(["route", "-q", "-f", dir, "--from", "web/client", "--request", request, ...extra, "-o", "json"]); } finally { cleanup(); }
}

async function ask(yaml: string, request: string, extra: string[] = []): Promise<Answer> {
  const r = await run(yaml, request, extra);
  assert.equal(r.code, 0, r.err + r.out);
  return JSON.parse(r.out).results[0];
}

const endpointOf = (a: Answer) => JSON.stringify(a).match(/"endpoint":\s*"([^"]+)"/)?.[1] ?? "";

test("tcp routes: a match the sidecar does not get (sourceLabels) is skipped; the first route without match takes the connection, to its subset", async () => {
  const yaml = WORLD + vs(`  tcp:
  - match: [{sourceLabels: {app: nobody}}]
    route: [{destination: {host: cache, subset: v2}}]
  - route: [{destination: {host: cache, subset: v1}}]
  - route: [{destination: {host: cache, subset: v2}}]`);
  const a = await ask(yaml, "tcp://cache.shop:6379");
  assert.equal(a.route, "VirtualService shop/cache");
  assert.equal(a.rule, 1);
  assert.match(endpointOf(a), /api-v1/, "was: the Service's endpoints, either pod");
  assert.match(a.reason, /tcp\[1\] forwards the connection to shop\/api-v1/);
  const ops = await ask(yaml.replace("app: nobody", "app: client"), "tcp://cache.shop:6379");
  assert.equal(ops.rule, 0, "sourceLabels matching the client: the first route");
  assert.match(endpointOf(ops), /api-v2/);
});

test("tcp routes: a destinationSubnets chain holding the Service's address beats the catch-all written after it; one not holding it leaves the catch-all", async () => {
  const routes = (cidr: string) => WORLD + vs(`  tcp:
  - match: [{destinationSubnets: [${cidr}]}]
    route: [{destination: {host: cache, subset: v2}}]
  - route: [{destination: {host: cache, subset: v1}}]`);
  assert.match(endpointOf(await ask(routes("10.96.0.0/24"), "tcp://cache.shop:6379")), /api-v2/);
  assert.match(endpointOf(await ask(routes("192.168.0.0/16"), "tcp://cache.shop:6379")), /api-v1/);
});

test("tcp route weights split the connections (the heaviest answers); a subset with no pod fails the connection", async () => {
  const yaml = WORLD + vs(`  tcp:
  - route: [{destination: {host: cache, subset: v1}, weight: 20}, {destination: {host: cache, subset: v2}, weight: 80}]`);
  const a = await ask(yaml, "tcp://cache.shop:6379");
  assert.match(endpointOf(a), /api-v2/);
  const empty = WORLD.replace("{name: v2, labels: {version: v2}}", "{name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}") + vs("  tcp:\n  - route: [{destination: {host: cache, subset: v3}}]");
  const b = await ask(empty, "tcp://cache.shop:6379");
  assert.equal(b.connection, "failed");
  assert.match(b.reason, /subset v3 .* picks no ready endpoint/);
});

test("tls routes on a TLS port: by SNI, the exact host before a wildcard; an SNI no route matches fails (no default chain once a tls route applies)", async () => {
  const yaml = WORLD + vs(`  tls:
  - match: [{sniHosts: ["*.cache.example"]}]
    route: [{destination: {host: cache, subset: v1}}]
  - match: [{sniHosts: [v2.cache.example]}]
    route: [{destination: {host: cache, subset: v2}}]`);
  assert.match(endpointOf(await ask(yaml, "tls://cache.shop:443", ["--sni", "v2.cache.example"])), /api-v2/, "the exact SNI, though written second");
  assert.match(endpointOf(await ask(yaml, "tls://cache.shop:443", ["--sni", "a.cache.example"])), /api-v1/);
  const none = await ask(yaml, "tls://cache.shop:443", ["--sni", "cache.shop"]);
  assert.equal(none.connection, "failed", "was: passed through to the Service");
  assert.match(none.reason, /none matches SNI cache\.shop: pilot builds no default chain/);
  // A tcp route does not apply on a TLS port, nor a tls route on a TCP port.
  const tcpOnly = WORLD + vs("  tcp:\n  - route: [{destination: {host: cache, subset: v2}}]");
  assert.equal((await ask(tcpOnly, "tls://cache.shop:443", ["--sni", "cache.shop"])).route, undefined);
});

test("istiod's validateTCPRoute / validateTLSRoute: a tls route without match, a match without sniHosts, an SNI host outside the hosts, a bad destinationSubnet, a route without destinations are refused with file:line:field", async () => {
  const bad = WORLD + vs(`  tls:
  - route: [{destination: {host: cache}}]
  - match: [{port: 443}]
    route: [{destination: {host: cache}}]
  - match: [{sniHosts: [other.example]}]
    route: [{destination: {host: cache}}]
  tcp:
  - match: [{destinationSubnets: [10.0.0.0/99]}]
    route: [{destination: {host: cache}}]
  - route: []`);
  const r = await run(bad, "tcp://cache.shop:6379");
  assert.notEqual(r.code, 0);
  for (const want of [/a\.yaml:\d+:?\d* spec\.tls\[0\]: TLS route must have at least one match condition/, /spec\.tls\[1\]\.match\[0\]: TLS match must have at least one SNI host/,
    /spec\.tls\[2\]\.match\[0\]\.sniHosts\[0\]: SNI host "other\.example" is not a compatible subset of any of the virtual service hosts/,
    /spec\.tcp\[0\]\.match\[0\]\.destinationSubnets\[0\]: "10\.0\.0\.0\/99" is not a valid IP or CIDR/, /spec\.tcp\[1\]\.route: TCP route is required/]) assert.match(r.err + r.out, want);
});

test("(revA) a VirtualService's tcp and tls routes for a ServiceEntry's host: pilot builds the entry's outbound listener from getConfigsForHost too (was: ignored, the connection left for the entry's address)", async () => {
  const entry = (protocol: string, port: number) => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: web}
spec:
  hosts: [db.example.com]
  addresses: [192.0.2.10]
  ports: [{number: ${port}, name: p, protocol: ${protocol}}]
  resolution: STATIC
  endpoints: [{address: 192.0.2.10}]
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: web}
spec:
  hosts: [db.example.com]
`;
  const tcp = WORLD + entry("TCP", 5432) + "  tcp:\n  - route: [{destination: {host: cache.shop.svc.cluster.local, port: {number: 6379}, subset: v2}}]\n";
  const a = await ask(tcp, "tcp://db.example.com:5432");
  assert.equal(a.route, "VirtualService web/db");
  assert.match(endpointOf(a), /api-v2/, "was: the connection to 192.0.2.10 leaves the model");
  const tls = WORLD + entry("TLS", 443) + "  tls:\n  - match: [{sniHosts: [db.example.com]}]\n    route: [{destination: {host: cache.shop.svc.cluster.local, port: {number: 443}, subset: v1}}]\n";
  assert.match(endpointOf(await ask(tls, "tls://db.example.com:443", ["--sni", "db.example.com"])), /api-v1/);
  const other = await ask(tls, "tls://db.example.com:443", ["--sni", "other.example.com"]);
  assert.equal(other.connection, "failed", "no chain for the SNI: no default chain once a tls route applies");
});
