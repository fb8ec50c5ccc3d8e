// Junction's rule for objects without creationTimestamp (model/time.ts compareCreated, model/route.ts compareAge,
// docs/routing.md "Objects without creationTimestamp"): an object without one is not yet applied; applying it gives it
// a creation time now, newer than every timestamped object. Of two without one, objects of the Gateway API's shape
// (routes, Envoy Gateway's policies, ListenerSets) are taken in input order, the order `kubectl apply -f` creates
// them in (the one applied first is never the newer; the Gateway API conformance suite applies a newer TCPRoute
// after an older one); Istio's VirtualServices by pilot's own tie-break. When that decides a conflict the answer says
// so (a note): applied within one second, the implementation's tie-break would decide.

import { test } from "node:test";
import assert from "node:assert/strict";
import { explainJson } from "../l7/fixture.js";
import { BASE, gateway, httpRoute, HTTP_ALL } from "../gateway/fixture.js";
import { cli, tempFiles } from "../helpers.js";
import { meshRoute, one, withProxy } from "./fixture.js";

interface Answer { status: number | null; backend?: string | null; route?: string; candidates: { route: string; outcome: string }[]; steps?: { outcome: string }[] }

/** `junction route -o json` of `request` at Gateway infra/gw over BASE + `yaml`. */
async function atGateway(yaml: string, request: string, extra: string[] = []): Promise<Answer> {
  const { dir, cleanup } = tempFiles({ "a.yaml": BASE + yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--request", request, "-o", "json", ...extra]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return (JSON.parse(r.out) as { results: Answer[] }).results[0];
  } finally { cleanup(); }
}

const to = (svc: string) => `backendRefs: [{name: ${svc}, port: 80}]`;
const same = (name: string, svc: string, created?: string) => httpRoute(name, `  rules: [{matches: [{path: {value: /x}}], ${to(svc)}}]`, created ? `, creationTimestamp: '${created}'` : "");
const NOTE = /note: neither (\S+ \S+) nor (\S+ \S+) has a creationTimestamp: \S+ \S+ comes first in the input/;

test("Gateway API: of two routes without creationTimestamp, equal in precedence, the first in the input is the older (kubectl apply creates it first), and the answer notes it; one without a timestamp is newer than one with", async () => {
  const gw = gateway([HTTP_ALL]);
  const untimed = await atGateway(gw + same("b", "v1") + same("a", "v2"), "GET http://x.example/x");
  assert.equal(untimed.backend, "apps/v1", "HTTPRoute apps/b, the first in the input (namespace/name would pick apps/a only if both were created within one second)");
  assert.match(untimed.candidates[1].outcome, NOTE);
  assert.deepEqual(untimed.candidates[1].outcome.match(NOTE)!.slice(1), ["HTTPRoute apps/b", "HTTPRoute apps/a"]);
  assert.match(untimed.candidates[1].outcome, /applied within one second they would tie and the order by namespace\/name would decide/);
  const timed = await atGateway(gw + same("b", "v1", "2024-01-01T00:00:00Z") + same("a", "v2"), "GET http://x.example/x");
  assert.equal(timed.backend, "apps/v1", "apps/b was created in 2024; apps/a is applied now");
  assert.doesNotMatch(timed.candidates[1].outcome, /note:/, "the timestamp decides: no note");
});

test("Envoy Gateway: of two BackendTrafficPolicies on one route without creationTimestamp, the first in the input takes it (the other is Conflicted), and the answer notes it", async () => {
  const eg = gateway([HTTP_ALL]).replace("gatewayClassName: test", "gatewayClassName: eg") + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
  const btp = (name: string, status: number) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}], faultInjection: {abort: {httpStatus: ${status}}}}
`;
  const yaml = eg + httpRoute("web", `  rules: [{${to("v1")}}]`) + btp("b-abort", 503) + btp("a-abort", 418);
  const r = await atGateway(yaml, "GET http://x.example/");
  assert.equal(r.status, 503, "BackendTrafficPolicy apps/b-abort, the first in the input, takes the route");
  assert.ok(r.steps?.some((s) => /BackendTrafficPolicy apps\/a-abort also targets HTTPRoute apps\/web and is Conflicted .*note: neither BackendTrafficPolicy apps\/b-abort nor BackendTrafficPolicy apps\/a-abort has a creationTimestamp: BackendTrafficPolicy apps\/b-abort comes first in the input/.test(s.outcome)), JSON.stringify(r.steps));
});

test("Istio: of two VirtualServices for a Service port made of routes without creationTimestamp, the one of the route first in the input is the older (pilot's tie-break by name decides only within one second), and the dropped one's candidate notes it", async () => {
  const all = meshRoute("shop", "all", "{kind: Service, group: '', name: api}", "  rules: [{backendRefs: [{name: api, namespace: shop, port: 80}]}]");
  const p80 = meshRoute("shop", "p80", "{kind: Service, group: '', name: api, port: 80}", "  rules: [{backendRefs: [{name: api-v2, namespace: shop, port: 80}]}]");
  for (const [yaml, won, lost] of [[all + p80, "all", "p80"], [p80 + all, "p80", "all"]] as const) {
    const a = await explainJson<Answer>(withProxy("istio-proxy") + yaml, "web/client", "GET http://api.shop/x");
    assert.equal(a.route, `HTTPRoute shop/${won}`, "the first in the input (was: p80 both times, pilot's name order shop~80~… before shop~api…)");
    const dropped = a.candidates.find((c) => c.route === `HTTPRoute shop/${lost}`);
    assert.match(dropped?.outcome ?? "", new RegExp(`note: neither HTTPRoute shop/${won} \\(the oldest route of VirtualService shop~\\S+\\) nor HTTPRoute shop/${lost} \\(.*\\) has a creationTimestamp: HTTPRoute shop/${won} .* comes first in the input.*pilot's order \\(by name, then namespace\\) would decide`));
  }
});

