// Which Istio waypoint sees a request, one answer for routing and L7 authorization (engine/mesh/
// waypoint.ts requestWaypoint): ztunnel src/proxy/outbound.rs build_request sends a request to a
// Service's cluster IP to the Service's waypoint (fetch_service_waypoint), one to a pod's address to the
// workload's (fetch_workload_waypoint); pilot/pkg/serviceregistry/ambient/waypoints.go decides which
// waypoint each uses (fetchWaypointForService / fetchWaypointForWorkload: the object's
// istio.io/use-waypoint, else its namespace's; traffic type; allowedRoutes); a sidecar never sends to a
// waypoint (pilot/pkg/xds/endpoints/endpoint_builder.go findServiceWaypoint: only ingress and east-west
// gateways). ztunnel sees the waypoint's identity behind it, the client's otherwise.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor } from "../helpers.js";
import { requestProblem, walkContext, walkRequest } from "../../src/engine/request.js";
import type { RouteRequest } from "../../src/model/request.js";
import { L7Authorizer } from "../../src/engine/l7/authorizer.js";
import { explainJson, namespace, pod, waypointGateway } from "./fixture.js";
import { httpService, istioGateway, meshRoute, referenceGrant, serviceRoute } from "../mesh/fixture.js";

interface Answer { status: number | null; connection?: string; authorization: { enforcer: string; verdict: string; summary: string }[]; layers: { layer: string; summary: string }[] }

const ask = (yaml: string, from: string, request: string) => explainJson<Answer>(yaml, from, request);

