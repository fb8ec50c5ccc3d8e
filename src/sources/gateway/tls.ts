// Front ends for the TLS material Gateways refer to, read only as far as status needs it:
// Secrets (tls.crt + tls.key: a serving or client certificate) and ConfigMaps (ca.crt: a CA
// bundle). Private keys are parsed to check them, and kept only for the data planes that serve
// the certificate (the nginx target); no output prints them. Also BackendTLSPolicy.

import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import type { SubjectAltName, TlsMaterial } from "../../model/gateway.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readMeta } from "../k8s.js";
import { readIstioMeshConfig } from "../istio/meshconfig.js";
import { readLinkerdConfig } from "../linkerd/config.js";
import { readCiliumConfig } from "../cilium.js";
import { readEnvoyGatewayConfig } from "../envoy-gateway.js";
import { readJwksConfigMap } from "../envoy-gateway-security.js";
import { readKubeProxyConfig } from "../kube-proxy-config.js";
import { readIngressNginxConfig } from "../ingress/nginx-annotations.js";
import { readObjectRef } from "./refs.js";
import { GATEWAY_API_VERSIONS as V, manifestOf, readHostname, readKind, readLifecycle, readObjectName, readSectionName } from "./values.js";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The value of data[key] (base64) or stringData[key]. */
function entry(root: Field, key: string, base64: boolean): string | undefined {
  const plain = root.get("stringData").get(key).string();
  if (plain !== undefined) return plain;
  const data = root.get("data").get(key).string();
  if (data === undefined) return undefined;
  return base64 ? Buffer.from(data, "base64").toString("utf8") : data;
}

/** PEM certificates that parse; a description of the first that does not. */
function parseCertificates(pem: string | undefined): { certificates: string[]; problem?: string } {
  const blocks = pem?.match(PEM_CERT) ?? [];
  if (!blocks.length) return { certificates: [], problem: "contains no PEM certificate" };
  for (const b of blocks) {
    try { new X509Certificate(b); } catch { return { certificates: [], problem: "contains a certificate that does not parse" }; }
  }
  return { certificates: blocks };
}

function secretMaterial(root: Field): Omit<TlsMaterial, "kind" | "namespace" | "name"> {
  const ca = entry(root, "ca.crt", true);
  const caCertificates = ca === undefined ? {} : { caCertificates: parseCertificates(ca).certificates };
  const crt = entry(root, "tls.crt", true);
  const key = entry(root, "tls.key", true);
  if (crt === undefined || key === undefined) return { certificates: [], problem: "has no tls.crt and tls.key", ...(crt === undefined ? { data: opaqueData(root) } : {}), ...caCertificates };
  const parsed = parseCertificates(crt);
  if (parsed.problem) return { certificates: [], problem: `tls.crt ${parsed.problem}`, ...caCertificates };
  let privateKey: KeyObject;
  try { privateKey = createPrivateKey(key); } catch { return { certificates: [], problem: "tls.key does not hold a private key", ...caCertificates }; }
  if (!new X509Certificate(parsed.certificates[0]).checkPrivateKey(privateKey)) return { certificates: [], problem: "tls.key is not the private key of the certificate in tls.crt", ...caCertificates };
  return { ...parsed, privateKey: key, ...caCertificates };
}

/**
 * What validateAndGetDataAtKeyInRef reads of an object's entries (TlsMaterial.refData): their keys (a Secret's
 * data and stringData, a ConfigMap's data), and only the values it may read decoded: ca.crl's, and the only
 * entry's (`base64`: a Secret's data values).
 */
function refData(root: Field, base64: boolean): TlsMaterial["refData"] {
  const keys = new Set([...Object.keys(root.get("data").object() ?? {}), ...(base64 ? Object.keys(root.get("stringData").object() ?? {}) : [])]);
  const value = (key: string) => { const v = base64 ? entry(root, key, true) : root.get("data").get(key).string(); return v !== undefined && v.length <= REF_VALUE_MAX ? v : undefined; };
  const crl = keys.has("ca.crl") ? value("ca.crl") : undefined;
  const sole = keys.size === 1 ? value([...keys][0]) : undefined;
  return {
    entries: keys.size, caCrt: keys.has("ca.crt"), ...(crl !== undefined ? { caCrl: crl } : {}),
    ...(sole !== undefined ? { sole: sole === "" ? "" : sole.includes("-----BEGIN") ? sole : "-" } : {}),
  };
}
const REF_VALUE_MAX = 1024 * 1024;
const stringEntries = (f: Field) => Object.entries(f.object() ?? {}).filter((e): e is [string, string] => typeof e[1] === "string");

