// Front end for Istio's classic ingress Gateway (networking.istio.io v1, v1beta1, v1alpha3 `Gateway`;
// the Gateway API's is sources/gateway/gateway.ts): the gateway pods its `selector` picks and its
// servers (port, protocol, hosts, TLS), which engine/mesh/istio-gateway.ts merges per gateway proxy and
// routes through the VirtualServices bound to it. istiod's validation webhook (pkg/config/validation/
// validation.go ValidateGateway, validateServer, validateServerPort, validateTLSOptions; agent
// ValidateNamespaceSlashWildcardHostname) refuses what is an error here: such a Gateway configures nothing.

import { isHttpProtocol, isTlsProtocol, type IstioClassicGateway, type IstioGatewayServer, type IstioServerTlsMode } from "../../model/mesh.js";
import { parseAddress } from "../../model/ip.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readCreated, readLabels, readMeta } from "../k8s.js";
import { ISTIO_NETWORKING_APIS } from "./serviceentry.js";
import { DNS_LABEL, wildcardDomainProblem } from "./virtualservice.js";

/** pkg/config/protocol Parse: the protocols a port may name (any case), as Parse spells them; else UnsupportedProtocol. */
const PROTOCOLS = ["TCP", "UDP", "GRPC", "GRPC-WEB", "HTTP", "HTTP_PROXY", "HTTP2", "HTTPS", "TLS", "MONGO", "REDIS", "MYSQL"];
const TLS_MODES: readonly IstioServerTlsMode[] = ["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"];

/**
 * agent.ValidateNamespaceSlashWildcardHostname(host, isGateway=true): `NS/HOST` (NS `*`, `.` or a DNS
 * label; neither part empty) or an old-style HOST; the host part (validateSidecarOrGatewayHostnamePart)
 * `*` or a FQDN ("short names (non FQDN) are not allowed"), a wildcard domain or an IP address, and no
 * partial wildcard (ValidatePartialWildCard: a `*` only as the whole first label).
 */
function serverHostProblem(written: string): string | undefined {
  const slash = written.indexOf("/");
  const [ns, host] = slash < 0 ? [undefined, written] : [written.slice(0, slash), written.slice(slash + 1)];
  if (ns !== undefined && (!ns || !host)) return "config namespace and dnsName in host entry cannot be empty";
  if (ns !== undefined && ns !== "*" && ns !== "." && !DNS_LABEL.test(ns)) return `invalid namespace value ${JSON.stringify(ns)} in gateway`;
  if (host !== "*" && !host.includes(".")) return `short names (non FQDN) are not allowed: ${JSON.stringify(host)}`;
  if (host.includes("*") && !(host === "*" || (host.startsWith("*.") && !host.slice(1).includes("*")))) return `partial wildcard ${JSON.stringify(host)} not allowed`;
  const bad = wildcardDomainProblem(host);
  return bad && !parseAddress(host) ? bad : undefined;
}