const ap = (name: string, ns: string, spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: ${spec}\n---\n`;
const ledgerService = (labels = "{}") => httpService("bank", "ledger", { labels }) + "---\n";
/** bank in the ambient mesh (more namespace labels as ", k: v"), its pods ledger (10.0.0.10) and teller; shopper in web, with an Istio sidecar. */
const world = (bankLabels = "") => namespace("bank", `{istio.io/dataplane-mode: ambient${bankLabels}}`) + namespace("web", "{istio-injection: enabled}")
  + pod("bank", "ledger", "10.0.0.10") + pod("bank", "teller", "10.0.0.11")
  + pod("web", "shopper", "10.0.1.10").replace("containers: [{name: app,", "containers: [{name: istio-proxy}, {name: app,");
/** GET only, at the waypoint of Service bank/ledger. */
const getOnly = ap("get-only", "bank", "{targetRefs: [{kind: Service, group: \"\", name: ledger}], rules: [{to: [{operation: {methods: [GET]}}]}]}");
/** ztunnel of the ledger pod denies the teller and the shopper by their identities. */
const denyClients = ap("no-clients", "bank", "{selector: {matchLabels: {app: ledger}}, action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/bank/sa/teller, cluster.local/ns/web/sa/shopper]}}]}]}");
const enforcers = (a: Answer) => a.authorization.map((d) => d.enforcer).filter((e) => /Istio/.test(e));

test("a Service's own istio.io/use-waypoint sends its traffic through the waypoint, which enforces the policies attached to the Service (was: the pod's labels only, no waypoint)", async () => {
  const yaml = world() + ledgerService("{istio.io/use-waypoint: waypoint}") + waypointGateway("bank") + getOnly;
  const post = await ask(yaml, "bank/teller", "POST http://ledger/");
  assert.equal(post.status, 403, "the waypoint's GET-only policy (was 200: no waypoint, ztunnel alone)");
  assert.deepEqual(enforcers(post), ["Istio waypoint of bank/waypoint"]);
  assert.equal((await ask(yaml, "bank/teller", "GET http://ledger/")).status, 200);
  // The same label on the pod, not the Service: service-addressed traffic does not use it.
  const onPod = world() + ledgerService() + waypointGateway("bank") + getOnly;
  const viaPodLabel = await ask(onPod.replace("labels: {\"app\":\"ledger\"}", "labels: {\"app\":\"ledger\",\"istio.io/use-waypoint\":\"waypoint\"}"), "bank/teller", "POST http://ledger/");
  assert.equal(viaPodLabel.status, 200, "the pod's label names its workload waypoint, which traffic to the Service does not take");
});

test("a sidecar client sends to the endpoint itself, not to the Service's waypoint: ztunnel sees the client's identity (was: the waypoint's, a wrong allow)", async () => {
  const yaml = world(", istio.io/use-waypoint: waypoint") + ledgerService() + waypointGateway("bank") + denyClients;
  const sidecar = await ask(yaml, "web/shopper", "GET http://ledger.bank/");
  assert.equal(sidecar.connection, "failed", "ztunnel's DENY names the shopper (was 200: ztunnel saw the waypoint)");
  assert.deepEqual(enforcers(sidecar), ["Istio ztunnel (L4) of bank/ledger"]);
  // An ambient client goes through the waypoint, and ztunnel then sees the waypoint's identity.
  const ambient = await ask(yaml, "bank/teller", "GET http://ledger/");
  assert.equal(ambient.status, 200);
  assert.deepEqual(enforcers(ambient), ["Istio waypoint of bank/waypoint", "Istio ztunnel (L4) of bank/ledger"]);
});

test("a request to a pod's address takes the workload's waypoint: the default (istio.io/waypoint-for: service) takes none, so ztunnel sees the client (was: the waypoint's identity, a wrong allow)", async () => {
  const base = world(", istio.io/use-waypoint: waypoint") + ledgerService() + denyClients;
  const direct = await ask(base + waypointGateway("bank"), "bank/teller", "GET http://10.0.0.10:8080/");
  assert.equal(direct.connection, "failed", "ztunnel's DENY names the teller (was 200)");
  assert.deepEqual(enforcers(direct), ["Istio ztunnel (L4) of bank/ledger"]);
  // A waypoint for all traffic takes it: the policies attached to the Gateway apply, those attached to the Service do not.
  const gatewayGet = ap("gw-get", "bank", "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}], rules: [{to: [{operation: {methods: [GET]}}]}]}");
  const all = base.replace(denyClients, "") + waypointGateway("bank", "waypoint", { labels: "{istio.io/waypoint-for: all}" }) + gatewayGet + getOnly.replace("GET", "PUT");
  const get = await ask(all, "bank/teller", "GET http://10.0.0.10:8080/");
  assert.equal(get.status, 200, "the Service's PUT-only policy does not apply to workload-addressed traffic");
  assert.deepEqual(enforcers(get), ["Istio waypoint of bank/waypoint", "Istio ztunnel (L4) of bank/ledger"]);
  assert.equal((await ask(all, "bank/teller", "POST http://10.0.0.10:8080/")).status, 403, "the Gateway's GET-only policy");
  // A waypoint for workload traffic only: the Service's traffic goes without it.
  const workloadOnly = base.replace(denyClients, "") + waypointGateway("bank", "waypoint", { labels: "{istio.io/waypoint-for: workload}" }) + gatewayGet;
  assert.equal((await ask(workloadOnly, "bank/teller", "POST http://ledger/")).status, 200);
  assert.equal((await ask(workloadOnly, "bank/teller", "POST http://10.0.0.10:8080/")).status, 403);
});

test("a waypoint in another namespace serves a Service only when its HBONE listener's allowedRoutes admit the Service's namespace (waypoints.go AllowsAttachmentFromNamespace)", async () => {
  const yaml = (allowedRoutes?: string) => world() + namespace("infra", "{}") + ledgerService("{istio.io/use-waypoint: shared, istio.io/use-waypoint-namespace: infra}")
    + waypointGateway("infra", "shared", allowedRoutes ? { allowedRoutes } : {}) + getOnly;
  const same = await ask(yaml(), "bank/teller", "POST http://ledger/");
  assert.equal(same.status, 200, "allowedRoutes default to Same: the attachment is denied, ztunnel alone");
  assert.match(same.layers.find((l) => l.layer === "routing")?.summary ?? "", /does not allow namespace bank/);
  assert.equal((await ask(yaml("{namespaces: {from: All}}"), "bank/teller", "POST http://ledger/")).status, 403);
  assert.equal((await ask(yaml("{namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: bank}}}}"), "bank/teller", "POST http://ledger/")).status, 403);
});

test("a waypoint takes a TCP port's connections on a TCP filter chain, whose DENY rules lose their HTTP fields (builder.go BuildTCP, forTCP): broader (was: never matched, a wrong allow)", async () => {
  const ports = "[{name: http, port: 80, targetPort: 8080}, {name: tcp-db, port: 5432, targetPort: 8080}]";
  const yaml = world(", istio.io/use-waypoint: waypoint") + waypointGateway("bank") + ledgerService().replace(/ports: \[.*\]\}/, `ports: ${ports}}`)
    + ap("no-teller-posts", "bank", "{targetRefs: [{kind: Service, group: \"\", name: ledger}], action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/bank/sa/teller]}}], to: [{operation: {methods: [POST]}}]}]}");
  for (const request of ["tcp://ledger:5432", "GET http://ledger:5432/"]) {
    const a = await ask(yaml, "bank/teller", request);
    assert.equal(a.connection, "failed", `${request}: the DENY rule without its methods matches the teller (was allowed)`);
    assert.deepEqual(enforcers(a), ["Istio waypoint (TCP) of bank/waypoint"]);
  }
  assert.equal((await ask(yaml, "bank/teller", "GET http://ledger/")).status, 200, "the HTTP port: the methods count");
  assert.equal((await ask(yaml, "bank/teller", "POST http://ledger/")).status, 403);
});

/** An Istio Gateway bank/edge (its GatewayClass, an HTTPRoute to the Service ledger and its pod) for requests from outside. */
const ISTIO_EDGE = istioGateway("bank", "edge", "10.0.0.20") + meshRoute("bank", "ledger", "{name: edge}", "  rules: [{backendRefs: [{name: ledger, port: 80}]}]") + "---\n";

/** A request for ledger.example.com at the Gateway bank/edge, walked through routing, L3/L4 and L7. */
function askEdge(yaml: string, path: string, method: string) {
  const engine = engineFor(yaml);
  const ctx = walkContext(engine.inventory, { policy: engine, authorizers: [new L7Authorizer(engine)] });
  const req: RouteRequest = { gateway: "bank/edge", scheme: "http", host: "ledger.example.com", port: 80, path, method, headers: [], backendResponseHeaders: [] };
  const problem = requestProblem(ctx, req);
  if (problem) throw new Error(problem);
  return walkRequest(ctx, req);
}

test("an Istio gateway sends to a Service's waypoint only when the Service (else its namespace) has istio.io/ingress-use-waypoint=true (endpoint_builder.go findServiceWaypoint; was: never, a wrong allow)", () => {
  const gateway = ISTIO_EDGE;
  const noPosts = ap("no-posts", "bank", "{targetRefs: [{kind: Service, group: \"\", name: ledger}], action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}");
  const yaml = (labels: string) => world() + ledgerService(labels) + waypointGateway("bank") + gateway + noPosts;
  const ask = (y: string, method: string) => askEdge(y, "/", method);
  const opted = yaml("{istio.io/use-waypoint: waypoint, istio.io/ingress-use-waypoint: \"true\"}");
  assert.equal(ask(opted, "POST").status, 403, "through the waypoint, the Service's DENY applies (was 200)");
  assert.equal(ask(opted, "GET").status, 200);
  assert.equal(ask(yaml("{istio.io/use-waypoint: waypoint}"), "POST").status, 200, "without the label the gateway sends to the endpoints");
  assert.equal(ask(yaml("{istio.io/use-waypoint: waypoint, istio.io/ingress-use-waypoint: \"false\"}").replace("dataplane-mode: ambient", "dataplane-mode: ambient, istio.io/ingress-use-waypoint: \"true\""), "POST").status, 200, "the Service's label wins over its namespace's");
  assert.equal(ask(yaml("{istio.io/use-waypoint: waypoint}").replace("dataplane-mode: ambient", "dataplane-mode: ambient, istio.io/ingress-use-waypoint: \"TRUE\""), "POST").status, 403, "the namespace's label, in any case");
});

test("a waypoint Gateway whose status has no addresses is not ready: istiod takes no waypoint from it, and the traffic goes without it (ambient/waypoints.go WaypointsCollection); a manifest without status is taken as ready", async () => {
  const yaml = (status: string) => world() + ledgerService("{istio.io/use-waypoint: waypoint}") + waypointGateway("bank").replace(/---\n$/, status + "---\n") + getOnly;
  assert.equal((await ask(yaml(""), "bank/teller", "POST http://ledger/")).status, 403, "no status: a manifest, the waypoint is taken as deployed");
  assert.equal((await ask(yaml("status: {addresses: [{type: IPAddress, value: 10.96.0.9}]}\n"), "bank/teller", "POST http://ledger/")).status, 403, "ready: status addresses");
  const pending = await ask(yaml("status: {conditions: [{type: Programmed, status: 'False', reason: Pending, message: waiting for the deployment, lastTransitionTime: '2026-01-01T00:00:00Z'}]}\n"), "bank/teller", "POST http://ledger/");
  assert.equal(pending.status, 200, "no status addresses: no waypoint, ztunnel alone (was 403: the waypoint's GET-only policy)");
  assert.match(pending.layers.find((l) => l.layer === "routing")?.summary ?? "", /status has no addresses/);
});

test("an Istio gateway's request through the Service's waypoint (istio.io/ingress-use-waypoint) meets the routes bound to the Service there: they pick the backend (was: the gateway's pick, the Service's own endpoints)", () => {
  // The waypoint takes the gateway's request for the Service as an ambient client's (pilot listener_waypoint.go
  // buildWaypointInboundHTTPRouteConfig: the Service's routes), so a producer HTTPRoute on the Service splits or redirects it there.
  const gateway = ISTIO_EDGE + httpService("bank", "ledger-v2", { app: "teller" }) + serviceRoute("bank", "ledger-split", "ledger", 80, `  rules:
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new}, statusCode: 301}}]
  - backendRefs: [{name: ledger-v2, port: 80}]`) + "---\n";
  const yaml = (labels: string) => world() + ledgerService(labels) + waypointGateway("bank") + gateway;
  const ask = (y: string, path: string) => askEdge(y, path, "GET");
  const opted = yaml("{istio.io/use-waypoint: waypoint, istio.io/ingress-use-waypoint: \"true\"}");
  const r = ask(opted, "/");
  assert.equal(r.status, 200);
  assert.equal(r.endpoint, "bank/teller", "the waypoint's route sends to ledger-v2 (was bank/ledger: the gateway's backend)");
  assert.match(r.layers.filter((l) => l.layer === "routing").map((l) => l.summary).join("\n"), /at waypoint bank\/waypoint/);
  const moved = ask(opted, "/old");
  assert.deepEqual([moved.status, moved.redirect?.path], [301, "/new"], "the waypoint's redirect answers");
  assert.equal(ask(yaml("{istio.io/use-waypoint: waypoint}"), "/").endpoint, "bank/ledger", "without ingress-use-waypoint the gateway sends to the Service's endpoints: its mesh routes do not apply");
});

/** A ServiceEntry bank/partner (labels as given) for partner.example.com at 203.0.113.10, port 80 HTTP, resolution NONE unless `spec` says more. */
const partnerEntry = (labels = "{}", spec = "addresses: [203.0.113.10], resolution: NONE") => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: bank, labels: ${labels}}
spec: {hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}], ${spec}}
---
`;
/** No POST to the ServiceEntry bank/partner, at its waypoint (targetRefs kind ServiceEntry). */
const noPartnerPosts = ap("no-partner-posts", "bank", "{targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: partner}], action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}");