/** A Secret's data and stringData (stringData wins, as the API server merges it), decoded: what Envoy Gateway's SecurityPolicy reads (TlsMaterial.data). */
function opaqueData(root: Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root.get("data").object() ?? {})) if (typeof v === "string") out[k] = Buffer.from(v, "base64").toString("utf8");
  for (const [k, v] of Object.entries(root.get("stringData").object() ?? {})) if (typeof v === "string") out[k] = v;
  return out;
}

const secretFrontEnd: FrontEnd = {
  kind: "Secret", apiVersions: ["v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    if (!meta) return;
    b.inv.routing.tlsMaterial.push({ kind: "Secret", namespace: meta.namespace!, name: meta.name, ...secretMaterial(root), refData: refData(root, true) });
  },
};

const configMapFrontEnd: FrontEnd = {
  kind: "ConfigMap", apiVersions: ["v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    if (!meta) return;
    // istiod's mesh configuration is a ConfigMap too (sources/istio/meshconfig.ts).
    readIstioMeshConfig(root, meta, b);
    // And Linkerd's control-plane values (sources/linkerd/config.ts).
    readLinkerdConfig(root, meta, b);
    // So is the Cilium agent's (sources/cilium.ts), and the ingress-nginx controller's.
    readCiliumConfig(root, meta, b);
    readIngressNginxConfig(root, meta, b);
    // And Envoy Gateway's (sources/envoy-gateway.ts).
    readEnvoyGatewayConfig(root, meta, b);
    // What an Envoy Gateway SecurityPolicy's localJWKS valueRef reads of it (sources/envoy-gateway-security.ts).
    readJwksConfigMap(root, meta, b);
    // And kube-proxy's (sources/kube-proxy-config.ts).
    readKubeProxyConfig(root, meta, b);
    const parsed = parseCertificates(entry(root, "ca.crt", false));
    b.inv.routing.tlsMaterial.push({ kind: "ConfigMap", namespace: meta.namespace!, name: meta.name, certificates: parsed.certificates, problem: parsed.problem && `ca.crt ${parsed.problem}`, bodyBytes: bodyBytes(root.get("data")), refData: refData(root, false) });
  },
};

/** What an Envoy Gateway responseOverride reads of a ConfigMap's data (TlsMaterial.bodyBytes): its values' sizes in bytes (Go's len), response.body's alone when it is there. */
function bodyBytes(data: Field): number[] {
  const values = stringEntries(data);
  const body = values.find(([k]) => k === "response.body");
  return (body ? [body] : values).map(([, v]) => Buffer.byteLength(v, "utf8"));
}

/** A subjectAltNames entry: type Hostname with hostname, or type URI with an absolute uri. */
function readSubjectAltName(f: Field): SubjectAltName[] {
  const type = f.get("type").string({ required: true, oneOf: ["Hostname", "URI"] });
  if (type === "Hostname") { const hostname = readHostname(f.get("hostname"), true); return hostname ? [{ type, hostname }] : []; }
  if (type !== "URI") return [];
  const uri = f.get("uri").string({ required: true, nonEmpty: true });
  if (uri !== undefined && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(uri)) f.get("uri").error("invalid-value", `${JSON.stringify(uri)} is not an absolute URI (scheme:rest)`);
  return uri ? [{ type, uri }] : [];
}

const backendTlsPolicyFrontEnd: FrontEnd = {
  kind: "BackendTLSPolicy", apiVersions: [V.v1, V.v1alpha3], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const targets = (spec.get("targetRefs").list({ required: true, min: 1, max: 16 }) ?? []).map((t) => ({
      group: t.get("group").string({ required: true }) ?? "", kind: readKind(t.get("kind"), ""), name: readObjectName(t.get("name")) ?? "",
      sectionName: readSectionName(t.get("sectionName")),
    }));
    const v = spec.get("validation");
    const hostname = readHostname(v.get("hostname"), true) ?? "";
    const caCertificateRefs = (v.get("caCertificateRefs").list({ max: 8 }) ?? []).map((r) => readObjectRef(r, meta.namespace!, "", "ConfigMap")).filter((r) => r !== undefined);
    const wellKnownCACertificates = v.get("wellKnownCACertificates").string({ oneOf: ["System"] });
    const subjectAltNames = (v.get("subjectAltNames").list({ max: 5 }) ?? []).flatMap(readSubjectAltName);
    if (!caCertificateRefs.length === !wellKnownCACertificates) v.error("exclusive", "exactly one of caCertificateRefs and wellKnownCACertificates must be set");
    b.inv.routing.backendTlsPolicies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: b.inv.routing.backendTlsPolicies.length, manifest: manifestOf(root), src: ctx.ref,
      targets, hostname, caCertificateRefs, wellKnownCACertificates, subjectAltNames: subjectAltNames.length ? subjectAltNames : undefined,
    });
  },
};

export const tlsFrontEnds: FrontEnd[] = [secretFrontEnd, configMapFrontEnd, backendTlsPolicyFrontEnd];
