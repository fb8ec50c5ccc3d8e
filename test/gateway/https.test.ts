// HTTPS listeners: SNI picks the listener, a Host that belongs to another listener is answered
// 421, and client certificates are validated against the CA bundles of spec.tls.frontend.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CA_A, CA_B, CLIENT_A, CLIENT_B, SERVER } from "../fixtures/tls.js";
import { cond, gateway, httpRoute, route, statusOf } from "./fixture.js";

const secret = (name: string, c: { crt: string; key: string }) => `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: infra}
type: kubernetes.io/tls
data: {tls.crt: ${c.crt}, tls.key: ${c.key}}
`;
const caBundle = (name: string, pem: string) => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: infra}
data:
  ca.crt: ${JSON.stringify(pem)}
`;
const https = (name: string, hostname?: string) =>
  `{name: ${name}, port: 443, protocol: HTTPS, ${hostname ? `hostname: ${hostname}, ` : ""}tls: {certificateRefs: [{name: server}]}, allowedRoutes: {namespaces: {from: All}}}`;

const BASE = gateway([https("any"), https("exact", "b.example.com"), https("wild", "'*.example.com'")]) + secret("server", SERVER)
  + httpRoute("r-any", "  rules: [{backendRefs: [{name: v1, port: 80}]}]").replace("namespace: infra}", "namespace: infra, sectionName: any}")
  + httpRoute("r-exact", "  rules: [{backendRefs: [{name: v2, port: 80}]}]").replace("namespace: infra}", "namespace: infra, sectionName: exact}")
  + httpRoute("r-wild", "  rules: [{backendRefs: [{name: v3, port: 80}]}]").replace("namespace: infra}", "namespace: infra, sectionName: wild}");

test("SNI selects the listener; Host must belong to it, else 421", () => {
  const get = (sni: string, host: string) => route(BASE, { scheme: "https", sni, host });
  assert.equal(get("b.example.com", "b.example.com").backend, "apps/v2");
  assert.equal(get("c.example.com", "d.example.com").backend, "apps/v3");
  assert.equal(get("other.org", "other.org").backend, "apps/v1");
  assert.equal(get("c.example.com", "b.example.com").status, 421);
  assert.equal(get("b.example.com", "c.example.com").status, 421);
  assert.equal(get("other.org", "b.example.com").status, 421);
});

const VALIDATING = (mode = "") => gateway([https("any")]).replace("  listeners:", `  tls:\n    frontend:\n      default:\n        validation: {caCertificateRefs: [{kind: ConfigMap, group: "", name: ca-a}]${mode}}\n  listeners:`)
  + secret("server", SERVER) + secret("client-a", CLIENT_A) + secret("client-b", CLIENT_B) + caBundle("ca-a", CA_A) + caBundle("ca-b", CA_B)
  + httpRoute("r", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");

test("client certificates must be issued by a trusted CA", () => {
  const get = (clientCert?: string) => route(VALIDATING(), { scheme: "https", host: "a.com", clientCert });
  assert.equal(get("infra/client-a").backend, "apps/v1");
  assert.equal(get("infra/client-b").connection, "failed");
  assert.equal(get().connection, "failed");
  const fallback = VALIDATING(", mode: AllowInsecureFallback");
  assert.equal(route(fallback, { scheme: "https", host: "a.com" }).backend, "apps/v1");
  assert.equal(cond(statusOf(fallback, "Gateway", "infra/gw").conditions, "InsecureFrontendValidationMode"), "True/ConfigurationChanged");
});

test("a CA reference that does not resolve makes the listener unusable", () => {
  const yaml = VALIDATING().replace("name: ca-a}]", "name: nope}]");
  const l = statusOf(yaml, "Gateway", "infra/gw").listeners[0];
  assert.equal(cond(l.conditions, "ResolvedRefs"), "False/InvalidCACertificateRef");
  assert.equal(cond(l.conditions, "Accepted"), "False/NoValidCACertificate");
});

test("Envoy Gateway: a ClientTrafficPolicy's tls.clientValidation (it was not read: a client without a certificate got 200); its modes; CA references that do not resolve are a translation error (500)", () => {
  const eg = gateway([https("any")]).replace("gatewayClassName: test", "gatewayClassName: eg") + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n"
    + secret("server", SERVER) + secret("client-a", CLIENT_A) + secret("client-b", CLIENT_B) + caBundle("ca-a", CA_A) + httpRoute("r", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
  const ctp = (validation: string) => `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: mtls, namespace: infra}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], tls: {clientValidation: ${validation}}}\n`;
  const get = (yaml: string, clientCert?: string) => route(yaml, { scheme: "https", host: "a.com", clientCert });
  const required = eg + ctp("{caCertificateRefs: [{kind: ConfigMap, name: ca-a}]}");
  const none = get(required);
  assert.equal(none.connection, "failed");
  assert.match(none.reason, /requires a client certificate and none was presented \(ClientTrafficPolicy infra\/mtls tls\.clientValidation mode RequireAndVerify\)/);
  assert.equal(get(required, "infra/client-a").backend, "apps/v1");
  assert.equal(get(required, "infra/client-b").connection, "failed");
  assert.equal(get(eg).backend, "apps/v1", "without the policy");
  // The deprecated optional: VerifyIfGiven; the modes.
  const optional = eg + ctp("{optional: true, caCertificateRefs: [{kind: ConfigMap, name: ca-a}]}");
  assert.equal(get(optional).backend, "apps/v1");
  assert.equal(get(optional, "infra/client-b").connection, "failed");
  const any = eg + ctp("{mode: RequireAny}");
  assert.equal(get(any).connection, "failed");
  assert.equal(get(any, "infra/client-b").backend, "apps/v1");
  assert.equal(get(eg + ctp("{mode: Request}")).backend, "apps/v1");
  // A verifying mode without CAs, or a CA reference not in the input: the listener's routes answer 500.
  const noCa = get(eg + ctp("{mode: RequireAndVerify}"), "infra/client-a");
  assert.equal(noCa.status, 500);
  assert.match(noCa.reason, /TLS: tls\.clientValidation\.mode "RequireAndVerify" requires caCertificateRefs/);
  assert.match(get(eg + ctp("{caCertificateRefs: [{name: nope}]}"), "infra/client-a").reason, /TLS: failed to get certificate from ref: secret infra\/nope does not exist/);
  // A check Junction does not make leaves a verified certificate's answer open.
  assert.equal(get(eg + ctp("{caCertificateRefs: [{kind: ConfigMap, name: ca-a}], spkiHashes: [abc]}"), "infra/client-a").status, null);
});
