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
import { SERVER, CA_A } from "../fixtures/tls.js";

/** A serving certificate Secret of the gateway pods' namespace (what credentialName names), with a client CA when `ca`. */
const SECRET = (name: string, ns = "istio-system", ca = false) => `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${ns}}
type: kubernetes.io/tls
data: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}${ca ? `, ca.crt: ${Buffer.from(CA_A).toString("base64")}` : ""}}
`;

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
spec: {containers: [{name: istio-proxy, image: proxyv2, ports: [{containerPort: 8080}, {containerPort: 8443}, {containerPort: 9443}]}]}
status: {podIP: 10.0.9.1}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway}
  clusterIP: 10.96.9.1
  ports: [{name: http2, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}, {name: mtls, port: 9443, targetPort: 9443}]
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
${SECRET("secure-cert", "istio-system", true)}${SECRET("c", "istio-system", true)}`;

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
  - port: {number: 9443, name: mtls, protocol: HTTPS}
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
  assert.match(other.reason, /no virtual host of route configuration http\.8080 \(bookinfo\.example\.com, secure\.example\.com\) matches host other\.example\.com/);
  const redirect = await ask(yaml, "GET http://secure.example.com/x?y=1");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.redirect?.location, "https://secure.example.com/x?y=1");
  const https = await ask(yaml, "GET https://secure.example.com/reviews");
  assert.equal(https.status, 200);
  assert.equal(https.listener, "https");
  assert.equal(https.endpoint, "shop/reviews-v1-abc");
  const wrongSni = await ask(yaml, "GET https://bookinfo.example.com/");
  assert.equal(wrongSni.connection, "failed");
  assert.match(wrongSni.reason, /no filter chain of port 443 \(the listener on its target port 8443\) matches SNI bookinfo\.example\.com \(server https: secure\.example\.com\)/);
  const mutual = await ask(yaml, "GET https://secure.example.com:9443/");
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

test("a server listens on the target port its number resolves to (model/gateway.go resolvePorts: the first Service port of that number in front of the proxy, else the number as-is): a server written with the target port 8080 serves the Service port 80 (was: no server listens on port 80); two servers resolving to one port merge there", async () => {
  const yaml = WORLD + GATEWAY(`  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`) + BOOKINFO;
  const viaLb = await ask(yaml, "GET http://203.0.113.10/reviews", ["-H", "Host: bookinfo.example.com"]);
  assert.equal(viaLb.status, 200, viaLb.reason);
  assert.equal(viaLb.endpoint, "shop/reviews-v1-abc");
  // A VirtualService match on port 8080 is the server's port number (buildGatewayHTTPRouteConfig: port := server.Port.Number), not the 80 dialled.
  const byPort = vs("bookinfo", `  hosts: ["bookinfo.example.com"]\n  gateways: [bookinfo-gateway]\n  http:\n  - match: [{port: 8080}]\n    route: [{destination: {host: reviews, port: {number: 9080}}}]`);
  assert.equal((await ask(WORLD + GATEWAY(`  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`) + byPort, "GET http://bookinfo.example.com/")).endpoint, "shop/reviews-v1-abc");
  // Port 443 (to 8443) and a server written as 8443 (no Service port 8443: as-is) share listener 8443: the later with the same host is skipped (CheckDuplicates).
  const twice = WORLD + GATEWAY(`  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: {mode: SIMPLE, credentialName: c}\n  - port: {number: 8443, name: mtls, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: {mode: MUTUAL, credentialName: c}`) + BOOKINFO;
  const simple = await ask(twice, "GET https://secure.example.com/reviews");
  assert.equal(simple.status, 200, simple.reason);
  assert.equal(simple.listener, "https");
});

test("validateTLSOptions and validateServerBind as istiod runs them: MUTUAL with tlsCertificates still needs caCertificates, each entry a certificate and a key; one certificate source in every mode but ISTIO_MUTUAL; ISTIO_MUTUAL takes no tlsCertificates or credentialNames; caCrl not with credentialName or SIMPLE; a unix socket server with port number 0 and an absolute path (was: accepted, the server routed)", async () => {
  const server = (tls: string) => `  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: ${tls}`;
  const cases: [string, RegExp][] = [
    ["{mode: MUTUAL, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}", /spec\.servers\[0\]\.tls: MUTUAL TLS requires a client CA bundle/],
    ["{mode: SIMPLE, tlsCertificates: [{serverCertificate: /c.pem}]}", /spec\.servers\[0\]\.tls\.tlsCertificates\[0\]: SIMPLE TLS requires a private key/],
    ["{mode: PASSTHROUGH, credentialName: a, serverCertificate: /c.pem, privateKey: /k.pem}", /only one of credential_name, credential_names, server_certificate\/private_key, tls_certificates should be specified/],
    ["{mode: ISTIO_MUTUAL, credentialNames: [a]}", /ISTIO_MUTUAL TLS cannot have associated credentialNames/],
    ["{mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem, caCrl: /crl.pem}", /spec\.servers\[0\]\.tls\.caCrl: CRL is not supported with SIMPLE TLS/],  ];
  // validateServerBind: a unix socket's server has port number 0 and an absolute path.
  for (const [server, want] of [["  - port: {number: 80, name: http, protocol: HTTP}\n    bind: unix:///var/run/gw.sock\n    hosts: [\"a.example.com\"]", /spec\.servers\[0\]\.port\.number: port number must be 0 for unix domain socket/], ["  - port: {number: 0, name: http, protocol: HTTP}\n    bind: unix://run/gw.sock\n    hosts: [\"a.example.com\"]", /spec\.servers\[0\]\.bind: run\/gw\.sock is not an absolute path to a file/]] as const) {
    const { dir, cleanup } = tempFiles({ "gw.yaml": GATEWAY(server) });
    try { const r = await cli(["validate", "-f", dir]); assert.equal(r.code, 1, r.out + r.err); assert.match(r.out + r.err, want); } finally { cleanup(); }
  }
  for (const [tls, want] of cases) {
    const { dir, cleanup } = tempFiles({ "gw.yaml": GATEWAY(server(tls)) });
    try {
      const r = await cli(["validate", "-f", dir]);
      assert.equal(r.code, 1, `${tls}: ${r.out}${r.err}`);
      assert.match(r.out + r.err, want, tls);
    } finally { cleanup(); }
  }
  // Accepted: MUTUAL with its CA and a pair; SIMPLE with a credentialName (fetched remotely, nothing else checked).
  for (const tls of ["{mode: MUTUAL, caCertificates: /ca.pem, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}", "{mode: SIMPLE, credentialName: a, caCrl: /crl.pem}"]) {
    const { dir, cleanup } = tempFiles({ "gw.yaml": GATEWAY(server(tls)) });
    try { const r = await cli(["validate", "-f", dir]); assert.equal(r.code, 0, `${tls}: ${r.out}${r.err}`); } finally { cleanup(); }
  }
});

test("the gateway's pods not in the input: an AuthorizationPolicy that may select them (root namespace or the Gateway's, a selector not contradicting the Gateway's) makes the answer unknown, as their Envoy enforces it before routing (was: 200 past a DENY of everything)", async () => {
  const noPods = WORLD.split("---\n").filter((d) => !d.includes("istio-ingressgateway")).join("---\n");
  const policy = (ns: string, selector: string, action = "DENY") => `---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: ${ns}}\nspec: {selector: {matchLabels: ${selector}}, action: ${action}, rules: [{}]}\n`;
  const yaml = noPods + GATEWAY(HTTP_SERVERS) + BOOKINFO;
  const denied = await ask(yaml + policy("istio-system", "{istio: ingressgateway}"), "GET http://bookinfo.example.com/");
  assert.equal(denied.status, null);
  assert.match(denied.unknown ?? "", /AuthorizationPolicies istio-system\/p may select them/);
  // A selector with labels of its own may still select them; the Gateway's namespace's policies too.
  assert.equal((await ask(yaml + policy("shop", "{app: gw}", "ALLOW"), "GET http://bookinfo.example.com/")).status, null);
  // One that cannot select them (another value of the selector's label), an AUDIT, another namespace's: the answer stands.
  for (const p of [policy("istio-system", "{istio: egressgateway}"), policy("istio-system", "{istio: ingressgateway}", "AUDIT"), policy("ops", "{istio: ingressgateway}")]) {
    assert.equal((await ask(yaml + p, "GET http://bookinfo.example.com/")).status, 200, p);
  }
});

test("an ISTIO_MUTUAL server asks for an Istio workload certificate: a pod without an Istio proxy has none and its handshake fails (was: any pod of the input passed)", async () => {
  const plain = `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: curl, namespace: web, labels: {app: curl}}\nspec: {containers: [{name: app, image: curl}]}\nstatus: {podIP: 10.2.0.9}\n`;
  const gw = GATEWAY(`  - port: {number: 9443, name: mtls, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: {mode: ISTIO_MUTUAL}`);
  const r = await ask(WORLD + plain + gw + BOOKINFO, "GET https://istio-ingressgateway.istio-system:9443/", ["--from", "web/curl", "--sni", "secure.example.com", "-H", "Host: secure.example.com"]);
  assert.equal(r.connection, "failed", r.reason);
  assert.match(r.reason, /ISTIO_MUTUAL: the gateway asks for an Istio workload certificate, which a client without an Istio proxy does not have/);
});

test("a server with bind listens on that address only (a listener per bind): not modelled, the answer on its port is unknown as docs/mesh.md says (was: routed as if it listened on every address)", async () => {
  const gw = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    bind: 10.0.9.200\n    hosts: ["bookinfo.example.com"]`);
  const r = await ask(WORLD + gw + BOOKINFO, "GET http://bookinfo.example.com/");
  assert.equal(r.status, null);
  assert.match(r.unknown ?? "", /server http of Gateway shop\/bookinfo-gateway binds to 10\.0\.9\.200/);
});

