// TLS in the configuration: the certificates a listener serves (written as PEM files beside
// nginx.conf, key included), the client-certificate validation of a port (spec.tls.frontend), and
// TLS from the Gateway to backends (BackendTLSPolicy, the Gateway's client certificate).

import type { ResolvedBackend } from "../../engine/gateway/backends.js";
import type { ListenerState } from "../../engine/gateway/listeners.js";
import { findTlsMaterial } from "../../engine/gateway/tlsrefs.js";
import type { TlsMaterial } from "../../model/gateway.js";
import { arg, block, dir, type Directive } from "./conf.js";
import type { Compilation } from "./context.js";
import { NginxUnsupported } from "./problems.js";

/** Debian's bundle of the system's trusted CAs (BackendTLSPolicy wellKnownCACertificates: System). */
export const SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt";

const fileName = (m: TlsMaterial) => `${m.namespace}_${m.name}.pem`.replace(/[^A-Za-z0-9_.-]/g, "_");

/** A Secret's certificate chain and key as one PEM file; its path. */
function keyPair(c: Compilation, m: TlsMaterial): string {
  if (!m.privateKey) throw new NginxUnsupported("a certificate without its key", `Secret ${m.namespace}/${m.name} holds no usable tls.key`);
  return c.file(`certs/${fileName(m)}`, `${m.certificates.join("\n")}\n${m.privateKey.trim()}\n`);
}

/** ssl_certificate lines of a terminating listener. */
export function servingCertificates(c: Compilation, l: ListenerState): Directive[] {
  return l.certificates.flatMap((m) => { const f = keyPair(c, m); return [dir("ssl_certificate", arg(f)), dir("ssl_certificate_key", arg(f))]; });
}

/**
 * Client-certificate validation on a listener's port: AllowValidOnly closes the connection (444)
 * when no valid certificate is presented, as a failed handshake does; AllowInsecureFallback asks
 * for one and serves whatever comes.
 */
export function clientValidation(c: Compilation, l: ListenerState): { server: Directive[]; locations: Directive[] } {
  const v = l.clientValidation;
  if (!v) return { server: [], locations: [] };
  const ca = c.file(`ca/frontend-${l.listener.port}.pem`, `${v.cas.join("\n")}\n`);
  if (v.mode === "AllowInsecureFallback") return { server: [dir("ssl_client_certificate", arg(ca)), dir("ssl_verify_client", "optional_no_ca")], locations: [] };
  return {
    server: [dir("ssl_client_certificate", arg(ca)), dir("ssl_verify_client", "on"), dir("ssl_verify_depth", "4"), dir("error_page", "495", "496", "=", "@jx_no_client_certificate")],
    locations: [block("location", ["@jx_no_client_certificate"], [dir("return", "444")])],
  };
}

/** TLS to a backend: on (with the proxy_ssl_* or grpc_ssl_* directives) or off. */
export function backendTls(c: Compilation, b: ResolvedBackend, grpc: boolean): { on: boolean; directives: Directive[] } {
  const p = b.tlsPolicy;
  if (!p) return { on: false, directives: [] };
  const v = grpc ? "grpc_ssl" : "proxy_ssl";
  let trusted = SYSTEM_CAS;
  if (!p.wellKnownCACertificates) {
    const cas = p.caCertificateRefs.flatMap((r) => findTlsMaterial(c.engine.inv.routing, "ConfigMap", r.namespace, r.name)?.certificates ?? []);
    if (!cas.length) throw new NginxUnsupported("a BackendTLSPolicy without a usable CA certificate", `BackendTLSPolicy ${p.namespace}/${p.name} names no ConfigMap holding a CA certificate`);
    trusted = c.file(`ca/backend-${p.namespace}_${p.name}.pem`.replace(/[^A-Za-z0-9_.\/-]/g, "_"), `${cas.join("\n")}\n`);
  }
  const out = [dir(`${v}_server_name`, "on"), dir(`${v}_name`, c.literal(p.hostname)), dir(`${v}_verify`, "on"), dir(`${v}_verify_depth`, "4"), dir(`${v}_trusted_certificate`, arg(trusted))];
  const cert = c.gateway.gateway.tls?.backendClientCertificate;
  const m = cert && findTlsMaterial(c.engine.inv.routing, "Secret", cert.namespace, cert.name);
  if (m && !m.problem) { const f = keyPair(c, m); out.push(dir(`${v}_certificate`, arg(f)), dir(`${v}_certificate_key`, arg(f))); }
  return { on: true, directives: out };
}
