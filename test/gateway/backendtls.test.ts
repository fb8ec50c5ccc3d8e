// BackendTLSPolicy (gateway.networking.k8s.io/v1 and v1alpha3), as its API documentation and the
// BackendTLSPolicy conformance tests pin it: "When more than one BackendTLSPolicy selects the same
// target and sectionName ... the older policy by creation timestamp takes precedence", then
// namespace/name, the others Accepted False/Conflicted; the Gateway connects with SNI
// validation.hostname and the backend's certificate must chain to the CA and carry that name (or one of
// subjectAltNames); "Connections using an invalid CACertificateRef MUST fail, and the client MUST
// receive an HTTP 5xx error response".

import { test } from "node:test";
import assert from "node:assert/strict";
import { SERVER } from "../fixtures/tls.js";
import { backendCertObjects, cond, gateway, httpRoute, route, statusOf } from "./fixture.js";

const GW = gateway(["{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]);
const BACKEND_OBJECTS = `---
apiVersion: v1
kind: Service
metadata: {name: secure, namespace: apps}
spec: {selector: {app: tls-backend}, ports: [{name: https, port: 443, targetPort: 8443}, {name: alt, port: 8443, targetPort: 8443}]}
---
apiVersion: v1
kind: Pod
metadata: {name: tls-backend-6b7c9d5f4-q2w3e, namespace: apps, labels: {app: tls-backend, pod-template-hash: 6b7c9d5f4}}
spec:
  containers:
  - name: echo
    env: [{name: TLS_SERVER_CERT, value: /etc/secret-volume/crt}]
    volumeMounts: [{name: secret-volume, mountPath: /etc/secret-volume}]
  volumes: [{name: secret-volume, secret: {secretName: backend-cert, items: [{key: tls.crt, path: crt}, {key: tls.key, path: key}]}}]
status: {phase: Running, podIP: 10.0.9.1}
`+ backendCertObjects("backend-cert");

function policy(name: string, validation: string, target = "{group: '', kind: Service, name: secure}", meta = "", version = "v1"): string {
  return `---
apiVersion: gateway.networking.k8s.io/${version}
kind: BackendTLSPolicy
metadata: {name: ${name}, namespace: apps${meta}}
spec:
  targetRefs: [${target}]
  validation: ${validation}
`;
}
const valid = (hostname = "abc.example.com", extra = "") => `{hostname: ${hostname}, caCertificateRefs: [{group: '', kind: ConfigMap, name: backend-ca}]${extra}}`;
const ROUTE = httpRoute("r", "  rules:\n  - {matches: [{path: {value: /a}}], backendRefs: [{name: secure, port: 443}]}\n  - {matches: [{path: {value: /b}}], backendRefs: [{name: secure, port: 8443}]}");
const yamlWith = (...policies: string[]) => GW + ROUTE + BACKEND_OBJECTS + policies.join("");
const ancestor = (yaml: string, name: string) => statusOf(yaml, "BackendTLSPolicy", `apps/${name}`).ancestors[0];

test("a valid policy: the Gateway originates TLS with SNI validation.hostname, and the backend's pods serve", () => {
  for (const version of ["v1", "v1alpha3"]) {
    const r = route(yamlWith(policy("p", valid(), undefined, "", version)), { path: "/a" });
    assert.equal(r.status, 200);
    assert.deepEqual([r.upstream?.tls, r.upstream?.sni], [true, "abc.example.com"]);
    assert.equal(r.backend, "apps/tls-backend");
  }
  const s = ancestor(yamlWith(policy("p", valid())), "p");
  assert.deepEqual(s.ancestorRef, { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "infra", name: "gw" });
  assert.equal(cond(s.conditions, "Accepted"), "True/Accepted");
});

test("conflicts: for the same target and sectionName the older policy wins, then namespace/name; traffic uses the winner", () => {
  const older = policy("zz-older", valid("other.example.com"), undefined, ", creationTimestamp: '2024-01-01T00:00:00Z'");
  const newer = policy("aa-newer", valid("abc.example.com"), undefined, ", creationTimestamp: '2024-06-01T00:00:00Z'");
  const yaml = yamlWith(newer, older);
  assert.equal(cond(ancestor(yaml, "zz-older").conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(ancestor(yaml, "aa-newer").conditions, "Accepted"), "False/Conflicted");
  assert.equal(route(yaml, { path: "/a" }).upstream?.sni, "other.example.com");
  const t = ", creationTimestamp: '2024-01-01T00:00:00Z'";
  const tie = yamlWith(policy("b", valid("other.example.com"), undefined, t), policy("a", valid("abc.example.com"), undefined, t));
  assert.equal(cond(ancestor(tie, "b").conditions, "Accepted"), "False/Conflicted", "equally old: alphabetical order");
  assert.equal(route(tie, { path: "/a" }).upstream?.sni, "abc.example.com");
});

test("a policy for one port (sectionName) and a Service-wide one do not conflict: the port's own applies first", () => {
  const yaml = yamlWith(policy("wide", valid("abc.example.com")), policy("port", valid("other.example.com"), "{group: '', kind: Service, name: secure, sectionName: https}"));
  for (const p of ["wide", "port"]) assert.equal(cond(ancestor(yaml, p).conditions, "Accepted"), "True/Accepted");
  assert.equal(route(yaml, { path: "/a" }).upstream?.sni, "other.example.com", "port 443 is named https");
  assert.equal(route(yaml, { path: "/b" }).upstream?.sni, "abc.example.com");
});

test("invalid CA references: NoValidCACertificate with InvalidCACertificateRef or InvalidKind, and requests get a 5xx", () => {
  const missing = yamlWith(policy("p", "{hostname: abc.example.com, caCertificateRefs: [{group: '', kind: ConfigMap, name: nope}]}"));
  assert.equal(cond(ancestor(missing, "p").conditions, "Accepted"), "False/NoValidCACertificate");
  assert.equal(cond(ancestor(missing, "p").conditions, "ResolvedRefs"), "False/InvalidCACertificateRef");
  assert.equal(route(missing, { path: "/a" }).status, 500);
  const kind = yamlWith(policy("p", "{hostname: abc.example.com, caCertificateRefs: [{group: invalid.io, kind: InvalidKind, name: x}]}"));
  assert.equal(cond(ancestor(kind, "p").conditions, "ResolvedRefs"), "False/InvalidKind");
  assert.equal(route(kind, { path: "/a" }).status, 500);
  assert.equal(cond(statusOf(kind, "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs", "the route's own references resolve");
});

test("a certificate that does not validate fails the handshake: the policy stays Accepted, requests get 503", () => {
  const host = yamlWith(policy("p", valid("mismatch.example.com")));
  assert.equal(cond(ancestor(host, "p").conditions, "Accepted"), "True/Accepted");
  assert.equal(route(host, { path: "/a" }).status, 503);
  assert.match(route(host, { path: "/a" }).reason, /not valid for mismatch\.example\.com/);
  const ca = yamlWith(policy("p", "{hostname: abc.example.com, caCertificateRefs: [{group: '', kind: ConfigMap, name: other-ca}]}"));
  assert.equal(route(ca, { path: "/a" }).status, 503, "a CA with another key did not sign it");
});

test("subjectAltNames replace validation.hostname for authentication: a URI or a DNS name the certificate carries", () => {
  const san = (entries: string) => yamlWith(policy("p", valid("unrelated.example.com", `, subjectAltNames: [${entries}]`)));
  assert.equal(route(san("{type: URI, uri: 'spiffe://abc.example.com/test-identity'}"), { path: "/a" }).status, 200);
  assert.equal(route(san("{type: URI, uri: 'spiffe://abc.example.com/other'}"), { path: "/a" }).status, 503);
  assert.equal(route(san("{type: Hostname, hostname: other.example.com}"), { path: "/a" }).status, 200);
  assert.equal(route(san("{type: Hostname, hostname: x.example.com}, {type: URI, uri: 'spiffe://x/y'}"), { path: "/a" }).status, 503);
  assert.equal(route(san("{type: Hostname, hostname: other.example.com}"), { path: "/a" }).upstream?.sni, "unrelated.example.com", "the SNI is still validation.hostname");
});

test("a gRPC backend whose certificate does not validate: the RPC fails UNAVAILABLE", () => {
  const grpc = GW + BACKEND_OBJECTS + policy("p", valid("mismatch.example.com")) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: apps}
spec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: secure, port: 443}]}]}
`;
  const r = route(grpc, { protocol: "grpc", method: "POST", path: "/svc.Echo/Call" });
  assert.equal(r.grpcCode, "UNAVAILABLE");
});

test("TLSRoute: terminated at the Gateway, the policy re-encrypts to the backend; passed through, it does not apply", () => {
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: server, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
  const tls = (mode: string) => gateway([`{name: tls, port: 8443, protocol: TLS, hostname: tls.example.com, tls: {mode: ${mode}${mode === "Terminate" ? ", certificateRefs: [{name: server}]" : ""}}, allowedRoutes: {namespaces: {from: All}}}`])
    + secret + BACKEND_OBJECTS + policy("p", valid()) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: t, namespace: apps}
spec: {parentRefs: [{name: gw, namespace: infra}], hostnames: [tls.example.com], rules: [{backendRefs: [{name: secure, port: 443}]}]}
`;
  const terminated = route(tls("Terminate"), { scheme: "tls", port: 8443, sni: "tls.example.com" });
  assert.deepEqual([terminated.backend, terminated.upstream?.tls, terminated.upstream?.sni], ["apps/tls-backend", true, "abc.example.com"]);
  const passthrough = route(tls("Passthrough"), { scheme: "tls", port: 8443, sni: "tls.example.com" });
  assert.deepEqual([passthrough.upstream?.tls, passthrough.upstream?.sni], [true, "tls.example.com"], "the client's own TLS, untouched");
});