test("a ServiceEntry bound to a waypoint (istio.io/use-waypoint) takes an ambient client's connections to its addresses and hosts, and the waypoint enforces the policies attached to the entry (policyattachment.go ShouldAttachPolicy, targetRefs kind ServiceEntry; was: ignored, a wrong allow)", async () => {
  const yaml = world() + waypointGateway("bank") + partnerEntry("{istio.io/use-waypoint: waypoint}") + noPartnerPosts;
  const post = await ask(yaml, "bank/teller", "POST http://203.0.113.10/");
  assert.equal(post.status, 403, "the DENY attached to the entry, at its waypoint (was: passed through, leaving the model)");
  assert.deepEqual(enforcers(post), ["Istio waypoint of bank/waypoint"]);
  assert.match(post.layers.find((l) => l.layer === "routing")?.summary ?? "", /an address of ServiceEntry bank\/partner: ztunnel sends the connection to waypoint bank\/waypoint \(ServiceEntry bank\/partner's label istio\.io\/use-waypoint/);
  const get = await ask(yaml, "bank/teller", "GET http://203.0.113.10/");
  assert.deepEqual([get.status, get.connection ?? null], [null, null], "GET passes the waypoint and leaves the model");
  assert.deepEqual(enforcers(get), ["Istio waypoint of bank/waypoint"]);
  // By name: ztunnel's DNS proxy answers the host with the entry's address, or one istiod allocates (resolution DNS).
  assert.equal((await ask(yaml, "bank/teller", "POST http://partner.example.com/")).status, 403);
  const dns = world() + waypointGateway("bank") + partnerEntry("{istio.io/use-waypoint: waypoint}", "resolution: DNS") + noPartnerPosts;
  const byName = await ask(dns, "bank/teller", "POST http://partner.example.com/");
  assert.equal(byName.status, 403, "an allocated address: the waypoint still decides");
  assert.match(byName.layers.find((l) => l.layer === "network")?.summary ?? "", /not in the input/);
  assert.equal((await ask(dns, "bank/teller", "GET http://partner.example.com/")).status, null);
  // The namespace's label binds the entry too; a policy attached to a Service of the same name does not apply to it.
  const nsLabel = world(", istio.io/use-waypoint: waypoint") + waypointGateway("bank") + partnerEntry() + noPartnerPosts;
  assert.equal((await ask(nsLabel, "bank/teller", "POST http://203.0.113.10/")).status, 403);
  const toService = yaml.replace("{kind: ServiceEntry, group: networking.istio.io, name: partner}", "{kind: Service, group: \"\", name: partner}");
  assert.equal((await ask(toService, "bank/teller", "POST http://203.0.113.10/")).status, null, "a Service target is not the entry");
});

test("without a waypoint, or for a sidecar client, a ServiceEntry's attached policies are not enforced: ztunnel and the sidecar send to the destination themselves", async () => {
  const unbound = world() + waypointGateway("bank") + partnerEntry() + noPartnerPosts;
  const ambient = await ask(unbound, "bank/teller", "POST http://203.0.113.10/");
  assert.deepEqual([ambient.status, enforcers(ambient)], [null, []], "the entry uses no waypoint");
  const optedOut = world(", istio.io/use-waypoint: waypoint") + waypointGateway("bank") + partnerEntry("{istio.io/use-waypoint: none}") + noPartnerPosts;
  assert.equal((await ask(optedOut, "bank/teller", "POST http://203.0.113.10/")).status, null, "the entry's label none opts out of its namespace's waypoint");
  const bound = world() + waypointGateway("bank") + partnerEntry("{istio.io/use-waypoint: waypoint}") + noPartnerPosts;
  const sidecar = await ask(bound, "web/shopper", "POST http://203.0.113.10/");
  assert.deepEqual([sidecar.status, enforcers(sidecar)], [null, []], "a sidecar client sends to the entry's address itself (endpoint_builder.go findServiceWaypoint: only gateways)");
});

test("an ambient client's request to a Service with a waypoint goes through it whatever runs at the endpoints: the policies attached to the Service apply to a Service of pods outside the ambient mesh (ztunnel outbound.rs build_request: fetch_service_waypoint before fetch_upstream; was: not enforced, a wrong allow)", async () => {
  const vault = pod("bank", "vault", "10.0.0.12", { labels: { "istio.io/dataplane-mode": "none" } })
    + "apiVersion: v1\nkind: Service\nmetadata: {name: vault, namespace: bank, labels: {istio.io/use-waypoint: waypoint}}\nspec: {selector: {app: vault}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n";
  const noPosts = ap("no-vault-posts", "bank", "{targetRefs: [{kind: Service, group: \"\", name: vault}], action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}");
  const yaml = world() + waypointGateway("bank") + vault + noPosts;
  const post = await ask(yaml, "bank/teller", "POST http://vault/");
  assert.equal(post.status, 403, "the DENY attached to the Service, at its waypoint (was 200)");
  assert.deepEqual(enforcers(post), ["Istio waypoint of bank/waypoint"]);
  assert.equal((await ask(yaml, "bank/teller", "GET http://vault/")).status, 200);
  const sidecar = await ask(yaml, "web/shopper", "POST http://vault.bank/");
  assert.deepEqual([sidecar.status, enforcers(sidecar)], [200, []], "a sidecar client sends to the endpoint itself");
});

test("ztunnel's DNS proxy answers a waypoint-bound ServiceEntry's host without addresses only with an address istiod allocates: not for resolution NONE, nor with the label networking.istio.io/enable-autoallocate-ip \"false\" (any case), a `*.` host only with DYNAMIC_DNS (ip_autoallocation.go shouldV2AutoAllocateIPFromPieces; ambient/services.go constructServiceEntries)", async () => {
  const post = (labels: string, spec: string, hosts = "[partner.example.com]", name = "partner.example.com") =>
    ask(world() + waypointGateway("bank") + partnerEntry(`{istio.io/use-waypoint: waypoint${labels}}`, spec).replace("hosts: [partner.example.com]", `hosts: ${hosts}`) + noPartnerPosts, "bank/teller", `POST http://${name}/`);
  const through = (a: Answer) => [a.status, enforcers(a)];
  assert.deepEqual(through(await post("", "resolution: DNS")), [403, ["Istio waypoint of bank/waypoint"]], "an allocated address: the waypoint decides");
  for (const [labels, spec, hosts, name, why] of [
    ["", "resolution: NONE", undefined, undefined, "resolution NONE: no address allocated"],
    [", networking.istio.io/enable-autoallocate-ip: \"False\"", "resolution: DNS", undefined, undefined, "allocation opted out"],
    ["", "resolution: DNS", "[\"*.example.com\"]", "api.example.com", "a wildcard host with resolution DNS"],
  ] as const) {
    const a = await post(labels, spec, hosts, name);
    assert.deepEqual([a.status, a.connection, enforcers(a)], [null, "failed", []], why);
  }
  assert.equal((await post("", "resolution: DYNAMIC_DNS", "[\"*.example.com\"]", "api.example.com")).status, 403, "a wildcard host with DYNAMIC_DNS is allocated");
});

test("an ambient client's request to a ServiceEntry bound to a waypoint meets the HTTPRoutes bound to the entry at the waypoint (listener_waypoint.go getVirtualServiceForWaypoint: the waypoint's and the entry's namespaces): no rule matches, 404; a rule's backend is reached (was: the route ignored, the request left the model)", async () => {
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: partner-api, namespace: bank}
spec:
  parentRefs: [{group: networking.istio.io, kind: ServiceEntry, name: partner}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: ledger, port: 80}]
---
`;
  const yaml = world() + ledgerService() + waypointGateway("bank") + partnerEntry("{istio.io/use-waypoint: waypoint}") + route;
  const other = await ask(yaml, "bank/teller", "GET http://partner.example.com/other");
  assert.equal(other.status, 404, "the waypoint's virtual host has the route's rules only (was: null, leaving the model)");
  assert.match(other.layers.find((l) => l.layer === "routing")?.summary ?? "", /ztunnel sends the connection to waypoint bank\/waypoint .*producer routes of namespace bank/);
  const api = await ask(yaml, "bank/teller", "GET http://203.0.113.10/api");
  assert.deepEqual([api.status, (api as Answer & { endpoint?: string }).endpoint], [200, "bank/ledger"], "the rule's backend, Service bank/ledger");
  const unbound = await ask(world() + ledgerService() + waypointGateway("bank") + partnerEntry() + route, "bank/teller", "GET http://203.0.113.10/other");
  assert.equal(unbound.status, null, "the entry uses no waypoint: ztunnel applies no route");
});

test("a Linkerd server behind an Istio waypoint sees a plaintext connection, no identity: the waypoint speaks Istio mTLS to Istio sidecars only (endpoint_builder.go supportsMtls: tlsMode istio); was: the waypoint's Istio identity, which a MeshTLSAuthentication of any identity admitted, a wrong allow", async () => {
  const vault = pod("bank", "vault", "10.0.0.12", { labels: { "istio.io/dataplane-mode": "none" } }).replace("containers: [{name: app,", "containers: [{name: linkerd-proxy}, {name: app,")
    + "apiVersion: v1\nkind: Service\nmetadata: {name: vault, namespace: bank, labels: {istio.io/use-waypoint: waypoint}}\nspec: {selector: {app: vault}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n";
  const linkerd = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: vault-http, namespace: bank}
spec: {podSelector: {matchLabels: {app: vault}}, port: 8080, proxyProtocol: HTTP/1}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: anyone-meshed, namespace: bank}
spec: {identities: ["*"]}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: vault-meshed, namespace: bank}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: vault-http}
  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: anyone-meshed}]
---
`;
  const a = await ask(world() + waypointGateway("bank") + vault + linkerd, "bank/teller", "GET http://vault/");
  assert.equal(a.status, 403, "no identity: the Server's authorization requires one (was 200: the waypoint's identity)");
  assert.deepEqual(a.authorization.filter((d) => /Istio|Linkerd/.test(d.enforcer)).map((d) => [d.enforcer.replace(/ .*/, ""), d.verdict]), [["Istio", "allow"], ["Linkerd", "deny"]], "the waypoint admits it, the Linkerd proxy refuses it");
});

