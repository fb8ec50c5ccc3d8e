// Istio's classic ingress Gateway (networking.istio.io Gateway, sources/istio/gateway.ts) with the
// VirtualServices bound to it (engine/mesh/istio-gateway.ts, walk/istio-ingress-entry.ts): pilot's
// model/gateway.go mergeGateways, core/gateway.go buildGatewayHTTPRouteConfig (virtual hosts from the
// server hosts a VirtualService's namespace may bind, httpsRedirect, a 404 for a host no virtual host
// has), route.go SortVHostRoutes and sourceMatchHTTP with the gateway's name; the gateway pods'
// AuthorizationPolicies and the peer their Envoy appends to X-Forwarded-For. Before: the kind was not
// read ("kinds Junction does not read") and a VirtualService bound to it only was an info note: no
// request through an Istio ingress gateway had an answer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const WORLD = `apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-7d9f-abcde, namespace: istio-system, labels: {istio: ingressgateway, app: istio-ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxyv2, ports: [{containerPort: 8080}, {containerPort: 8443}]}]}
status: {podIP: 10.0.9.1}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway}
  clusterIP: 10.96.9.1
  ports: [{name: http2, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}]
status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: productpage-v1-abc, namespace: shop, labels: {app: productpage, version: v1}}
spec: {containers: [{name: app, image: app, ports: [{containerPort: 9080}]}, {name: istio-proxy, image: proxyv2}]}
status: {podIP: 10.1.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v1-abc, namespace: shop, labels: {app: reviews, version: v1}}
spec: {containers: [{name: app, image: app, ports: [{containerPort: 9080}]}, {name: istio-proxy, image: proxyv2}]}
status: {podIP: 10.1.0.6}
---
apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: shop}
spec: {selector: {app: productpage}, clusterIP: 10.96.1.5, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {selector: {app: reviews}, clusterIP: 10.96.1.6, ports: [{name: http, port: 9080}]}
`;

const GATEWAY = (servers: string, ns = "shop", name = "bookinfo-gateway") => `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers:
${servers}
`;

const HTTP_SERVERS = `  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["bookinfo.example.com"]
  - port: {number: 80, name: http-redirect, protocol: HTTP}
    hosts: ["secure.example.com"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["secure.example.com"]
    tls: {mode: SIMPLE, credentialName: secure-cert}
  - port: {number: 8443, name: mtls, protocol: HTTPS}
    hosts: ["secure.example.com"]
    tls: {mode: MUTUAL, credentialName: secure-cert}`;

const vs = (name: string, spec: string, ns = "shop", created = "2024-01-01T00:00:00Z") => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${created}"}
spec:
${spec}
`;

const BOOKINFO = vs("bookinfo", `  hosts: ["bookinfo.example.com", "secure.example.com"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {prefix: /reviews}}]
    route: [{destination: {host: reviews, port: {number: 9080}}}]
  - route: [{destination: {host: productpage, port: {number: 9080}}}]`);

interface Answer { status: number | null; connection?: string; reason: string; route?: string; rule?: number; endpoint?: string; gateway?: string; listener?: string; unknown?: string; redirect?: { location: string } | null; candidates: { route: string; outcome: string }[]; authorization: { verdict: string; summary: string }[] }

async function ask(yaml: string, request: string, args: string[] = []): Promise<Answer> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--request", request, ...args, "-o", "json"]);
    assert.equal(r.code, 0, r.err + r.out);
    return JSON.parse(r.out).results[0];
  } finally { cleanup(); }
}

test("a request to the ingress gateway is routed by the VirtualService bound to it (was: no Gateway listens on port 80)", async () => {
  const yaml = WORLD + GATEWAY(HTTP_SERVERS) + BOOKINFO;
  const reviews = await ask(yaml, "GET http://bookinfo.example.com/reviews/1");
  assert.equal(reviews.status, 200);
  assert.equal(reviews.gateway, "shop/bookinfo-gateway");
  assert.equal(reviews.route, "VirtualService shop/bookinfo");
  assert.equal(reviews.rule, 0);
  assert.equal(reviews.endpoint, "shop/reviews-v1-abc");
  const page = await ask(yaml, "GET http://bookinfo.example.com/");
  assert.equal(page.rule, 1);
  assert.equal(page.endpoint, "shop/productpage-v1-abc");
  // By the load balancer's address with a Host header, and by the Service's DNS name.
  const byAddress = await ask(yaml, "GET http://203.0.113.10/reviews", ["-H", "Host: bookinfo.example.com"]);
  assert.equal(byAddress.endpoint, "shop/reviews-v1-abc");
  const inCluster = await ask(yaml, "GET http://istio-ingressgateway.istio-system/", ["-H", "Host: bookinfo.example.com"]);
  assert.equal(inCluster.endpoint, "shop/productpage-v1-abc");
});