const SUBSETS = `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
`;

test("an AUTO_PASSTHROUGH server: a chain per Service port (and DestinationRule subset) the gateway sees, by SNI outbound_.PORT_.SUBSET_.HOST, for Istio's mTLS ALPNs only, straight to the cluster with no VirtualService (was: unknown, not modelled)", async () => {
  const gw = GATEWAY(`  - port: {number: 9443, name: tls, protocol: TLS}\n    hosts: ["*.local"]\n    tls: {mode: AUTO_PASSTHROUGH}`, "istio-system", "cross-network");
  const yaml = WORLD + gw + SUBSETS;
  const from = ["--from", "shop/productpage-v1-abc"];
  // The application's own TLS, passed on by its sidecar as it is, offers its own ALPNs, not Istio's mTLS ones: the chain of its SNI does not match (was: passed through, a wrong allow).
  const plain = await ask(yaml, "tls://istio-ingressgateway.istio-system:9443", [...from, "--sni", "outbound_.9080_._.reviews.shop.svc.cluster.local"]);
  assert.equal(plain.connection, "failed", plain.reason);
  assert.equal(plain.endpoint, undefined);
  assert.match(plain.reason, /Istio's mTLS ALPNs only .* the application's own TLS, which its sidecar passes on as it is, does not offer/);
  // The chains are still one per cluster: the subset's SNI picks the subset's chain, which asks for the same ALPNs.
  const v1 = await ask(yaml, "tls://istio-ingressgateway.istio-system:9443", [...from, "--sni", "outbound_.9080_.v1_.reviews.shop.svc.cluster.local"]);
  assert.equal(v1.connection, "failed");
  assert.match(v1.reason, /Istio's mTLS ALPNs only/, "the subset's SNI has a chain (a name of no cluster has none, below)");
  // No chain for a name that is no cluster's; a client outside the mesh offers no Istio ALPN.
  const other = await ask(yaml, "tls://istio-ingressgateway.istio-system:9443", [...from, "--sni", "reviews.shop.svc.cluster.local"]);
  assert.equal(other.connection, "failed");
  assert.match(other.reason, /no filter chain of port 9443 matches SNI reviews\.shop\.svc\.cluster\.local/);
  const outside = await ask(yaml, "tls://203.0.113.10:9443", ["--sni", "outbound_.9080_._.reviews.shop.svc.cluster.local"]);
  assert.equal(outside.connection, "failed");
  assert.match(outside.reason, /Istio's mTLS ALPNs only .* a client outside the mesh does not offer/);
  // A server host of another domain gives the Service no chain.
  const narrow = WORLD + GATEWAY(`  - port: {number: 9443, name: tls, protocol: TLS}\n    hosts: ["*.example.com"]\n    tls: {mode: AUTO_PASSTHROUGH}`, "istio-system", "cross-network");
  assert.equal((await ask(narrow, "tls://istio-ingressgateway.istio-system:9443", [...from, "--sni", "outbound_.9080_._.reviews.shop.svc.cluster.local"])).connection, "failed");
});

test("credentialName: the Secret is read in the gateway pods' namespace; one not in the input, in the Gateway's namespace only, or named in another namespace leaves the chain without a certificate and the TLS handshake fails (was: 200); MUTUAL needs its client CA (ca.crt, or Secret NAME-cacert)", async () => {
  const https = (cred: string, mode = "SIMPLE") => GATEWAY(`  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: {mode: ${mode}, credentialName: ${cred}}`);
  const noSecret = WORLD.split("---\n").filter((d) => !d.includes("kind: Secret")).join("---\n");
  const missing = await ask(noSecret + https("secure-cert") + BOOKINFO, "GET https://secure.example.com/");
  assert.equal(missing.connection, "failed");
  assert.match(missing.reason, /credentialName secure-cert: the input holds no Secret istio-system\/secure-cert .*: the TLS handshake on server https's filter chain fails/);
  const gatewayNs = await ask(noSecret + SECRET("secure-cert", "shop") + https("secure-cert") + BOOKINFO, "GET https://secure.example.com/");
  assert.equal(gatewayNs.connection, "failed");
  const named = await ask(noSecret + SECRET("secure-cert", "shop") + https("shop/secure-cert") + BOOKINFO, "GET https://secure.example.com/");
  assert.equal(named.connection, "failed");
  assert.match(named.reason, /names a Secret of namespace shop, not the gateway pods' namespace istio-system/);
  assert.equal((await ask(noSecret + SECRET("secure-cert") + https("secure-cert") + BOOKINFO, "GET https://secure.example.com/")).status, 200);
  // MUTUAL: no CA in the Secret and no NAME-cacert Secret: no validation context; a NAME-cacert one holds it.
  const mutual = await ask(noSecret + SECRET("secure-cert") + https("secure-cert", "MUTUAL") + BOOKINFO, "GET https://secure.example.com/");
  assert.equal(mutual.connection, "failed");
  assert.match(mutual.reason, /is MUTUAL and Secret istio-system\/secure-cert \(no Secret secure-cert-cacert\) holds no client CA/);
  const cacert = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: secure-cert-cacert, namespace: istio-system}\ndata: {ca.crt: ${Buffer.from(CA_A).toString("base64")}}\n`;
  const withCa = await ask(noSecret + SECRET("secure-cert") + cacert + https("secure-cert", "MUTUAL") + BOOKINFO, "GET https://secure.example.com/");
  assert.match(withCa.reason, /MUTUAL: the gateway requires a client certificate/);
});

test("a plain-text HTTP server after TLS ones on a port: one more chain of the listener, with no match, serving plain-text connections (was: skipped, not modelled); before them, the TLS servers are skipped (canMergeProtocols); with a TLS chain of any SNI Envoy rejects the listener", async () => {
  const tlsFirst = GATEWAY(`  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: {mode: SIMPLE, credentialName: secure-cert}\n  - port: {number: 443, name: plain, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`);
  const yaml = WORLD + tlsFirst + BOOKINFO;
  const plain = await ask(yaml, "GET http://bookinfo.example.com:443/reviews");
  assert.equal(plain.status, 200, plain.reason);
  assert.equal(plain.endpoint, "shop/reviews-v1-abc");
  assert.equal((await ask(yaml, "GET https://secure.example.com/reviews")).status, 200);
  const otherSni = await ask(yaml, "GET https://bookinfo.example.com/");
  assert.equal(otherSni.connection, "failed");
  assert.match(otherSni.reason, /the plain-text HTTP chain takes the TLS connection no TLS server's SNI matches/);
  // The plain-text server first: the HTTPS one is skipped (conflict), so TLS on the port fails.
  const httpFirst = GATEWAY(`  - port: {number: 443, name: plain, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["secure.example.com"]\n    tls: {mode: SIMPLE, credentialName: secure-cert}`);
  assert.equal((await ask(WORLD + httpFirst + BOOKINFO, "GET https://secure.example.com/")).connection, "failed");
  assert.equal((await ask(WORLD + httpFirst + BOOKINFO, "GET http://bookinfo.example.com:443/")).status, 200);
  const anySni = GATEWAY(`  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls: {mode: SIMPLE, credentialName: secure-cert}\n  - port: {number: 443, name: plain, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`);
  const rejected = await ask(WORLD + anySni + BOOKINFO, "GET http://bookinfo.example.com:443/");
  assert.equal(rejected.connection, "rejected");
  assert.match(rejected.reason, /multiple filter chains with the same matching rules/);
});

test("istiod's PILOT_SCOPE_GATEWAY_TO_NAMESPACE (its discovery container's env): a gateway pod takes only its own namespace's Gateways (was: every namespace's, the flag not read)", async () => {
  const istiod = (value: string) => `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  selector: {matchLabels: {app: istiod}}\n  template:\n    metadata: {labels: {app: istiod}}\n    spec: {containers: [{name: discovery, image: pilot, env: [{name: PILOT_SCOPE_GATEWAY_TO_NAMESPACE, value: "${value}"}]}]}\n`;
  const shopGw = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`);
  const scoped = await ask(WORLD + istiod("true") + shopGw + BOOKINFO, "GET http://203.0.113.10/", ["-H", "Host: bookinfo.example.com"]);
  assert.equal(scoped.connection, "rejected", scoped.reason);
  assert.match(scoped.reason, /in their namespace istio-system \(istiod's PILOT_SCOPE_GATEWAY_TO_NAMESPACE\)/);
  assert.equal((await ask(WORLD + istiod("false") + shopGw + BOOKINFO, "GET http://203.0.113.10/", ["-H", "Host: bookinfo.example.com"])).status, 200);
  // The Gateway in the pods' namespace still applies (its VirtualService names it istio-system/NAME).
  const own = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*/bookinfo.example.com"]`, "istio-system") + BOOKINFO.replace("gateways: [bookinfo-gateway]", "gateways: [istio-system/bookinfo-gateway]");
  assert.equal((await ask(WORLD + istiod("1") + own, "GET http://203.0.113.10/", ["-H", "Host: bookinfo.example.com"])).status, 200);
});

test("a Gateway whose selector picks pods with a sidecar: pilot gives a sidecar no gateway listener, so the Gateway routes nothing there (was: routed as if the pod were a gateway)", async () => {
  const gw = GATEWAY(`  - port: {number: 9080, name: http, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`).replace("selector: {istio: ingressgateway}", "selector: {app: reviews}");
  const r = await ask(WORLD + gw + BOOKINFO, "GET http://bookinfo.example.com:9080/", ["--gateway", "shop/bookinfo-gateway"]);
  assert.equal(r.connection, "rejected", r.reason);
  assert.match(r.reason, /selects only pods whose istio-proxy is a sidecar \(shop\/reviews-v1-abc\), not a gateway/);
});

test("a Service labelled experimental.istio.io/disable-gateway-port-translation is passed over by resolvePorts: a server numbered 80 listens on 80, not the 8080 the Service sends port 80 to (was: translated, 200)", async () => {
  const labelled = WORLD.replace("metadata: {name: istio-ingressgateway, namespace: istio-system}", "metadata: {name: istio-ingressgateway, namespace: istio-system, labels: {experimental.istio.io/disable-gateway-port-translation: \"true\"}}");
  const by80 = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`);
  const r = await ask(labelled + by80 + BOOKINFO, "GET http://203.0.113.10/", ["-H", "Host: bookinfo.example.com"]);
  assert.equal(r.connection, "rejected", r.reason);
  assert.match(r.reason, /no server of shop\/bookinfo-gateway listens on port 8080 \(the target port of port 80\)/);
  const by8080 = GATEWAY(`  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: ["bookinfo.example.com"]`);
  assert.equal((await ask(labelled + by8080 + BOOKINFO, "GET http://203.0.113.10/", ["-H", "Host: bookinfo.example.com"])).status, 200);
  assert.equal((await ask(WORLD + by80 + BOOKINFO, "GET http://203.0.113.10/", ["-H", "Host: bookinfo.example.com"])).status, 200);
});

test("a VirtualService naming a Gateway of another namespace binds only if it is exported to the gateway pods' namespace (VirtualServicesForGateway reads the proxy's): the 404 names it (was: \"no VirtualService bound\")", async () => {
  const gw = GATEWAY(`  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*/bookinfo.example.com"]`, "istio-system");
  const route = (exportTo: string) => vs("bookinfo", `  hosts: ["bookinfo.example.com"]\n  gateways: [istio-system/bookinfo-gateway]\n  exportTo: ${exportTo}\n  http:\n  - route: [{destination: {host: reviews, port: {number: 9080}}}]`);
  const hidden = await ask(WORLD + gw + route(`["."]`), "GET http://bookinfo.example.com/");
  assert.equal(hidden.status, 404);
  assert.match(hidden.reason, /VirtualService shop\/bookinfo names Gateway istio-system\/bookinfo-gateway but is not exported to the gateway pods' namespace istio-system/);
  assert.equal((await ask(WORLD + gw + route(`["istio-system"]`), "GET http://bookinfo.example.com/")).status, 200);
});

const CURL = `---\napiVersion: v1\nkind: Pod\nmetadata: {name: curl, namespace: shop, labels: {app: curl}}\nspec: {containers: [{name: app, image: curl}, {name: istio-proxy, image: proxyv2}]}\nstatus: {podIP: 10.1.0.9}\n`;
const IN_CLUSTER = ["--from", "shop/curl", "-H", "Host: bookinfo.example.com"];

test("a pod calling the ingress gateway's Service: the network policies of its hop to the gateway's pod, then the TLS its own sidecar originates (its DestinationRule for the gateway's Service, auto mTLS to a pod labelled security.istio.io/tlsMode=istio), then the gateway (was: answered as if from outside)", async () => {
  const base = WORLD + CURL + GATEWAY(HTTP_SERVERS) + BOOKINFO;
  assert.equal((await ask(base, "GET http://istio-ingressgateway.istio-system/", IN_CLUSTER)).status, 200);
  // A NetworkPolicy of the gateway's pods that admits only the load balancer's traffic, not shop's pods.
  const deny = `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: gw-ingress, namespace: istio-system}\nspec:\n  podSelector: {matchLabels: {istio: ingressgateway}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.1.0.0/16]}}]}]\n`;
  const blocked = await ask(base + deny, "GET http://istio-ingressgateway.istio-system/", IN_CLUSTER);
  assert.equal(blocked.connection, "rejected", blocked.reason);
  assert.match(blocked.reason, /the network policies deny the connection from shop\/curl to the gateway's pod istio-system\/istio-ingressgateway-7d9f-abcde port 8080 \(the gateway pod's ingress\)/);
  // The client's DestinationRule makes its sidecar send Istio mTLS to a plain-text HTTP server: the gateway's codec closes it.
  const dr = `---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: gw, namespace: shop}\nspec: {host: istio-ingressgateway.istio-system.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}\n`;
  const mtls = await ask(base + dr, "GET http://istio-ingressgateway.istio-system/", IN_CLUSTER);
  assert.equal(mtls.connection, "failed", mtls.reason);
  assert.match(mtls.reason, /originates Istio mutual TLS to a plain-text HTTP server/);
  // Auto mTLS: only to a pod labelled security.istio.io/tlsMode=istio.
  const labelled = base.replace("labels: {istio: ingressgateway, app: istio-ingressgateway}", "labels: {istio: ingressgateway, app: istio-ingressgateway, security.istio.io/tlsMode: istio}");
  assert.equal((await ask(labelled, "GET http://istio-ingressgateway.istio-system/", IN_CLUSTER)).connection, "failed");
  // An ISTIO_MUTUAL server of any host: the sidecar's mTLS (SNI outbound_.9443_._.HOST) is what it asks for; the application's own TLS is not.
  const mutual = WORLD + CURL + GATEWAY(`  - port: {number: 9443, name: mtls, protocol: HTTPS}\n    hosts: ["*"]\n    tls: {mode: ISTIO_MUTUAL}`) + vs("bookinfo", `  hosts: ["*"]\n  gateways: [bookinfo-gateway]\n  http:\n  - route: [{destination: {host: reviews, port: {number: 9080}}}]`) + dr;
  const ok = await ask(mutual, "GET http://istio-ingressgateway.istio-system:9443/", IN_CLUSTER);
  assert.equal(ok.status, 200, ok.reason);
  assert.equal(ok.endpoint, "shop/reviews-v1-abc");
  const appTls = await ask(mutual.replace(dr, ""), "GET https://istio-ingressgateway.istio-system:9443/", IN_CLUSTER);
  assert.equal(appTls.connection, "failed");
  assert.match(appTls.reason, /the application's own TLS does not carry/);
});

test("the peer a gateway's pods see, one answer for Istio's and Envoy Gateway's (peer.ts generatedServicePeer): with only a ClusterIP Service of the input in front of Istio's gateway pods, an outside client comes through the Service the installation makes, which masquerades it (was: the client's address, read by the backend's remoteIpBlocks)", async () => {
  const clusterIp = WORLD.replace("  type: LoadBalancer\n", "").replace("status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}\n", "");
  const office = `---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-office, namespace: shop}\nspec:\n  selector: {matchLabels: {app: productpage}}\n  action: ALLOW\n  rules: [{from: [{source: {remoteIpBlocks: ["198.51.100.0/24"]}}]}]\n`;
  const a = await ask(clusterIp + GATEWAY(HTTP_SERVERS) + BOOKINFO + office, "GET http://bookinfo.example.com/", ["--from", "ip:198.51.100.7", "--gateway", "shop/bookinfo-gateway"]);
  assert.equal(a.status, null, a.reason);
  assert.match(a.unknown ?? "", /the input holds no LoadBalancer or NodePort Service in front of them, and the one an Istio ingress gateway's installation makes/);
  // A client in the cluster is not masqueraded: its own address.
  const inCluster = await ask(clusterIp + CURL + GATEWAY(HTTP_SERVERS) + BOOKINFO + office, "GET http://istio-ingressgateway.istio-system/", IN_CLUSTER);
  assert.equal(inCluster.status, 403, inCluster.reason);
});

test("a pod calling a Gateway API Istio gateway (--gateway with --from): the network policies of its hop to the gateway's pod come first (was: not checked)", async () => {
  const api = `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: infra}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\nspec: {controllerName: istio.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: infra}\nspec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec: {parentRefs: [{name: edge, namespace: infra}], rules: [{backendRefs: [{name: reviews, port: 9080}]}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: edge-1, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: edge}}\nspec: {containers: [{name: istio-proxy, image: proxyv2, args: [proxy, router]}]}\nstatus: {podIP: 10.9.0.1}\n`;
  const onlyInfra = `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-infra, namespace: infra}\nspec:\n  podSelector: {matchLabels: {gateway.networking.k8s.io/gateway-name: edge}}\n  ingress: [{from: [{podSelector: {}}]}]\n`;
  const args = ["--gateway", "infra/edge", "--from", "shop/curl"];
  assert.equal((await ask(WORLD + CURL + api, "GET http://shop.example.com/", args)).status, 200);
  const r = await ask(WORLD + CURL + api + onlyInfra, "GET http://shop.example.com/", args);
  assert.equal(r.connection, "rejected", r.reason);
  assert.match(r.reason, /from shop\/curl to the gateway's pod infra\/edge-1 port 80/);
});
