// Front ends for what decides whether a hop is mutual TLS in Istio: PeerAuthentication (what a
// workload's proxy accepts: STRICT mTLS only, PERMISSIVE both, DISABLE plaintext; per workload
// port) and the TLS settings of DestinationRules (what a client proxy sends to a host: ISTIO_MUTUAL,
// DISABLE, or TLS with its own certificates; unset: Istio's auto mTLS).

import type { ClientTlsMode, IstioClientTls, MtlsMode } from "../../model/mesh.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readCreated, readLabels, readMeta } from "../k8s.js";
import { ISTIO_SECURITY_APIS } from "./authorization.js";
import { ISTIO_NETWORKING_APIS } from "./serviceentry.js";

const MTLS_MODES: readonly MtlsMode[] = ["UNSET", "STRICT", "PERMISSIVE", "DISABLE"];
const TLS_MODES: readonly ClientTlsMode[] = ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"];

function mtlsMode(f: Field): MtlsMode {
  return (f.get("mode").string({ oneOf: MTLS_MODES }) ?? "UNSET") as MtlsMode;
}

export const peerAuthenticationFrontEnd: FrontEnd = {
  kind: "PeerAuthentication", apiVersions: ISTIO_SECURITY_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    spec.object();
    const selector = spec.get("selector").object() ? readLabels(spec.get("selector").get("matchLabels")) : undefined;
    const mode = spec.get("mtls").object() ? mtlsMode(spec.get("mtls")) : "UNSET";
    const ports = new Map<number, MtlsMode>();
    const portLevel = spec.get("portLevelMtls");
    for (const key of portLevel.keys()) {
      const port = /^\d+$/.test(key) ? Number(key) : 0;
      if (port < 1 || port > 65535) { portLevel.get(key).error("invalid-port", `${JSON.stringify(key)} is not a port (1-65535)`); continue; }
      ports.set(port, mtlsMode(portLevel.get(key)));
    }
    if (ports.size && (!selector || !Object.keys(selector).length)) portLevel.error("forbidden", "portLevelMtls needs a workload selector with matchLabels");
    if (!meta) return;
    b.inv.mesh.istio.peerAuthentications.push({ name: meta.name, namespace: meta.namespace!, ...(selector && Object.keys(selector).length ? { selector } : {}), mode, ports, created: readCreated(root), src: ctx.ref });
  },
};

function tlsMode(trafficPolicy: Field): ClientTlsMode | undefined {
  const tls = trafficPolicy.get("tls");
  return tls.object() ? (tls.get("mode").string({ oneOf: TLS_MODES }) ?? "DISABLE") as ClientTlsMode : undefined;
}

/** validation.go validateTrafficPolicy: a policy (of the rule, a subset) with none of its fields set is refused. */
const POLICY_FIELDS = ["outlierDetection", "connectionPool", "loadBalancer", "tls", "portLevelSettings", "tunnel", "proxyProtocol", "retryBudget"];
const PORT_POLICY_FIELDS = ["outlierDetection", "connectionPool", "loadBalancer", "tls"];

/** A field istiod's Go structs see as set: not null, and not an empty list (protojson leaves an empty repeated field nil). */
const isSet = (f: Field) => f.present && !(Array.isArray(f.value) && f.value.length === 0);

/**
 * `portLevelSettings`: each entry's port and `tls` mode (an entry without `tls` has none: pilot's
 * GetPortLevelTrafficPolicy takes the entry instead of the policy, "port level policies do not inherit").
 * istiod's validatePortTrafficPolicies: "portTrafficPolicy must have valid port", "port traffic policy
 * must have at least one field"; validateTrafficPolicy: "traffic policy must have at least one field".
 */
