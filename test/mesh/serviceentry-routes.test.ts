// Routes bound to an Istio ServiceEntry (parentRefs {group: networking.istio.io, kind: ServiceEntry}):
// pilot/pkg/config/kube/gateway/route_collections.go HTTPRouteCollection makes one VirtualService per
// route namespace, parentRef port and entry host ("if parent.InternalKind == gvk.ServiceEntry { vsHosts
// = ses.Spec.Hosts }"), which a sidecar applies as a Service's (route/route.go
// buildSidecarVirtualHostsForVirtualService: the client's and the entry's namespaces only, the first
// VirtualService per host); conversion.go referenceAllowed writes the parent's status ("parent service
// entry: %q not found", the istio.io/use-waypoint label message).

import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayEngine } from "../../src/engine/gateway/engine.js";
import { statusObjects } from "../../src/engine/gateway/status.js";
import { MeshEngine } from "../../src/engine/mesh/engine.js";
import { meshParentStatuses } from "../../src/engine/mesh/status.js";
import { statusTable } from "../../src/targets/gateway-status.js";
import { cli, load, tempFiles } from "../helpers.js";
import { explainJson, waypointGateway } from "../l7/fixture.js";
import { CLUSTER, meshRoute, one, withProxy } from "./fixture.js";

const cluster = withProxy("istio-proxy", ["web", "ops"]);
const entry = (ns: string, spec = "{hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: DNS}", labels = "{}") => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: ${ns}, labels: ${labels}}
spec: ${spec}
`;
const SE_PARENT = "{group: networking.istio.io, kind: ServiceEntry, name: partner}";
/** Requests under `prefix` go to Service shop/`svc` port 80; nothing else matches. */
const only = (prefix: string, svc = "api-v2") => `  rules:
  - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
    backendRefs: [{name: ${svc}, namespace: shop, port: 80}]`;
const routingStep = (a: { layers: { layer: string; summary: string }[] }) => a.layers.filter((l) => l.layer === "routing").map((l) => l.summary).join("\n");

test("a sidecar client's request to a ServiceEntry host meets the HTTPRoute bound to the entry: a path no rule matches gets 404, a matching one goes to the rule's backend (was: connected to the entry, the route ignored)", () => {
  const yaml = cluster + entry("web") + meshRoute("web", "partner-api", SE_PARENT, only("/api"));
  const other = one(yaml, "web/client", "http://partner.example.com/other");
  assert.deepEqual([other.status, other.decidedBy], [404, "routing"], "Istio's VirtualService has the route's rules only (was: connected)");
  assert.match(routingStep(other), /ServiceEntry web\/partner, producer routes of namespace web/);
  const api = one(yaml, "web/client", "http://partner.example.com/api/v1");
  assert.equal(api.status, 200);
  assert.equal(api.route, "HTTPRoute web/partner-api");
  assert.match(api.backend ?? "", /api-v2/, "the rule's backend, Service shop/api-v2");
  const unbound = one(cluster + entry("web"), "web/client", "http://partner.example.com/other");
  assert.notEqual(unbound.status, 404, "without the route the request goes to the entry");
  assert.match(routingStep(unbound), /no HTTPRoute or GRPCRoute bound to ServiceEntry web\/partner applies/);
});

test("routes bound to a ServiceEntry: the client namespace's VirtualService first, then the entry's; another namespace's does not apply; a parentRef port narrows it; a TCP port takes no HTTP route", () => {
  const producer = meshRoute("shop", "producer", SE_PARENT.replace("}", ", namespace: shop}"), only("/api"));
  const consumer = meshRoute("web", "consumer", SE_PARENT.replace("}", ", namespace: shop}"), only("/", "api"));
  const yaml = cluster + entry("shop") + producer + consumer;
  const web = one(yaml, "web/client", "http://partner.example.com/other");
  assert.deepEqual([web.status, web.route], [200, "HTTPRoute web/consumer"], "web's own VirtualService for the host comes first");
  const ops = one(yaml, "ops/client", "http://partner.example.com/other");
  assert.equal(ops.status, 404, "ops has none: the entry namespace's (shop) applies, and /other matches no rule of it");
  const foreign = one(cluster + entry("shop") + meshRoute("ops", "foreign", SE_PARENT.replace("}", ", namespace: shop}"), only("/api")), "web/client", "http://partner.example.com/other");
  assert.notEqual(foreign.status, 404, "a route of ops is neither the client's namespace nor the entry's");
  const twoPorts = entry("web", "{hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}, {number: 8080, name: alt, protocol: HTTP}], resolution: DNS}");
  const onAlt = cluster + twoPorts + meshRoute("web", "alt", SE_PARENT.replace("}", ", port: 8080}"), only("/api"));
  assert.notEqual(one(onAlt, "web/client", "http://partner.example.com/other").status, 404, "port 80: the route is bound to 8080 only");
  assert.equal(one(onAlt, "web/client", "http://partner.example.com:8080/other").status, 404);
  const tcpEntry = entry("web", "{hosts: [partner.example.com], ports: [{number: 80, name: tcp, protocol: TCP}], resolution: DNS}");
  const tcp = one(cluster + tcpEntry + meshRoute("web", "partner-api", SE_PARENT, only("/api")), "web/client", "http://partner.example.com/other");
  assert.notEqual(tcp.status, 404);
  assert.match(routingStep(tcp), /TCP or TLS filter chain: HTTPRoutes and GRPCRoutes do not apply/);
});

interface Parent { parentRef: Record<string, unknown>; conditions: { type: string; status: string; reason: string; message: string }[] }

function statusOf(yaml: string, name: string): { parents: Parent[]; table: string } {
  const inv = load({ "s.yaml": yaml }).inventory;
  const mesh = new MeshEngine(inv);
  const objects = statusObjects(new GatewayEngine(inv), (r) => meshParentStatuses(mesh, r));
  const o = objects.find((x) => (x.metadata as { name: string }).name === name)!;
  return { parents: (o.status as { parents: Parent[] }).parents, table: statusTable([o as never]) };
}

test("status of a ServiceEntry parent, as istiod writes it: Accepted when the entry exists (port not checked), NoMatchingParent 'parent service entry: \"NAME\" not found' otherwise, ResolvedWaypoints saying when the use-waypoint label is missing (was: no parent, '(no Gateway parent)')", () => {
  const refs = `${SE_PARENT.replace("}", ", port: 9999}")}, {group: networking.istio.io, kind: ServiceEntry, name: nope}`;
  const { parents, table } = statusOf(cluster + entry("web") + meshRoute("web", "r", refs, only("/api")), "r");
  assert.equal(parents.length, 2);
  const [ok, missing] = parents;
  const c = (p: Parent, type: string) => p.conditions.find((x) => x.type === type)!;
  assert.deepEqual(ok.parentRef, { group: "networking.istio.io", kind: "ServiceEntry", namespace: "web", name: "partner", port: 9999 });
  assert.deepEqual([c(ok, "Accepted").status, c(ok, "ResolvedRefs").status, c(ok, "ResolvedWaypoints").status], ["True", "True", "True"]);
  assert.match(c(ok, "ResolvedWaypoints").message, /istio\.io\/use-waypoint label missing from parent and parent namespace/);
  assert.deepEqual([c(missing, "Accepted").status, c(missing, "Accepted").reason, c(missing, "Accepted").message], ["False", "NoMatchingParent", "parent service entry: \"nope\" not found"]);
  assert.equal(c(missing, "ResolvedWaypoints").message, "parent not found");
  assert.doesNotMatch(table, /no Gateway parent/);
  assert.match(table, /ServiceEntry web\/partner:9999/);
  const labelled = statusOf(cluster + entry("web", undefined, "{istio.io/use-waypoint: waypoint}") + meshRoute("web", "r", SE_PARENT, only("/api")), "r");
  assert.equal(labelled.parents[0].conditions.find((x) => x.type === "ResolvedWaypoints")!.message, "All waypoints resolved");
});

test("an Istio Hostname backendRef (group networking.istio.io) on a mesh route names a ServiceEntry's host, or a Service's, exactly: the request goes to the entry's destination (conversion.go buildDestination, LookupHostname; was: InvalidKind, 500)", () => {
  const staticEntry = entry("web", "{hosts: [partner.example.com, '*.partner.example.com'], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 203.0.113.9}]}");
  const toHost = (name: string) => meshRoute("web", "to-partner", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", `  rules:
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: ${name}, port: 80}]`);
  const a = one(cluster + staticEntry + toHost("partner.example.com"), "web/client", "http://api.shop/x");
  assert.deepEqual([a.route, a.backend], ["HTTPRoute web/to-partner", "ServiceEntry web/partner"]);
  assert.match(a.layers.map((l) => l.summary).join("\n"), /203\.0\.113\.9/, "the entry's endpoint");
  const svc = one(cluster + staticEntry + toHost("api-v2.shop.svc.cluster.local").replace("namespace: web}", "namespace: shop}"), "web/client", "http://api.shop/x");
  assert.equal(svc.status, 200);
  assert.match(svc.backend ?? "", /api-v2/, "a Service's host from a route of its namespace is that Service");
  const elsewhere = one(cluster + staticEntry + toHost("api-v2.shop.svc.cluster.local"), "web/client", "http://api.shop/x");
  assert.equal(elsewhere.status, 500, "from a route of another namespace: backend(api-v2.shop.svc.cluster.local) not found, LookupHostname indexes by the service's namespace (was: 200)");
  const wildcard = one(cluster + staticEntry + toHost("x.partner.example.com"), "web/client", "http://api.shop/x");
  assert.equal(wildcard.status, 500, "LookupHostname finds a host exactly, not under a wildcard: backend(x.partner.example.com) not found");
  const { parents } = statusOf(cluster + staticEntry + toHost("nope.example.com"), "to-partner");
  const refs = parents[0].conditions.find((c) => c.type === "ResolvedRefs")!;
  assert.deepEqual([refs.status, refs.reason, refs.message], ["False", "BackendNotFound", "backend(nope.example.com) not found"]);
});

test("an Istio Hostname backendRef that sets namespace (even the route's own) is a hard error: istiod programs nothing of the route for the mesh, the request goes to the Service as without it, ResolvedRefs False InvalidDestination 'namespace may not be set with Hostname type' (conversion.go buildDestination; was: resolved, the request sent to the entry)", async () => {
  const staticEntry = entry("web", "{hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 203.0.113.9}]}");
  const toHost = (ref: string, more = "") => meshRoute("web", "to-partner", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", `  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: api-v2, namespace: shop, port: 80}]
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: partner.example.com, port: 80${ref}}${more}]`);
  for (const ns of ["web", "shop"]) {
    const yaml = cluster + staticEntry + toHost(`, namespace: ${ns}`);
    const a = await explainJson<Explained>(yaml, "web/client", "GET http://api.shop/x");
    assert.equal(a.route ?? null, null, `namespace ${ns}: no route of it is programmed (was: HTTPRoute web/to-partner)`);
    assert.deepEqual([a.status, a.backend], [200, "shop/api"], "the Service's own endpoints, as without the route");
    assert.match(routingStep(a), /HTTPRoute web\/to-partner is bound there, but istiod programs nothing of it \(namespace may not be set with Hostname type\)/);
    assert.equal((await explainJson<Explained>(yaml, "web/client", "GET http://api.shop/a")).route ?? null, null, "its other rules are gone too: the whole route fails to convert");
    const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
    try {
      const r = await cli(["status", "-f", dir, "-q", "-o", "json"]);
      const route = JSON.parse(r.out).items.find((o: { kind: string; metadata: { name: string } }) => o.kind === "HTTPRoute" && o.metadata.name === "to-partner");
      const refs = (route.status.parents[0].conditions as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === "ResolvedRefs")!;
      assert.deepEqual([refs.status, refs.reason, refs.message], ["False", "InvalidDestination", "namespace may not be set with Hostname type"]);
    } finally { cleanup(); }
  }
  const unset = await explainJson<Explained>(cluster + staticEntry + toHost(""), "web/client", "GET http://api.shop/x");
  assert.deepEqual([unset.route, unset.backend], ["HTTPRoute web/to-partner", "ServiceEntry web/partner"], "without namespace the host resolves");
  const weightless = await explainJson<Explained>(cluster + staticEntry + toHost(", namespace: web, weight: 0", ", {name: api-v2, namespace: shop, port: 80}"), "web/client", "GET http://api.shop/x");
  assert.equal(weightless.route, "HTTPRoute web/to-partner", "a backendRef of weight 0 is never built (buildHTTPDestination: 'if wt == 0 { continue }')");
});

const db = (labels = "{}") => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: web, labels: ${labels}}
spec: {hosts: [db.example.com], addresses: [240.0.0.9], ports: [{number: 5432, name: tcp, protocol: TCP}, {number: 443, name: tls, protocol: TLS}, {number: 80, name: http, protocol: HTTP}], resolution: DNS}
`;
const DB_PARENT = "{group: networking.istio.io, kind: ServiceEntry, name: db}";
/** A TCPRoute or TLSRoute bound to ServiceEntry web/db (at `port`), sending to Service shop/api-v2 port 80. */
const l4 = (kind: "TCPRoute" | "TLSRoute", name: string, port: number) => meshRoute("web", name, DB_PARENT.replace("}", `, port: ${port}}`), `${kind === "TLSRoute" ? "  hostnames: [db.example.com]\n" : ""}  rules:\n  - backendRefs: [{name: api-v2, namespace: shop, port: 80}]`, kind);
interface Explained { status: number | null; connection?: string; route?: string; backend?: string | null; layers: { layer: string; summary: string }[] }
const ask = (yaml: string, from: string, request: string) => explainJson<Explained>(yaml, from, request);

