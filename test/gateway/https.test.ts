// HTTPS listeners: SNI picks the listener, a Host that belongs to another listener is answered
// 421, and client certificates are validated against the CA bundles of spec.tls.frontend.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { CA_A, CA_B, CA_C, CLIENT_A, CLIENT_B, CLIENT_C, CLIENT_C_EXPIRED, SERVER } from "../fixtures/tls.js";
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
  // A Secret's CA is its ca.crt, else its only entry (validateAndGetDataAtKeyInRef, getFirstMatchOrFirstFromData); was its tls.crt.
  const opaque = (name: string, data: string) => `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: infra}\ntype: Opaque\ndata: {${data}}\n`;
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  const bySecret = (name: string) => eg + ctp(`{caCertificateRefs: [{name: ${name}}]}`) + opaque("ca-secret", `ca.crt: ${b64(CA_A)}`) + opaque("ca-sole", `root.pem: ${b64(CA_A)}`);
  assert.equal(get(bySecret("ca-secret"), "infra/client-a").backend, "apps/v1", "ca.crt (was 500: no valid certificates)");
  assert.equal(get(bySecret("ca-secret"), "infra/client-b").connection, "failed");
  assert.equal(get(bySecret("ca-sole"), "infra/client-a").backend, "apps/v1", "the only entry");
  const serving = get(bySecret("server"), "infra/client-a");
  assert.equal(serving.status, 500, "a serving Secret (tls.crt, tls.key) is no CA bundle");
  assert.match(serving.reason, /TLS: failed to get certificate from ref: ref secret \[server\] has none of the expected keys \[ca\.crt\] and more than one entry/);
  // A CRL reference's data validateCrl refuses is a translation error (was: the answer left open; client-crl.test.ts).
  const crl = eg + ctp("{caCertificateRefs: [{kind: ConfigMap, name: ca-a}], crl: {refs: [{kind: ConfigMap, name: crl}]}}");
  assert.equal(get(crl + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: crl, namespace: infra}\ndata: {ca.crl: x}\n", "infra/client-a").status, 500);
  assert.match(get(crl, "infra/client-a").reason, /TLS: failed to get crl from ref: configmap infra\/crl does not exist/, "was undetermined");
});