test("a Linkerd server behind an Istio waypoint: the waypoint sees the client's HBONE identity even on a port the Linkerd proxy skips, and normalizes the path it matches and forwards (was: no identity and the raw path at the waypoint, a wrong allow; list --l7 already said so)", async () => {
  const books = (annotations: string) => pod("bank", "books", "10.0.0.14", { labels: { "istio.io/dataplane-mode": "none" } })
    .replace("namespace: bank,", `namespace: bank, annotations: ${annotations},`).replace("containers: [{name: app,", "containers: [{name: linkerd-proxy}, {name: app,")
    + "apiVersion: v1\nkind: Service\nmetadata: {name: books, namespace: bank, labels: {istio.io/use-waypoint: waypoint}}\nspec: {selector: {app: books}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n";
  const noTellerAdmin = ap("no-teller-admin", "bank", "{targetRefs: [{kind: Service, group: \"\", name: books}], action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/bank/sa/teller]}}], to: [{operation: {ports: [\"8080\"], paths: [/admin]}}]}]}");
  const skipped = world() + waypointGateway("bank") + books("{config.linkerd.io/skip-inbound-ports: \"8080\"}") + noTellerAdmin;
  const a = await ask(skipped, "bank/teller", "GET http://books/admin");
  assert.equal(a.status, 403, "the waypoint's DENY names the teller, whose identity HBONE carries (was 200: plaintext, no identity, as the Linkerd proxy's bypass)");
  assert.ok(a.authorization.some((d) => /HBONE/.test(d.summary)), "the transport to the waypoint is HBONE");
  assert.equal((await ask(skipped, "bank/teller", "GET http://books/public")).status, 200);
  const proxied = world() + waypointGateway("bank") + books("{}") + noTellerAdmin;
  assert.equal((await ask(proxied, "bank/teller", "GET http://books/%61dmin")).status, 403, "the waypoint matches the normalized path /admin, %61 decoded (was 200: the path as sent)");
});

