// The request walk: routing and policy in one answer. The L3/L4 hop from the client pod to the
// chosen endpoint is decided by every policy tier; a denied hop is a rejected connection naming the
// policy; the L7 authorization layer is reached only by allowed hops and answers through the
// Authorizer interface (engine/authorizer.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import type { AuthorizationRequest, Authorizer } from "../../src/engine/authorizer.js";
import { API_V1, API_V2, CLUSTER, meshRoute, one, tagged, walk } from "./fixture.js";

const onlyFrom = (ns: string, pod: string, fromNs: string, port = 8080) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-${fromNs}, namespace: ${ns}}
spec:
  podSelector: {matchLabels: {app: ${pod}}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${fromNs}}}}], ports: [{port: ${port}}]}]
`;

test("a hop the network policies deny is a rejected connection, with the policy that decided", () => {
  const yaml = CLUSTER + onlyFrom("shop", "api", "ops");
  const denied = one(yaml, "web/client", "http://api.shop/");
  assert.equal(denied.connection, "rejected");
  assert.equal(denied.backend, null);
  assert.equal(denied.status, null);
  assert.equal(denied.decidedBy, "network");
  assert.equal(denied.hop?.verdict.allowed, false);
  assert.equal(denied.hop?.verdict.ingress.by, "isolation");
  assert.deepEqual(denied.hop?.verdict.ingress.selecting.map((p) => p.name), ["only-ops"]);
  const allowed = one(yaml, "ops/client", "http://api.shop/");
  assert.equal(allowed.status, 200);
  assert.equal(allowed.hop?.verdict.ingress.policy?.name, "only-ops");
});

test("the hop is checked on the endpoint's port after routing (targetPort), not on the Service port", () => {
  const yaml = CLUSTER + onlyFrom("shop", "api", "web", 80);
  assert.equal(one(yaml, "web/client", "http://api.shop/").connection, "rejected", "the policy allows port 80; the pod receives on 8080");
});

test("the hop goes to the backend the route chose: a policy on that backend decides", () => {
  const v2only = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {matchLabels: {version: v2}}, policyTypes: [Ingress]}
`;
  const yaml = CLUSTER + v2only + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", `  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}}]
    backendRefs: [{name: api-v2, port: 80}]
  - backendRefs: [{name: api, port: 80}]`);
  const toV2 = one(yaml, "web/client", "http://api.shop/v2");
  assert.equal(toV2.connection, "rejected");
  assert.equal(toV2.route, "HTTPRoute shop/r", "routing still explains where it was going");
  assert.equal(one(yaml, "web/client", "http://api.shop/").endpoint, `shop/${API_V1}`, "the allowed endpoint of Service api is chosen");
});

test("when the policies deny some endpoints of a Service, the answer follows an allowed one and lists the others", () => {
  const yaml = CLUSTER + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: v1-closed, namespace: shop}
spec: {podSelector: {matchLabels: {version: v1}}, policyTypes: [Ingress]}
`;
  const a = one(yaml, "web/client", "http://api.shop/");
  assert.equal(a.status, 200);
  assert.equal(a.endpoint, `shop/${API_V2}`);
  assert.deepEqual(a.hop?.denied.map((d) => d.to.endpoint?.name), [API_V1]);
  assert.match(a.layers.find((l) => l.layer === "network")!.summary, /1 other endpoint is denied/);
});

test("egress policies of the client count too", () => {
  const yaml = CLUSTER + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: no-egress, namespace: web}
spec: {podSelector: {}, policyTypes: [Egress]}
`;
  const a = one(yaml, "web/client", "http://api.shop/");
  assert.equal(a.connection, "rejected");
  assert.equal(a.hop?.verdict.egress.allowed, false);
});

test("a Service without endpoints answers 503 through the proxy; without a proxy kube-proxy rejects the connection", () => {
  const yaml = CLUSTER + `---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: shop}
spec: {selector: {app: nothing}, clusterIP: 10.96.0.99, ports: [{port: 80}]}
`;
  const a = one(yaml, "web/client", "http://empty.shop/");
  assert.deepEqual([a.status, a.decidedBy], [503, "backend"]);
  const noProxy = yaml.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: disabled}}");
  assert.equal(one(noProxy, "web/client", "http://empty.shop/").connection, "rejected");
});

// kube-proxy (pkg/proxy/topology.go CategorizeEndpoints): with no ready endpoint, "try again using
// terminating endpoints" (serving and terminating); mesh proxies send only to ready endpoints (Istio
// endpointHealthStatus, Linkerd endpointSliceToAddresses).
test("mid-rollout, the last pods terminating: without a proxy kube-proxy still connects to a serving one; through the proxy 503", () => {
  const yaml = CLUSTER + `---