test("a host no virtual host has: 404 (NR); httpsRedirect: 301 to https; HTTPS terminated by SNI; MUTUAL without a client certificate fails", async () => {
  const yaml = WORLD + GATEWAY(HTTP_SERVERS) + BOOKINFO;
  const other = await ask(yaml, "GET http://other.example.com/");
  assert.equal(other.status, 404);
  assert.match(other.reason, /no virtual host of route configuration http\.80 \(bookinfo\.example\.com, secure\.example\.com\) matches host other\.example\.com/);
  const redirect = await ask(yaml, "GET http://secure.example.com/x?y=1");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.redirect?.location, "https://secure.example.com/x?y=1");
  const https = await ask(yaml, "GET https://secure.example.com/reviews");
  assert.equal(https.status, 200);
  assert.equal(https.listener, "https");
  assert.equal(https.endpoint, "shop/reviews-v1-abc");
  const wrongSni = await ask(yaml, "GET https://bookinfo.example.com/");
  assert.equal(wrongSni.connection, "failed");
  assert.match(wrongSni.reason, /no filter chain of port 443 matches SNI bookinfo\.example\.com \(server https: secure\.example\.com\)/);
  const mutual = await ask(yaml, "GET https://secure.example.com:8443/");
  assert.equal(mutual.connection, "failed");
  assert.match(mutual.reason, /MUTUAL: the gateway requires a client certificate/);
});

test("server hosts NS/host bind only that namespace's VirtualServices; ./host the Gateway's namespace", async () => {
  const other = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["ops/bookinfo.example.com"]`) + BOOKINFO;
  assert.equal((await ask(WORLD + other, "GET http://bookinfo.example.com/")).status, 404);
  const own = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["./bookinfo.example.com"]`) + BOOKINFO;
  assert.equal((await ask(WORLD + own, "GET http://bookinfo.example.com/")).status, 200);
  // A VirtualService of istio-system binding shop/bookinfo-gateway: its namespace is not shop.
  const elsewhere = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["./bookinfo.example.com"]`) + vs("bookinfo", `  hosts: ["bookinfo.example.com"]\n  gateways: [shop/bookinfo-gateway]\n  http:\n  - route: [{destination: {host: productpage.shop.svc.cluster.local, port: {number: 9080}}}]`, "istio-system");
  assert.equal((await ask(WORLD + elsewhere, "GET http://bookinfo.example.com/")).status, 404);
});

test("one host of two VirtualServices: their routes in order with the catch-all ones last (SortVHostRoutes); a match whose gateways name only mesh is not the gateway's", async () => {
  const gw = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]`);
  const first = vs("all", `  hosts: ["bookinfo.example.com"]\n  gateways: [bookinfo-gateway]\n  http:\n  - route: [{destination: {host: productpage, port: {number: 9080}}}]`, "shop", "2024-01-01T00:00:00Z");
  const second = vs("reviews", `  hosts: ["bookinfo.example.com"]\n  gateways: [bookinfo-gateway]\n  http:\n  - match: [{uri: {prefix: /reviews}, gateways: [mesh]}]\n    route: [{destination: {host: productpage, port: {number: 9080}}}]\n  - match: [{uri: {prefix: /reviews}}]\n    route: [{destination: {host: reviews, port: {number: 9080}}}]`, "shop", "2024-02-01T00:00:00Z");
  const a = await ask(WORLD + gw + first + second, "GET http://bookinfo.example.com/reviews");
  assert.equal(a.route, "VirtualService shop/reviews");
  assert.equal(a.rule, 1);
  assert.equal(a.endpoint, "shop/reviews-v1-abc");
  assert.equal((await ask(WORLD + gw + first + second, "GET http://bookinfo.example.com/")).route, "VirtualService shop/all");
});