test("the waypoint behind an Istio gateway (istio.io/ingress-use-waypoint) has no cluster for a Service its route sends to that is not exported to the waypoint's namespace: 503 (DefaultSidecarScopeForGateway; was 200)", () => {
  const gateway = ISTIO_EDGE + namespace("ops") + httpService("ops", "ledger-v2", { app: "auditor", annotations: '{networking.istio.io/exportTo: "."}' }) + referenceGrant("ops", "bank")
    + serviceRoute("bank", "ledger-split", "ledger", 80, "  rules: [{backendRefs: [{name: ledger-v2, namespace: ops, port: 80}]}]") + "---\n" + pod("ops", "auditor", "10.0.2.10");
  const yaml = world() + ledgerService("{istio.io/use-waypoint: waypoint, istio.io/ingress-use-waypoint: \"true\"}") + waypointGateway("bank") + gateway;
  const r = askEdge(yaml, "/", "GET");
  assert.equal(r.status, 503, "was 200 from ops/auditor");
  assert.match(r.reason ?? "", /Service ops\/ledger-v2 is not exported to namespace bank .*: waypoint bank\/waypoint has no cluster for it/);
  assert.equal(askEdge(yaml.replace('exportTo: "."', 'exportTo: "bank"'), "/", "GET").endpoint, "ops/auditor", "exported to the waypoint's namespace");
});