function readServer(s: Field, index: number): IstioGatewayServer | undefined {
  if (!s.object()) { s.error("invalid-value", "cannot have nil server (istiod's validateServer)"); return undefined; }
  const hostsField = s.get("hosts");
  const hosts = (s.childList("hosts") ?? []).map((h) => h.string({ required: true }) ?? "");
  if (!hosts.length) s.get("hosts").error("required", "server config must contain at least one host (istiod's validateServer)");
  hosts.forEach((h, i) => { const bad = serverHostProblem(h); if (bad) hostsField.get(i).error("invalid-value", `${bad} (istiod's ValidateNamespaceSlashWildcardHostname)`); });
  const p = s.get("port");
  if (!p.object()) { p.error("required", "port is required (istiod's validateServerPort)"); return undefined; }
  const number = p.childInt("number") ?? 0;
  const bind = s.childString("bind");
  const unix = bind?.startsWith("unix://");
  if (!unix && (number < 1 || number > 65535)) p.get("number").error("range", `port number ${number} must be in the range 1..65535 (istiod's ValidatePort)`);
  const written = p.childString("protocol") ?? "";
  const protocol = written.toUpperCase();
  if (!PROTOCOLS.includes(protocol)) p.get("protocol").error("invalid-value", `invalid protocol ${JSON.stringify(written)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP (istiod's validateServerPort)`);
  if ((p.childInt("targetPort") ?? 0) > 0) p.get("targetPort").error("invalid-value", "targetPort has no impact on Gateways (istiod's validateServerPort)");
  const name = p.childString("name") ?? "";
  if (!name) p.error("required", "port name must be set (istiod's validateServerPort)");
  if (bind && !unix && !parseAddress(bind)) s.get("bind").error("invalid-value", `${JSON.stringify(bind)} is not a valid IP address (istiod's validateServerBind)`);
  const t = s.get("tls");
  let tls: IstioGatewayServer["tls"];
  if (t.object()) {
    const modeText = t.childString("mode") ?? "PASSTHROUGH";
    const mode = TLS_MODES.find((m) => m === modeText);
    if (!mode) t.get("mode").error("invalid-value", `unknown TLS mode ${JSON.stringify(modeText)} (one of ${TLS_MODES.join(", ")})`);
    const credentialName = t.childString("credentialName") || undefined;
    const credentialNames = (t.childList("credentialNames") ?? []).length;
    const cert = t.childString("serverCertificate"), key = t.childString("privateKey"), ca = t.childString("caCertificates");
    const certs = (t.childList("tlsCertificates") ?? []).length;
    // validateTLSOptions.
    if (mode === "ISTIO_MUTUAL") {
      for (const [k, set] of [["serverCertificate", cert], ["privateKey", key], ["caCertificates", ca], ["credentialName", credentialName]] as const) if (set) t.get(k).error("invalid-value", `ISTIO_MUTUAL TLS cannot have associated ${k === "serverCertificate" ? "server certificate" : k === "privateKey" ? "private key" : k === "caCertificates" ? "CA bundle" : "credentialName"} (istiod's validateTLSOptions)`);
    } else if (mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") {
      const sources = [cert && key, credentialName, credentialNames > 0, certs > 0].filter(Boolean).length;
      if (sources > 1) t.error("invalid-value", "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified (istiod's validateTLSOptions)");
      if (!credentialName && !credentialNames && !certs) {
        const prefix = mode === "SIMPLE" ? "SIMPLE TLS" : "MUTUAL TLS";
        if (mode !== "SIMPLE" && !ca) t.error("invalid-value", `${prefix} requires a client CA bundle (istiod's validateTLSOptions)`);
        if (!cert) t.error("invalid-value", `${prefix} requires a server certificate (istiod's validateTLSOptions)`);
        if (!key) t.error("invalid-value", `${prefix} requires a private key (istiod's validateTLSOptions)`);
      }
    } else if (mode && (credentialName || cert || key || ca || certs || credentialNames)) t.warn("no-effect", `${mode} mode does not use certificates, they will be ignored (istiod's validateTLSOptions)`);
    tls = { mode: mode ?? "PASSTHROUGH", httpsRedirect: t.childBool("httpsRedirect") ?? false, ...(credentialName ? { credentialName } : {}) };
  }
  // validateServer: an HTTPS or TLS port needs TLS settings; a plain HTTP one may carry only httpsRedirect
  // (a PASSTHROUGH mode, the zero value, without certificates); any other port none.
  if (PROTOCOLS.includes(protocol)) {
    if (isTlsProtocol(protocol) && !t.object()) s.error("invalid-value", "server must have TLS settings for HTTPS/TLS protocols (istiod's validateServer)");
    else if (!isTlsProtocol(protocol) && t.object()) {
      if (!isHttpProtocol(protocol)) t.error("invalid-value", "server cannot have TLS settings for non HTTPS/TLS ports (istiod's validateServer)");
      else if ((tls!.mode !== "PASSTHROUGH" && tls!.mode !== "AUTO_PASSTHROUGH") || t.childString("caCertificates") || t.childString("privateKey") || t.childString("serverCertificate")) t.error("invalid-value", "server cannot have TLS settings for plain text HTTP ports (istiod's validateServer)");
    }
  }
  if (!isHttpProtocol(protocol) && tls?.httpsRedirect) t.get("httpsRedirect").warn("no-effect", "tls.httpsRedirect should only be used with http servers (istiod's ValidateGateway)");
  return { index, ...(s.childString("name") ? { name: s.childString("name") } : {}), port: { number, protocol, name }, hosts, ...(bind ? { bind } : {}), ...(tls ? { tls } : {}) };
}

export const classicGatewayFrontEnd: FrontEnd = {
  kind: "Gateway", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    // ValidateGateway: "Gateway name must conform to the DNS label format (no dots)".
    if (meta && !DNS_LABEL.test(meta.name)) root.get("metadata").get("name").error("invalid-value", `invalid gateway name: ${JSON.stringify(meta.name)} (istiod's ValidateGateway)`);
    const list = spec.childList("servers") ?? [];
    if (!list.length) spec.get("servers").error("required", "gateway must have at least one server (istiod's ValidateGateway)");
    const servers = list.map((s, i) => readServer(s, i)).filter((s): s is IstioGatewayServer => s !== undefined);
    // "port names in servers must be unique".
    const seen = new Set<string>();
    for (const s of servers) {
      if (seen.has(s.port.name)) list[s.index].get("port").get("name").error("invalid-value", `port names in servers must be unique: duplicate name ${s.port.name} (istiod's ValidateGateway)`);
      seen.add(s.port.name);
    }
    const selector = spec.get("selector").object() ? readLabels(spec.get("selector")) : undefined;
    if (!meta) return;
    const gw: IstioClassicGateway = {
      name: meta.name, namespace: meta.namespace ?? "default", ...(selector && Object.keys(selector).length ? { selector } : {}), servers,
      created: readCreated(root), order: b.inv.mesh.istio.gateways.length, src: ctx.ref,
    };
    b.inv.mesh.istio.gateways.push(gw);
  },
};