test("TCPRoutes and TLSRoutes bound to a ServiceEntry route a sidecar client's connections to its hosts and to its addresses, and an HTTPRoute a request whose Host is its address (route_collections.go TCPRouteCollection, TLSRouteCollection: vsHosts = ses.Spec.Hosts; httproute.go generateVirtualHostDomains: the entry's addresses are domains); was: status written, the connection sent to the entry", async () => {
  const tcp = cluster + db() + l4("TCPRoute", "db-tcp", 5432);
  const byHost = await ask(tcp, "web/client", "tcp://db.example.com:5432");
  assert.equal(byHost.route, "TCPRoute web/db-tcp", "was: no route, to the entry's host out of the model");
  assert.match(byHost.backend ?? "", /api-v2/);
  const byAddress = await ask(tcp, "web/client", "tcp://240.0.0.9:5432");
  assert.equal(byAddress.route, "TCPRoute web/db-tcp", "the sidecar's listener 240.0.0.9:5432 is the entry's (was: no route)");
  assert.equal((await ask(tcp, "ops/client", "tcp://240.0.0.9:5432")).route, "TCPRoute web/db-tcp", "a sidecar's TCP chain reads every namespace's routes");
  const tls = cluster + db() + l4("TLSRoute", "db-tls", 443);
  assert.equal((await ask(tls, "web/client", "tls://db.example.com:443")).route, "TLSRoute web/db-tls", "by the SNI its hostnames name");
  assert.equal((await ask(tls, "web/client", "tls://other.example.com:443")).connection, "failed", "an SNI no TLSRoute names: the connection fails");
  const http = cluster + db() + meshRoute("web", "db-http", DB_PARENT, only("/api"));
  assert.equal((await ask(http, "web/client", "http://240.0.0.9/other")).status, 404, "the Host 240.0.0.9 is a domain of the entry's virtual host: its route applies (was: the entry)");
  assert.equal((await ask(http, "web/client", "http://240.0.0.9/api/x")).status, 200);
});

test("at the waypoint in front of a ServiceEntry, an ambient client's TCP connection takes the TCPRoute bound to the entry (listener_waypoint.go getWaypointTCPRoutes; was: the entry)", async () => {
  const ambient = CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio.io/dataplane-mode: ambient}}") + "---\n" + waypointGateway("web");
  const yaml = ambient + db("{istio.io/use-waypoint: waypoint}") + l4("TCPRoute", "db-tcp", 5432);
  const a = await ask(yaml, "web/client", "tcp://240.0.0.9:5432");
  assert.equal(a.route, "TCPRoute web/db-tcp");
  assert.match(a.layers.find((l) => l.layer === "routing")?.summary ?? "", /ztunnel sends the connection to waypoint web\/waypoint/);
  assert.equal((await ask(ambient + db() + l4("TCPRoute", "db-tcp", 5432), "web/client", "tcp://240.0.0.9:5432")).route ?? null, null, "without a waypoint ztunnel applies no route");
});