function portLevel(tp: Field): { port: number; mode?: ClientTlsMode }[] {
  if (tp.object() && !POLICY_FIELDS.some((k) => isSet(tp.get(k)))) tp.error("invalid-value", "traffic policy must have at least one field (istiod's validateTrafficPolicy)");
  else if (tp.object() && isSet(tp.get("tunnel")) && isSet(tp.get("proxyProtocol"))) tp.error("invalid-value", "tunnel and proxyProtocol must not be set together (istiod's validateTrafficPolicy)");
  return (tp.get("portLevelSettings").list() ?? []).flatMap((s) => {
    if (s.value === null) { s.error("invalid-value", "traffic policy may not be null (istiod's validatePortTrafficPolicies)"); return []; }
    if (s.object() && !s.get("port").present) s.error("required", "portTrafficPolicy must have valid port (istiod's validatePortTrafficPolicies)");
    if (s.object() && !PORT_POLICY_FIELDS.some((k) => isSet(s.get(k)))) s.error("invalid-value", "port traffic policy must have at least one field (istiod's validatePortTrafficPolicies)");
    if (!s.get("port").present) return [];
    // The CRD takes any uint32 (port: {} is number 0) and istiod checks only that `port` is set; pilot's
    // GetPortLevelTrafficPolicy compares the number with the Service port, so an entry for no port never applies.
    const number = s.get("port").get("number");
    const port = number.present ? number.int({ min: 0, max: 4294967295 }) : 0;
    const mode = tlsMode(s);
    if (port === undefined) return [];
    if (port < 1 || port > 65535) { (number.present ? number : s.get("port")).warn("no-effect", `port ${port} is no port number: this entry applies to no port (pilot's GetPortLevelTrafficPolicy compares it with the Service port)`); return []; }
    return [{ port, ...(mode ? { mode } : {}) }];
  });
}

export const destinationRuleFrontEnd: FrontEnd = {
  kind: "DestinationRule", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const host = spec.get("host").string({ required: true, nonEmpty: true });
    const tp = spec.get("trafficPolicy");
    const ports = portLevel(tp);
    const workloadSelector = spec.get("workloadSelector").object() ? readLabels(spec.get("workloadSelector").get("matchLabels")) : undefined;
    const exportTo = spec.get("exportTo").list()?.map((e) => e.string({ required: true })).filter((e): e is string => e !== undefined);
    // subsets: a name (a DNS label: istiod's validateSubsetName), the labels that pick its endpoints, and
    // its own trafficPolicy's TLS (model/mesh.ts istioClusterTls merges it over the rule's).
    const names = new Set<string>();
    const subsets = (spec.childList("subsets") ?? []).flatMap((s) => {
      const name = s.childString("name", { required: true, nonEmpty: true });
      if (name !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) s.get("name").error("invalid-value", `subset name is invalid: ${name} (istiod's validateSubsetName)`);
      // ValidateDestinationRule: "duplicate subset names: NAME".
      if (name !== undefined && names.has(name)) s.get("name").error("invalid-value", `duplicate subset names: ${name} (istiod's ValidateDestinationRule)`);
      if (name !== undefined) names.add(name);
      const stp = s.get("trafficPolicy");
      const policy = stp.object() ? { ...(tlsMode(stp) ? { mode: tlsMode(stp) } : {}), ports: portLevel(stp) } : undefined;
      return name === undefined ? [] : [{ name, labels: s.get("labels").object() ? readLabels(s.get("labels")) : {}, ...(policy ? { policy } : {}) }];
    });
    if (!meta || host === undefined) return;
    const rule: IstioClientTls = {
      name: meta.name, namespace: meta.namespace!, host, ...(tlsMode(tp) ? { mode: tlsMode(tp) } : {}), ports, ...(tp.object() ? { hasPolicy: true } : {}),
      ...(workloadSelector ? { workloadSelector } : {}), ...(exportTo ? { exportTo } : {}), ...(subsets.length ? { subsets } : {}), created: readCreated(root), src: ctx.ref,
    };
    b.inv.mesh.istio.clientTls.push(rule);
  },
};
