// Envoy Gateway ClientTrafficPolicy tls.clientValidation: the CRLs (crl.refs, key ca.crl; validateCrl; Envoy's
// validation context with CRL_CHECK and, unless onlyVerifyLeafCertificate, CRL_CHECK_ALL), the otherNames SAN
// matchers (san_matcher.cc, utility.cc generalNameAsString), and CA or CRL references whose only entry has another
// key (getFirstMatchOrFirstFromData). Before: a CRL or an otherNames matcher left a verified certificate undetermined,
// and a ConfigMap CA whose only key was not ca.crt answered 500.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CA_A, CA_D, CA_E, CLIENT_A, CLIENT_D, CLIENT_D_OTHER, CLIENT_D_REVOKED, CRL_D, CRL_D_EXPIRED, CRL_E, SERVER } from "../fixtures/tls.js";
import { gateway, httpRoute, route } from "./fixture.js";
import { parseCrl, pemBlocks } from "../../src/engine/gateway/crl.js";

const secret = (name: string, c: { crt: string; key: string }) => `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${c.crt}, tls.key: ${c.key}}\n`;
const configMap = (name: string, data: Record<string, string>) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: infra}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join("")}`;
const https = `{name: any, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: server}]}, allowedRoutes: {namespaces: {from: All}}}`;
const EG = gateway([https]).replace("gatewayClassName: test", "gatewayClassName: eg")
  + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n"
  + secret("server", SERVER) + secret("good", CLIENT_D) + secret("revoked", CLIENT_D_REVOKED) + secret("other", CLIENT_D_OTHER) + secret("client-a", CLIENT_A)
  + httpRoute("r", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
const ctp = (validation: string) => `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: mtls, namespace: infra}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], tls: {clientValidation: ${validation}}}\n`;
const get = (yaml: string, clientCert?: string) => route(yaml, { scheme: "https", host: "a.com", clientCert });

test("the DER reader reads a CRL as openssl wrote it", () => {
  const crl = parseCrl(pemBlocks(CRL_D)[0].der);
  assert.deepEqual([...crl.revoked], ["1002"]);
  assert.equal(crl.algorithm, "1.2.840.10045.4.3.2");
  assert.ok(crl.nextUpdate! > crl.thisUpdate);
  assert.equal(parseCrl(pemBlocks(CRL_D_EXPIRED)[0].der).nextUpdate!.toISOString(), "2021-01-01T00:00:00.000Z");
});

test("Envoy Gateway tls.clientValidation.crl: a revoked client certificate fails the handshake (was undetermined)", () => {
  const base = EG + configMap("ca", { "ca.crt": CA_D });
  const withCrl = (crl: string, more = "") => base + configMap("crl", { "ca.crl": crl }) + ctp(`{caCertificateRefs: [{kind: ConfigMap, name: ca}], crl: {refs: [{kind: ConfigMap, name: crl}]${more}}}`);
  const revoked = get(withCrl(CRL_D), "infra/revoked");
  assert.equal(revoked.connection, "failed");
  assert.match(revoked.reason, /the client certificate \(serial 1002\) is revoked by a CRL of tls\.clientValidation\.crl \(Envoy: certificate revoked\)/);
  assert.equal(get(withCrl(CRL_D), "infra/good").backend, "apps/v1", "serial 1001 is not listed (was undetermined)");
  assert.equal(get(withCrl(CRL_D, ", onlyVerifyLeafCertificate: true"), "infra/revoked").connection, "failed");
  // A CRL of another CA only: the chain's CA has none (CRL_CHECK: "unable to get certificate CRL"), both refused.
  const foreign = get(withCrl(CRL_E), "infra/good");
  assert.equal(foreign.connection, "failed");
  assert.match(foreign.reason, /no CRL of tls\.clientValidation\.crl is issued by the client certificate's issuer/);
  // Both CRLs: the one of the client's CA decides.
  assert.equal(get(withCrl(CRL_E + CRL_D), "infra/good").backend, "apps/v1");
  assert.equal(get(withCrl(CRL_E + CRL_D), "infra/revoked").connection, "failed");
  // A CRL past its nextUpdate: validateCrl refuses it (the listener's routes answer 500).
  const expired = get(withCrl(CRL_D_EXPIRED), "infra/good");
  assert.equal(expired.status, 500);
  assert.match(expired.reason, /TLS: invalid crl in crl: CRL is expired \(next update was due at 2021-01-01 00:00:00 \+0000 UTC\)/);
  assert.match(get(withCrl("not pem"), "infra/good").reason, /invalid crl in crl: unable to decode pem data for CRL/);
  assert.match(get(withCrl(CA_D), "infra/good").reason, /invalid crl in crl: failed to parse CRL/, "a certificate is no CRL");
  // Request and RequireAny take any certificate (ACCEPT_UNTRUSTED); VerifyIfGiven without one passes.
  assert.equal(get(base + configMap("crl", { "ca.crl": CRL_D }) + ctp(`{mode: RequireAny, crl: {refs: [{kind: ConfigMap, name: crl}]}}`), "infra/revoked").backend, "apps/v1");
  assert.equal(get(base + configMap("crl", { "ca.crl": CRL_D }) + ctp(`{mode: VerifyIfGiven, caCertificateRefs: [{kind: ConfigMap, name: ca}], crl: {refs: [{kind: ConfigMap, name: crl}]}}`)).backend, "apps/v1");
  // The CRL in a Secret, under its only key (getFirstMatchOrFirstFromData).
  const inSecret = base + `---\napiVersion: v1\nkind: Secret\nmetadata: {name: crl-s, namespace: infra}\ntype: Opaque\ndata: {revoked.pem: ${Buffer.from(CRL_D).toString("base64")}}\n`
    + ctp(`{caCertificateRefs: [{kind: ConfigMap, name: ca}], crl: {refs: [{name: crl-s}]}}`);
  assert.equal(get(inSecret, "infra/revoked").connection, "failed");
  const twoKeys = base + configMap("crl", { "a.crl": CRL_D, "b.crl": CRL_D }) + ctp(`{caCertificateRefs: [{kind: ConfigMap, name: ca}], crl: {refs: [{kind: ConfigMap, name: crl}]}}`);
  assert.match(get(twoKeys, "infra/good").reason, /TLS: failed to get crl from ref: ref configmap \[crl\] has none of the expected keys \[ca\.crl\] and more than one entry/);
});

test("Envoy Gateway CA references: a ConfigMap whose only entry is not ca.crt is read (was 500: no valid certificates)", () => {
  const yaml = (data: Record<string, string>) => EG + configMap("ca", data) + ctp(`{caCertificateRefs: [{kind: ConfigMap, name: ca}]}`);
  assert.equal(get(yaml({ "root.pem": CA_A }), "infra/client-a").backend, "apps/v1");
  assert.equal(get(yaml({ "root.pem": CA_A }), "infra/good").connection, "failed");
  const two = get(yaml({ "a.pem": CA_A, "b.pem": CA_D }), "infra/client-a");
  assert.equal(two.status, 500);
  assert.match(two.reason, /TLS: failed to get certificate from ref: ref configmap \[ca\] has none of the expected keys \[ca\.crt\] and more than one entry/);
  assert.equal(get(yaml({ "ca.crt": CA_A, "other": "x" }), "infra/client-a").backend, "apps/v1", "ca.crt among others");
});

test("Envoy Gateway tls.clientValidation.subjectAltNames.otherNames: matched as Envoy's OTHER_NAME matcher (was undetermined)", () => {
  const yaml = (names: string) => EG + configMap("ca", { "ca.crt": CA_D }) + ctp(`{caCertificateRefs: [{kind: ConfigMap, name: ca}], subjectAltNames: {otherNames: [${names}]}}`);
  assert.equal(get(yaml(`{oid: 1.3.6.1.4.1.311.20.2.3, value: alice@corp.example}`), "infra/other").backend, "apps/v1", "a UTF8String UPN");
  assert.equal(get(yaml(`{oid: 1.2.3.4, value: "42"}`), "infra/other").backend, "apps/v1", "an INTEGER in decimal");
  assert.equal(get(yaml(`{oid: 1.3.6.1.4.1.311.20.2.3, type: Suffix, value: "@corp.example"}`), "infra/other").backend, "apps/v1");
  const wrongOid = get(yaml(`{oid: 1.2.3.5, value: "42"}`), "infra/other");
  assert.equal(wrongOid.connection, "failed", "the value of another oid");
  assert.match(wrongOid.reason, /OTHER_NAME\(1\.3\.6\.1\.4\.1\.311\.20\.2\.3\):alice@corp\.example, OTHER_NAME\(1\.2\.3\.4\):42.*SAN matcher/);
  assert.equal(get(yaml(`{oid: 1.3.6.1.4.1.311.20.2.3, value: bob@corp.example}`), "infra/other").connection, "failed");
  assert.equal(get(yaml(`{oid: 1.3.6.1.4.1.311.20.2.3, value: alice@corp.example}`), "infra/good").connection, "failed", "a certificate without otherNames");
  // The oid names the SAN type the translator writes: "DNS" is a DNS matcher; "" SAN_TYPE_UNSPECIFIED, which Envoy refuses.
  assert.equal(get(yaml(`{oid: DNS, value: other.example.com}`), "infra/other").backend, "apps/v1");
  const unspecified = get(yaml(`{oid: "", value: x}`), "infra/other");
  assert.equal(unspecified.status, null);
  assert.match(unspecified.undetermined!, /SubjectAltNameMatcher\.SanType/);
  // An object name OpenSSL may know (OBJ_txt2obj): not decided.
  assert.equal(get(yaml(`{oid: msUPN, value: alice@corp.example}`), "infra/other").status, null);
});