/** Service shop/store: 6379 named tcp-redis (TCP), 8443 named tls (TLS). */
const STORE = `---
apiVersion: v1
kind: Service
metadata: {name: store, namespace: shop}
spec: {selector: {app: api, version: v1}, clusterIP: 10.96.0.30, ports: [{name: tcp-redis, port: 6379, targetPort: 8080}, {name: tls, port: 8443, targetPort: 8080}]}
`;
const l4 = (name: string, kind: "TCPRoute" | "TLSRoute", svc: string) =>
  meshRoute("shop", name, "{group: '', kind: Service, name: store}", `  rules:\n  - backendRefs: [{name: ${svc}, namespace: shop, port: 80}]`, kind).replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2");

test("Istio and Linkerd: of two TCPRoutes (TLSRoutes matching the SNI alike) without creationTimestamp, the first in the input is the older, the one rule the HTTP routes follow, and the loser's candidate notes it", () => {
  for (const [first, second] of [["b", "a"], ["a", "b"]]) {
    const tcpRoutes = l4(first, "TCPRoute", "api") + l4(second, "TCPRoute", "api-v2");
    const istio = one(withProxy("istio-proxy") + STORE + tcpRoutes, "web/client", "tcp://store.shop:6379", { scheme: "tcp" });
    assert.deepEqual([istio.route, istio.backend], [`TCPRoute shop/${first}`, "shop/api"], "Istio: the first in the input (was: a both times, by name)");
    assert.match(istio.candidates[1].outcome, new RegExp(`lost: Istio's sidecar takes the first TCPRoute.*note: neither TCPRoute shop/${first} nor TCPRoute shop/${second} has a creationTimestamp: TCPRoute shop/${first} comes first in the input.*pilot's order`));
    const linkerd = one(withProxy("linkerd-proxy") + STORE.replace("name: tcp-redis,", "name: tcp-redis, appProtocol: linkerd.io/opaque,") + tcpRoutes, "web/client", "tcp://store.shop:6379", { scheme: "tcp" });
    assert.deepEqual([linkerd.route, linkerd.backend], [`TCPRoute shop/${first}`, "shop/api"], "Linkerd: the first in the input");
    assert.match(linkerd.candidates[1].outcome, new RegExp(`note: neither TCPRoute shop/${first} nor TCPRoute shop/${second} has a creationTimestamp: TCPRoute shop/${first} comes first in the input.*Linkerd's order \\(by name\\)`));
    const tls = one(withProxy("istio-proxy") + STORE + l4(first, "TLSRoute", "api") + l4(second, "TLSRoute", "api-v2"), "web/client", "https://store.shop:8443/", { scheme: "tls", sni: "store.shop.svc.cluster.local" });
    assert.deepEqual([tls.route, tls.backend], [`TLSRoute shop/${first}`, "shop/api"], "Istio TLSRoutes for the Service's name alike: the first in the input");
    assert.match(tls.candidates.find((c) => c.route === `TLSRoute shop/${second}`)?.outcome ?? "", new RegExp(`matches SNI store.shop.svc.cluster.local as specifically and comes first.*note: neither TLSRoute shop/${first} nor TLSRoute shop/${second} has a creationTimestamp`));
  }
  const timed = one(withProxy("istio-proxy") + STORE + l4("b", "TCPRoute", "api") + l4("a", "TCPRoute", "api-v2").replace("namespace: shop}", "namespace: shop, creationTimestamp: '2024-01-01T00:00:00Z'}"), "web/client", "tcp://store.shop:6379", { scheme: "tcp" });
  assert.equal(timed.route, "TCPRoute shop/a", "a timestamp decides: no note");
  assert.doesNotMatch(timed.candidates[1].outcome, /note:/);
});

test("Linkerd: of two outbound routes without creationTimestamp, equal in precedence, the first in the input is the older (timestamp_then_name sees it created first), and the answer notes it", async () => {
  const route = (name: string, svc: string) => meshRoute("shop", name, "{kind: Service, group: '', name: api, port: 80}", `  rules: [{matches: [{path: {value: /x}}], backendRefs: [{name: ${svc}, port: 80}]}]`);
  const a = await explainJson<Answer>(withProxy("linkerd-proxy") + route("b", "api") + route("a", "api-v2"), "web/client", "GET http://api.shop/x");
  assert.deepEqual([a.route, a.backend], ["HTTPRoute shop/b", "shop/api"], "the first in the input (by name only if created within one second)");
  assert.match(a.candidates[1].outcome, /note: neither HTTPRoute shop\/b nor HTTPRoute shop\/a has a creationTimestamp: HTTPRoute shop\/b comes first in the input.*Linkerd's order \(by name\)/);
});