test("Envoy Gateway tls.clientValidation spkiHashes, certificateHashes, subjectAltNames, allowExpiredCertificate: Envoy's checks of the presented certificate (they were undetermined: 'checks Junction does not make')", () => {
  const eg = gateway([https("any")]).replace("gatewayClassName: test", "gatewayClassName: eg") + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n"
    + secret("server", SERVER) + secret("client-c", CLIENT_C) + secret("client-old", CLIENT_C_EXPIRED) + caBundle("ca-c", CA_C) + httpRoute("r", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
  const ctp = (more: string, mode = "") => `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: mtls, namespace: infra}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], tls: {clientValidation: {${mode}caCertificateRefs: [{kind: ConfigMap, name: ca-c}]${more}}}}\n`;
  const get = (more: string, cert = "infra/client-c", mode = "") => route(eg + ctp(more, mode), { scheme: "https", host: "a.com", clientCert: cert });
  // The presented certificate's hashes, as the policy's author computes them.
  const der = new X509Certificate(Buffer.from(CLIENT_C.crt, "base64"));
  const hex = createHash("sha256").update(der.raw).digest("hex");
  const spki = createHash("sha256").update(der.publicKey.export({ type: "spki", format: "der" })).digest("base64");
  assert.equal(get(`, certificateHashes: ["${hex.toUpperCase().match(/../g)!.join(":")}"]`).backend, "apps/v1", "the hex hash, colons and case aside (was undetermined)");
  const other = "ab".repeat(32), otherSpki = Buffer.alloc(32, 7).toString("base64");
  const wrong = get(`, certificateHashes: ["${other}"]`);
  assert.equal(wrong.connection, "failed", "was undetermined");
  assert.match(wrong.reason, /verify cert failed: cert hash and spki/);
  assert.equal(get(`, spkiHashes: ["${spki}"]`).backend, "apps/v1");
  assert.equal(get(`, spkiHashes: ["${spki}"], certificateHashes: ["${other}"]`).backend, "apps/v1", "either list's hash");
  assert.equal(get(`, spkiHashes: ["${otherSpki}"]`).connection, "failed");
  // A hash Envoy cannot decode (DefaultCertValidator::initializeSslContexts: "Invalid hex-encoded SHA-256", "Invalid
  // base64-encoded SHA-256"): the listener's update is rejected, for every request and mode (was: this certificate refused,
  // a request without one let through).
  for (const [bad, text] of [[", certificateHashes: [\"00\"]", /Invalid hex-encoded SHA-256 00\b/], [", spkiHashes: [abc]", /Invalid base64-encoded SHA-256 abc\b/],
    [`, certificateHashes: ["${hex.match(/../g)!.join(":")}:00"]`, /Invalid hex-encoded SHA-256 /]] as const) {
    const r = get(bad);
    assert.equal(r.status, null, bad);
    assert.match(r.undetermined!, text);
    assert.equal(get(bad, "infra/client-c", "mode: VerifyIfGiven, ").status, null, "with a certificate");
    assert.equal(route(eg + ctp(bad, "mode: Request, "), { scheme: "https", host: "a.com" }).status, null, "and without one");
  }
  // One Envoy listener a port (a filter chain each Gateway listener): a policy of one listener fails the port's others too.
  const two = gateway([https("a", "a.example.com"), https("b", "b.example.com")]).replace("gatewayClassName: test", "gatewayClassName: eg") + eg.slice(eg.indexOf("---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass"));
  const onA = `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: mtls, namespace: infra}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: a}], tls: {clientValidation: {mode: Request, certificateHashes: ["00"]}}}\n`;
  const b = route(two + onA, { scheme: "https", host: "b.example.com" });
  assert.equal(b.status, null, "listener b, whose policy is none (was 200)");
  assert.match(b.undetermined!, /Envoy refuses the TLS context of listener a \(Invalid hex-encoded SHA-256 00/);
  assert.equal(route(two + onA.replace('["00"]', `["${other}"]`), { scheme: "https", host: "b.example.com" }).backend, "apps/v1", "a valid hash: b is served");
  // subjectAltNames: one SAN of a matcher's type matching one matcher.
  assert.equal(get(", subjectAltNames: {dnsNames: [{value: client.example.com}]}").backend, "apps/v1");
  assert.equal(get(", subjectAltNames: {uris: [{type: Prefix, value: \"spiffe://cluster.local/ns/apps/\"}]}").backend, "apps/v1");
  assert.equal(get(", subjectAltNames: {emailAddresses: [{type: Suffix, value: \"@example.com\"}], ipAddresses: [{value: 10.0.0.8}]}").backend, "apps/v1");
  assert.equal(get(", subjectAltNames: {ipAddresses: [{type: RegularExpression, value: \"10\\\\.0\\\\.0\\\\.9\"}]}").backend, "apps/v1");
  const san = get(", subjectAltNames: {dnsNames: [{value: other.example.com}], uris: [{value: \"spiffe://cluster.local/ns/apps/sa/client\"}]}".replace("uris", "emailAddresses"));
  assert.equal(san.connection, "failed");
  assert.match(san.reason, /no subject alternative name of the client certificate \(DNS:client\.example\.com, URI:spiffe:\/\/cluster\.local\/ns\/apps\/sa\/client, EMAIL:client@example\.com, IP_ADDRESS:10\.0\.0\.9\) matches .*SAN matcher/);
  // Request and RequireAny accept an untrusted certificate whatever the checks say (ACCEPT_UNTRUSTED).
  assert.equal(get(`, certificateHashes: ["${other}"]`, "infra/client-c", "mode: RequireAny, ").backend, "apps/v1");
  // allowExpiredCertificate: an expired certificate verifies.
  assert.equal(get("", "infra/client-old").connection, "failed");
  assert.equal(get(", allowExpiredCertificate: true", "infra/client-old").backend, "apps/v1", "was refused as expired");
  // otherNames: a certificate without them does not match (client-crl.test.ts).
  assert.equal(get(", subjectAltNames: {otherNames: [{oid: 1.3.6.1.4.1.311.20.2.3, value: x}]}").connection, "failed");
});
