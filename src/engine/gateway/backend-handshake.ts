// The TLS handshake a Gateway makes with a backend under a BackendTLSPolicy: the SNI is
// validation.hostname; the backend's certificate must chain to one of the policy's CA certificates
// and carry validation.hostname — or, when subjectAltNames is set, one of those names (Hostname:
// a DNS name, URI: the exact URI) — else the connection fails (the client gets a 5xx).
// The backend's certificate is the one its pods mount from a TLS Secret (the file an env variable
// of the container names, when one does); when the input does not show it, it is assumed valid.

import type { Endpoint } from "../../model/endpoint.js";
import type { BackendTlsPolicy, RouteGraph, TlsMaterial } from "../../model/gateway.js";
import { chooseEndpoints, type ServiceEndpoints } from "../../model/service-endpoints.js";
import type { BackendFailure } from "./backends.js";
import type { BackendTlsState } from "./backendtls.js";
import { dnsNameCovers, subjectAltNames } from "./certs.js";
import { issuedBy } from "./clientcert.js";
import { findTlsMaterial } from "./tlsrefs.js";

/** The TLS Secret a pod serves: the one whose file an env variable names, else any mounted tls.crt. */
export function servingSecret(graph: RouteGraph, pod: Endpoint): TlsMaterial | undefined {
  const files = (pod.secretFiles ?? []).filter((f) => f.key === "tls.crt");
  const file = files.find((f) => f.named) ?? files[0];
  return file && pod.namespace !== undefined ? findTlsMaterial(graph, "Secret", pod.namespace, file.secret) : undefined;
}

/** The certificate a pod serves (see servingSecret). */
export function servingCertificate(graph: RouteGraph, pod: Endpoint): string | undefined {
  return servingSecret(graph, pod)?.certificates[0];
}

/** Why the certificate does not satisfy the policy's validation, if it does not. */
export function certificateProblem(pem: string, p: BackendTlsPolicy, cas: readonly string[]): string | undefined {
  if (!p.wellKnownCACertificates && !issuedBy(pem, cas)) return "the backend's certificate is not issued by a CA of the policy";
  const names = subjectAltNames(pem);
  if (p.subjectAltNames) {
    const ok = p.subjectAltNames.some((s) => s.type === "URI" ? names.uri.includes(s.uri) : names.dns.some((d) => d === s.hostname || dnsNameCovers(d, s.hostname)));
    return ok ? undefined : `the backend's certificate has none of the subjectAltNames ${p.subjectAltNames.map((s) => s.type === "URI" ? s.uri : s.hostname).join(", ")}`;
  }
  return names.dns.some((d) => dnsNameCovers(d, p.hostname)) ? undefined : `the backend's certificate is not valid for ${p.hostname} (it names ${names.dns.join(", ") || "no DNS name"})`;
}

/** The answer to requests through the policy: 500 when a CA reference is invalid, 503 when no serving certificate validates. */
export function backendTlsFailure(graph: RouteGraph, s: BackendTlsState, endpoints: ServiceEndpoints | undefined): BackendFailure | undefined {
  const p = s.policy;
  // Policies lowered from Ingress annotations are ingress-nginx's proxy-ssl settings, checked by nginx itself.
  if (p.derivedFrom) return undefined;
  const what = `BackendTLSPolicy ${p.namespace}/${p.name}`;
  if (s.caProblems.length) return { status: 500, message: `${what}: ${s.caProblems.map((c) => c.message).join("; ")}; connections using an invalid CA certificate reference fail` };
  const pods = [...new Set((endpoints ? chooseEndpoints(endpoints, "proxy").chosen : []).filter((e) => e.pod).map((e) => e.pod!))];
  const problems = pods.flatMap((pod) => { const pem = servingCertificate(graph, pod); return pem ? [certificateProblem(pem, p, s.cas)] : []; });
  if (!problems.length || problems.some((x) => x === undefined)) return undefined;
  return { status: 503, message: `${what}: the TLS handshake with the backend fails: ${problems[0]}` };
}