apiVersion: v1
kind: Pod
metadata: {name: old-1, namespace: shop, labels: {app: old}, deletionTimestamp: '2026-01-01T00:00:00Z'}
spec: {nodeName: n1, containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: 'True'}]}
---
apiVersion: v1
kind: Pod
metadata: {name: old-2, namespace: shop, labels: {app: old}, deletionTimestamp: '2026-01-01T00:00:00Z'}
spec: {nodeName: n1, containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.1.0.6, conditions: [{type: Ready, status: 'False'}]}
---
apiVersion: v1
kind: Service
metadata: {name: old, namespace: shop}
spec: {selector: {app: old}, clusterIP: 10.96.0.98, ports: [{port: 80, targetPort: http}]}
`;
  const proxied = one(yaml, "web/client", "http://old.shop/");
  assert.deepEqual([proxied.status, proxied.decidedBy], [503, "backend"]);
  assert.match(proxied.layers.find((l) => l.layer === "backend")!.summary, /no ready endpoint; 2 not ready \(1 serving terminating endpoint among them, which only kube-proxy falls back to\)/);
  const noProxy = yaml.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: disabled}}");
  const direct = one(noProxy, "web/client", "http://old.shop/");
  assert.equal(direct.status, 200);
  assert.equal(direct.endpoint, "shop/old-1", "the serving one, not old-2 (terminating and not serving)");
  assert.match(direct.layers.find((l) => l.layer === "network")!.summary, /kube-proxy falls back to the 1 serving terminating endpoint \(CategorizeEndpoints\); the policies allow the hop/);
  // internalTrafficPolicy Local: the client's node has no endpoint: kube-proxy drops the connection.
  const local = noProxy.replace("clusterIP: 10.96.0.98,", "clusterIP: 10.96.0.98, internalTrafficPolicy: Local,");
  const onN2 = local.replace("metadata: {name: client, namespace: web, labels: {app: client}}\nspec: {", "metadata: {name: client, namespace: web, labels: {app: client}}\nspec: {nodeName: n2, ");
  assert.ok(onN2 !== local, "the client is placed on node n2");
  assert.equal(one(onN2, "web/client", "http://old.shop/").connection, "rejected");
  assert.match(one(onN2, "web/client", "http://old.shop/").reason ?? "", /no endpoint serves shop\/old/);
  const onN1 = onN2.replace("nodeName: n2", "nodeName: n1");
  assert.equal(one(onN1, "web/client", "http://old.shop/").endpoint, "shop/old-1");
});

/** A test authorizer: denies what `deny` says, records every question it was asked. */
function recording(deny: (r: AuthorizationRequest) => boolean, denial?: { status?: number; connection?: "failed" }): Authorizer & { asked: AuthorizationRequest[] } {
  const asked: AuthorizationRequest[] = [];
  return {
    name: "test", asked,
    authorize(r) {
      asked.push(r);
      return deny(r) ? { verdict: "deny", enforcer: "test", summary: "denied by the test authorizer", trace: [], denial } : { verdict: "undecided", enforcer: "test", summary: "no opinion", trace: [] };
    },
  };
}

test("the authorizer sees the client, the server endpoint and port, identities and the request as routed", () => {
  const a = recording(() => false);
  const yaml = CLUSTER + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", `  rules:
  - filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /rewritten}}}]
    backendRefs: [{name: api-v2, port: 80}]`);
  const answer = one(yaml, "web/client", "http://api.shop/orig", {}, { authorizers: [a] });
  assert.equal(answer.status, 200);
  const q = a.asked[0];
  assert.equal(q.client.endpoint?.name, "client");
  assert.equal(q.client.identity.principal, "cluster.local/ns/web/sa/default");
  assert.equal(q.server.endpoint?.name, API_V2);
  assert.deepEqual([q.port, q.protocol, q.mutualTls], [8080, "TCP", true]);
  assert.equal(q.http?.path, "/rewritten");
  assert.deepEqual(q.service, { name: "shop/api", port: 80 });
  assert.equal(q.network?.allowed, true);
});

test("an authorization denial is 403 for HTTP, PERMISSION_DENIED for gRPC, a closed connection for TCP", () => {
  const deny = recording(() => true);
  const http = one(CLUSTER, "web/client", "http://api.shop/", {}, { authorizers: [deny] });
  assert.deepEqual([http.status, http.backend, http.decidedBy], [403, null, "authorization"]);
  const grpc = one(CLUSTER, "web/client", "http://api.shop:7070/pkg.S/M", { protocol: "grpc", method: "POST" }, { authorizers: [deny] });
  assert.equal(grpc.grpcCode, "PERMISSION_DENIED");
  const tcp = one(CLUSTER, "web/client", "tcp://api.shop:8080", { scheme: "tcp" }, { authorizers: [deny] });
  assert.deepEqual([tcp.connection, tcp.backend], ["failed", null]);
});

test("authorizers are asked only about hops the network policies allow", () => {
  const a = recording(() => false);
  one(CLUSTER + onlyFrom("shop", "api", "ops"), "web/client", "http://api.shop/", {}, { authorizers: [a] });
  assert.equal(a.asked.length, 0);
});

test("a TCP request reaches the Service's endpoint as a connection", () => {
  const a = one(CLUSTER, "web/client", "tcp://api.shop:8080", { scheme: "tcp" });
  assert.deepEqual([a.status, a.connection, a.backend, a.endpoint], [null, undefined, "shop/api", `shop/${API_V1}`]);
});

test("producer routes are explained alongside the policy verdict in one answer", () => {
  const yaml = CLUSTER + onlyFrom("shop", "api", "web") + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", tagged("api-v2", "x"));
  const a = one(yaml, "web/client", "http://api.shop/");
  assert.deepEqual(a.layers.map((l) => `${l.layer}:${l.outcome}`), ["entry:passed", "routing:passed", "network:passed", "backend:decided"]);
  assert.equal(a.routeRole, "producer");
  assert.equal(a.hop?.verdict.ingress.policy?.name, "only-web");
});

test("a Gateway request: the hop from the Gateway's pod to the backend pod is checked when the Gateway's pods are in the input", () => {
  const gw = (withPod: boolean) => CLUSTER + onlyFrom("shop", "api", "web") + `---
apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: c}
spec: {controllerName: example.com/gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec: {gatewayClassName: c, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec: {parentRefs: [{name: edge, namespace: infra}], rules: [{backendRefs: [{name: api, port: 80}]}]}
` + (withPod ? `---
apiVersion: v1
kind: Pod
metadata: {name: edge-1, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: edge}}
spec: {containers: [{name: envoy, image: envoy}]}
status: {podIP: 10.9.0.1}
` : "");
  const req = { gateway: "infra/edge", scheme: "http" as const, host: "shop.example.com", path: "/", method: "GET", headers: [], backendResponseHeaders: [] };
  const checked = walk(gw(true), [req])[0];
  assert.deepEqual([checked.connection, checked.decidedBy, checked.hop?.verdict.ingress.by], ["rejected", "network", "isolation"]);
  assert.equal(checked.route, "HTTPRoute shop/r");
  const unchecked = walk(gw(false), [req])[0];
  assert.deepEqual([unchecked.status, unchecked.backend, unchecked.hop], [200, "shop/api", undefined]);
  assert.match(unchecked.layers.find((l) => l.layer === "network")!.summary, /Gateway's pods .* are not in the input/);
});

test("a Service without a selector routes to its manual EndpointSlices: the hop goes to the slice's address", () => {
  const yaml = CLUSTER + `---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: shop}
spec: {clusterIP: 10.96.0.20, ports: [{name: http, port: 80, targetPort: 9000}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: legacy-1, namespace: shop, labels: {kubernetes.io/service-name: legacy}}
addressType: IPv4
ports: [{name: http, port: 9000, protocol: TCP}]
endpoints:
- {addresses: [192.0.2.50], conditions: {ready: true}}
- {addresses: [192.0.2.51], conditions: {ready: false}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: web}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 192.0.2.50/32}}], ports: [{port: 9000}]}]
`;
  const a = one(yaml, "web/client", "http://legacy.shop/");
  assert.deepEqual([a.status, a.endpoint, a.hop?.to.port, a.hop?.endpoints], [200, "192.0.2.50", 9000, 1], "the unready address takes no traffic");
  assert.equal(a.hop?.verdict.egress.policy?.name, "web-egress");
  assert.equal(one(yaml, "ops/client", "http://legacy.shop/").status, 200);
});

test("a Service whose endpoints are all unready answers 503 to a proxied client", () => {
  const yaml = CLUSTER.replace("status: {podIP: 10.1.0.1}", "status: {podIP: 10.1.0.1, phase: Running, conditions: [{type: Ready, status: 'False'}]}")
    .replace("status: {podIP: 10.1.0.2}", "status: {podIP: 10.1.0.2, phase: Running, conditions: [{type: Ready, status: 'False'}]}");
  const a = one(yaml, "web/client", "http://api.shop/");
  assert.deepEqual([a.status, a.decidedBy], [503, "backend"]);
});
