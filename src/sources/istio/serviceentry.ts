// Front ends for Istio's service registry: ServiceEntry (networking.istio.io v1, v1beta1, v1alpha3),
// which adds hosts, addresses and ports to the registry every Istio proxy is given, and the
// `outboundTrafficPolicy` of Sidecar resources, which decides what a sidecar does with a connection
// to a destination that is not in that registry (engine/mesh/registry.ts). Both kinds are
// validated against istio/api's CRD schema (schemas/upstream/networking.istio.io) before they are
// read here; the checks of pilot's validation webhook (pkg/config/validation/agent
// ValidateServiceEntry) that the schema lacks are errors.

import { parseAddress, parseCidr } from "../../model/ip.js";
import { ISTIO_OUTBOUND_MODES, type IstioOutboundMode, type IstioServiceEntry } from "../../model/mesh.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readCreated, readLabels, readMeta } from "../k8s.js";

export const ISTIO_NETWORKING_APIS = ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"];
const LOCATIONS = ["MESH_EXTERNAL", "MESH_INTERNAL"] as const;
const RESOLUTIONS = ["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"] as const;

/** A ServiceEntry host (ValidateServiceEntry: validateHost, a FQDN or a `*.` wildcard prefix; "*" alone is refused). */
function hostProblem(host: string): string | undefined {
  if (host === "*") return "a ServiceEntry host cannot be \"*\"";
  const name = host.startsWith("*.") ? host.slice(2) : host;
  if (name.includes("*")) return `${JSON.stringify(host)}: a wildcard is allowed only as the first label ("*.example.com")`;
  if (parseAddress(host)) return undefined;
  return name.split(".").every((l) => /^[a-zA-Z0-9]([-a-zA-Z0-9_]{0,61}[a-zA-Z0-9])?$/.test(l)) ? undefined : `${JSON.stringify(host)} is not a valid host name`;
}

export const serviceEntryFrontEnd: FrontEnd = {
  kind: "ServiceEntry", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const hosts: string[] = [];
    for (const h of spec.get("hosts").list({ required: true }) ?? []) {
      const v = h.string({ required: true, nonEmpty: true });
      const problem = v === undefined ? undefined : hostProblem(v);
      if (problem) h.error("invalid-value", problem);
      else if (v !== undefined) hosts.push(v.toLowerCase());
    }
    const addresses = (spec.get("addresses").list() ?? []).flatMap((a) => {
      const v = a.string({ required: true });
      if (v === undefined) return [];
      const cidr = v.includes("/") ? parseCidr(v) : parseAddress(v) && parseCidr(`${v}/${v.includes(":") ? 128 : 32}`);
      if (!cidr) { a.error("invalid-value", `${JSON.stringify(v)} is not an IP address or a CIDR (ValidateServiceEntry)`); return []; }
      return [cidr];
    });
    const ports = (spec.get("ports").list() ?? []).flatMap((p) => {
      const number = p.get("number").int({ required: true, min: 1, max: 65535 });
      const name = p.get("name").string({ required: true }) ?? "";
      const protocol = p.get("protocol").string();
      const targetPort = p.get("targetPort").int({ min: 1, max: 65535 });
      return number === undefined ? [] : [{ number, name, ...(protocol ? { protocol: protocol.toUpperCase() } : {}), ...(targetPort !== undefined ? { targetPort } : {}) }];
    });
    const location = (spec.get("location").string({ oneOf: LOCATIONS }) ?? "MESH_EXTERNAL") as IstioServiceEntry["location"];
    const resolution = (spec.get("resolution").string({ oneOf: RESOLUTIONS }) ?? "NONE") as IstioServiceEntry["resolution"];
    const ws = spec.get("workloadSelector");
    const workloadSelector = ws.object() ? readLabels(ws.get("labels")) : undefined;
    const endpoints = (spec.get("endpoints").list() ?? []).flatMap((e) => {
      const address = e.get("address").string();
      const pm = e.get("ports");
      const portMap: Record<string, number> = {};
      for (const k of pm.keys()) { const n = pm.get(k).int({ min: 1, max: 65535 }); if (n !== undefined) portMap[k] = n; }
      return address === undefined ? [] : [{ address, ...(Object.keys(portMap).length ? { ports: portMap } : {}) }];
    });
    if (workloadSelector && spec.get("endpoints").present) spec.get("workloadSelector").error("exclusive", "only one of workloadSelector or endpoints can be set");
    if (resolution === "NONE" && spec.get("endpoints").present) spec.get("endpoints").error("forbidden", "NONE mode cannot set endpoints");
    if (addresses.some((c) => (c.family === 4 ? c.prefix < 32 : c.prefix < 128)) && resolution !== "NONE" && resolution !== "STATIC") {
      spec.get("addresses").error("forbidden", "CIDR addresses are allowed only for NONE/STATIC resolution types");
    }
    const exportTo = spec.get("exportTo").list()?.map((e) => e.string({ required: true })).filter((e): e is string => e !== undefined);
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    const entry: IstioServiceEntry = {
      name: meta.name, namespace: meta.namespace!, labels: meta.labels, hosts, addresses, ports, location, resolution,
      ...(workloadSelector ? { workloadSelector } : {}), endpoints, ...(exportTo ? { exportTo } : {}), created: readCreated(root), src: ctx.ref,
    };
    b.inv.mesh.istio.serviceEntries.push(entry);
  },
};

/**
 * A Sidecar's outboundTrafficPolicy (pilot/pkg/model/sidecar.go convertToSidecarScope: a Sidecar
 * that sets one replaces the mesh's; its `mode` left out is the enum's zero value, REGISTRY_ONLY).
 * The rest of the Sidecar (its egress hosts, its ingress listeners) is not read: the answer says so.
 */
export const sidecarFrontEnd: FrontEnd = {
  kind: "Sidecar", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const ws = spec.get("workloadSelector");
    const workloadSelector = ws.object() ? readLabels(ws.get("labels")) : undefined;
    const otp = spec.get("outboundTrafficPolicy");
    const mode = otp.object() ? (otp.get("mode").string({ oneOf: ISTIO_OUTBOUND_MODES }) ?? "REGISTRY_ONLY") as IstioOutboundMode : undefined;
    if (spec.get("egress").present) ctx.info(["spec", "egress"], "not-modelled", "a Sidecar's egress hosts narrow the registry its proxies see; Junction reads its outboundTrafficPolicy only and takes every exported host as visible");
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    b.inv.mesh.istio.sidecars.push({ name: meta.name, namespace: meta.namespace!, ...(workloadSelector ? { workloadSelector } : {}), ...(mode ? { outboundTrafficPolicy: mode } : {}), created: readCreated(root), src: ctx.ref });
  },
};

/** meshConfig.outboundTrafficPolicy.mode (the mesh default for sidecars without a Sidecar that sets one). */
export function readOutboundTrafficPolicy(mesh: Field): IstioOutboundMode | undefined {
  return mesh.get("outboundTrafficPolicy").get("mode").string({ oneOf: ISTIO_OUTBOUND_MODES }) as IstioOutboundMode | undefined;
}