const DENY_ADMIN = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules: [{to: [{operation: {ports: ["8080"], paths: ["/admin*"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-office, namespace: shop}
spec:
  selector: {matchLabels: {app: productpage}}
  action: ALLOW
  rules: [{from: [{source: {remoteIpBlocks: ["198.51.100.0/24"]}}]}]
`;

test("the gateway pods' AuthorizationPolicy denies before routing (its ports are the listener's, the Service's target port 8080, not the 80 dialled); the backend's sidecar reads the peer the gateway appends to X-Forwarded-For", async () => {
  const yaml = WORLD.replace("type: LoadBalancer", "type: LoadBalancer\n  externalTrafficPolicy: Local") + GATEWAY(HTTP_SERVERS) + BOOKINFO + DENY_ADMIN;
  const admin = await ask(yaml, "GET http://bookinfo.example.com/admin/x");
  assert.equal(admin.status, 403);
  assert.match(admin.reason, /DENY AuthorizationPolicy istio-system\/deny-admin/);
  const office = await ask(yaml, "GET http://bookinfo.example.com/", ["--from", "ip:198.51.100.7", "--gateway", "shop/bookinfo-gateway"]);
  assert.equal(office.status, 200);
  const outside = await ask(yaml, "GET http://203.0.113.10/", ["--from", "ip:192.0.2.7", "-H", "Host: bookinfo.example.com"]);
  assert.equal(outside.status, 403);
  // externalTrafficPolicy Cluster: kube-proxy masquerades the client to a node's address, which the input does not hold.
  const masqueraded = await ask(WORLD + GATEWAY(HTTP_SERVERS) + BOOKINFO + DENY_ADMIN, "GET http://bookinfo.example.com/", ["--from", "ip:198.51.100.7", "--gateway", "shop/bookinfo-gateway"]);
  assert.equal(masqueraded.status, null);
  assert.match(masqueraded.unknown ?? "", /masqueraded/);
});

test("what istiod refuses in a Gateway is an error naming file, line and field", async () => {
  const { dir, cleanup } = tempFiles({ "gw.yaml": GATEWAY(`  - port: {number: 443, protocol: HTTPS}\n    hosts: ["bookinfo"]`) });
  try {
    const r = await cli(["validate", "-f", dir]);
    assert.equal(r.code, 1);
    assert.match(r.out + r.err, /gw\.yaml:9 spec\.servers\[0\]\.hosts\[0\]: short names \(non FQDN\) are not allowed/);
    assert.match(r.out + r.err, /gw\.yaml:8 spec\.servers\[0\]\.port: port name must be set/);
    assert.match(r.out + r.err, /server must have TLS settings for HTTPS\/TLS protocols/);
  } finally { cleanup(); }
});

const DB = `---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec: {containers: [{name: app, image: db, ports: [{containerPort: 5432}]}, {name: istio-proxy, image: proxyv2}]}
status: {podIP: 10.1.0.7}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: db}, clusterIP: 10.96.1.7, ports: [{name: tcp, port: 5432}]}
`;

const EDGE = GATEWAY(`  - port: {number: 8444, name: passthrough, protocol: TLS}
    hosts: ["*.internal.example.com"]
    tls: {mode: PASSTHROUGH}
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]`, "shop", "edge");

test("a PASSTHROUGH server: a chain per bound tls route's match, Envoy picks it by SNI; none: the connection is closed (was: unknown, not modelled)", async () => {
  const routes = vs("edge", `  hosts: ["*.internal.example.com"]
  gateways: [edge]
  tls:
  - match: [{sniHosts: ["db.internal.example.com"]}]
    route: [{destination: {host: db, port: {number: 5432}}}]
  - match: [{sniHosts: ["reviews.internal.example.com"]}]
    route: [{destination: {host: reviews, port: {number: 9080}}}]`);
  // A later VirtualService naming an SNI host an earlier chain has: skipped (CheckDuplicates).
  const later = vs("late", `  hosts: ["*.internal.example.com"]\n  gateways: [edge]\n  tls:\n  - match: [{sniHosts: ["db.internal.example.com"]}]\n    route: [{destination: {host: reviews, port: {number: 9080}}}]`, "shop", "2024-03-01T00:00:00Z");
  const yaml = WORLD + DB + EDGE + routes + later;
  const db = await ask(yaml, "tls://db.internal.example.com:8444");
  assert.equal(db.route, "VirtualService shop/edge");
  assert.equal(db.rule, 0);
  assert.equal(db.endpoint, "shop/db-0");
  assert.equal((await ask(yaml, "tls://reviews.internal.example.com:8444")).endpoint, "shop/reviews-v1-abc");
  const none = await ask(yaml, "tls://x.internal.example.com:8444");
  assert.equal(none.connection, "failed");
  assert.match(none.reason, /no filter chain of port 8444 matches SNI x\.internal\.example\.com/);
});

test("a TCP server: the first bound VirtualService whose hosts match the server's with a tcp route for the port (was: unknown, not modelled)", async () => {
  const other = vs("other-port", `  hosts: ["*"]\n  gateways: [edge]\n  tcp:\n  - match: [{port: 9999}]\n    route: [{destination: {host: reviews, port: {number: 9080}}}]`, "shop", "2024-01-01T00:00:00Z");
  const tcp = vs("tcp", `  hosts: ["*"]\n  gateways: [edge]\n  tcp:\n  - match: [{port: 31400}]\n    route: [{destination: {host: db, port: {number: 5432}}}]`, "shop", "2024-02-01T00:00:00Z");
  const a = await ask(WORLD + DB + EDGE + other + tcp, "tcp://:31400");
  assert.equal(a.route, "VirtualService shop/tcp");
  assert.equal(a.endpoint, "shop/db-0");
  const none = await ask(WORLD + DB + EDGE + other, "tcp://:31400");
  assert.equal(none.connection, "failed");
  assert.match(none.reason, /listener missed network filter/);
});

test("no Service in front of the gateway's pods: the one its installation makes (Helm chart: LoadBalancer, externalTrafficPolicy unset) masquerades an outside client, so the peer the backend reads is unknown", async () => {
  const start = WORLD.indexOf("---\napiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway");
  const end = WORLD.indexOf("---", start + 3);
  const noService = WORLD.slice(0, start) + WORLD.slice(end);
  const a = await ask(noService + GATEWAY(HTTP_SERVERS) + BOOKINFO + DENY_ADMIN, "GET http://bookinfo.example.com/", ["--from", "ip:198.51.100.7", "--gateway", "shop/bookinfo-gateway"]);
  assert.equal(a.status, null);
  assert.match(a.unknown ?? "", /the one an Istio ingress gateway's installation makes \(the gateway Helm chart's\)/);
});
