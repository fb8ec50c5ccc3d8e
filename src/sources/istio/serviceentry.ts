// Front ends for Istio's service registry: ServiceEntry (networking.istio.io v1, v1beta1, v1alpha3),
// which adds hosts, addresses and ports to the registry every Istio proxy is given, and the
// `outboundTrafficPolicy` of Sidecar resources, which decides what a sidecar does with a connection
// to a destination that is not in that registry (engine/mesh/registry.ts). Both kinds are
// validated against istio/api's CRD schema (schemas/upstream/networking.istio.io) before they are
// read here; the checks of pilot's validation webhook (pkg/config/validation/agent
// ValidateServiceEntry) that the schema lacks are errors.

import { parseAddress, parseCidr } from "../../model/ip.js";
import { ISTIO_OUTBOUND_MODES, type IstioEgressListener, type IstioOutboundMode, type IstioServiceEntry } from "../../model/mesh.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { dnsLabelError, readCreated, readLabels, readMeta } from "../k8s.js";

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

/** A DNS label as Istio reads it (pkg/config/labels IsDNS1123Label: letters of either case, digits and '-', at most 63 characters). */
const ISTIO_DNS_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

/**
 * A name the validation webhook takes as a FQDN (agent.ValidateFQDN: at most 255 characters, a last
 * dot-separated part not all digits, every part a DNS label but an empty last one: `istio.io.`).
 */
function fqdnProblem(name: string): string | undefined {
  const parts = name.split(".");
  const last = parts.length - 1;
  const invalid = !name || name.length > 255 || /^\d+$/.test(parts[last]) || parts.some((l, i) => !(i === last && l === "") && !ISTIO_DNS_LABEL.test(l));
  return invalid ? `${JSON.stringify(name)} is not a valid FQDN` : undefined;
}

/**
 * An endpoint's address, as pilot's validation webhook checks it (validation.go ValidateServiceEntry).
 * Resolution STATIC: validateWorkloadEntry, the address required unless the endpoint names a
 * `network` (then a warning), an IP address or a `unix://` socket (an absolute path or an `@`
 * abstract name, the entry declaring exactly one port; without `ports`: the CRD's rule). DNS and DNS_ROUND_ROBIN
 * check the address alone: an IP address or a FQDN (agent.ValidateFQDN), so an empty address (a
 * network named or not) and a `unix://` socket are errors there. Resolutions NONE and DYNAMIC_DNS
 * take no endpoints at all (an error of the entry).
 */
function endpointAddress(e: Field, resolution: IstioServiceEntry["resolution"], entryPorts: number): string | undefined {
  const f = e.get("address");
  const address = f.string();
  // (A value of another type is the schema's error already.)
  if (resolution === "NONE" || resolution === "DYNAMIC_DNS" || (address === undefined && f.present)) return address;
  if (resolution === "DNS" || resolution === "DNS_ROUND_ROBIN") {
    if (!parseAddress(address ?? "") && fqdnProblem(address ?? "")) (f.present ? f : e).error("invalid-value", `endpoint address ${JSON.stringify(address ?? "")} is not a valid FQDN or an IP address (resolution ${resolution}: ValidateServiceEntry)`);
    return address || undefined;
  }
  if (!address) return unsetAddress(e, "ValidateServiceEntry");
  if (address.startsWith("unix://")) {
    unixAddress(f, address, "ValidateServiceEntry");
    if (entryPorts !== 1) f.error("invalid-value", "exactly 1 service port required for unix endpoints (ValidateServiceEntry)");
    return address;
  }
  if (!parseAddress(address)) f.error("invalid-value", `endpoint address ${JSON.stringify(address)} is not a valid IP address (resolution ${resolution}: ValidateServiceEntry)`);
  return address;
}

/** validateWorkloadEntry of an endpoint (`e`) without an address: an error, unless it names a `network` (a warning). */
function unsetAddress(e: Field, check: string): undefined {
  const network = e.get("network").string();
  if (network) e.warn("address-unset", `address is unset with network ${JSON.stringify(network)} (${check})`);
  else e.error("required", `address is required (${check})`);
  return undefined;
}

/** ValidateUnixAddress of a `unix://` address: a path, absolute and not a directory, or an `@` abstract name. */
function unixAddress(f: Field, address: string, check: string): void {
  const path = address.slice("unix://".length);
  if (!path) f.error("invalid-value", `unix address must not be empty (${check}: ValidateUnixAddress)`);
  else if (!path.startsWith("@") && (!path.startsWith("/") || path.endsWith("/"))) f.error("invalid-value", `${path} is not an absolute path to a file (${check}: ValidateUnixAddress)`);
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
      const address = endpointAddress(e, resolution, ports.length);
      const pm = e.get("ports");
      const portMap: Record<string, number> = {};
      for (const k of pm.keys()) {
        const n = pm.get(k).int({ min: 1, max: 65535 });
        if (n !== undefined && !ports.some((p) => p.name === k)) pm.get(k).error("invalid-value", `endpoint port ${n} is not defined by the service entry (ValidateServiceEntry: its name ${JSON.stringify(k)} is no port's)`);
        else if (n !== undefined) portMap[k] = n;
      }
      return address === undefined ? [] : [{ address, ...(Object.keys(portMap).length ? { ports: portMap } : {}) }];
    });
    if (workloadSelector && spec.get("endpoints").present) spec.get("workloadSelector").error("exclusive", "only one of workloadSelector or endpoints can be set");
    if (resolution === "NONE" && spec.get("endpoints").present) spec.get("endpoints").error("forbidden", "NONE mode cannot set endpoints");
    if (resolution === "DYNAMIC_DNS" && spec.get("endpoints").present) spec.get("endpoints").error("forbidden", "endpoints cannot be set for resolution type DYNAMIC_DNS (ValidateServiceEntry)");
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

const WORKLOAD_ENTRY_FIELDS = ["address", "ports", "labels", "network", "locality", "weight", "serviceAccount"];

/**
 * WorkloadEntry (networking.istio.io v1, v1beta1, v1alpha3): a VM or other workload outside the pods
 * that a ServiceEntry's workloadSelector selects (engine/mesh/registry.ts entryTargets). Checked as
 * pilot's validation webhook does (validation.go ValidateWorkloadEntry -> validateWorkloadEntry: the
 * address required unless a `network` is named, then a warning; a `unix://` socket, which takes no
 * ports; else an IP address or a FQDN; ports named as DNS labels, 1-65535; labels valid). Its IP
 * address is an endpoint of the inventory (a `workload`, as the common API's Workload), so the
 * network policies judge connections there.
 */
export const workloadEntryFrontEnd: FrontEnd = {
  kind: "WorkloadEntry", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    spec.onlyKeys(WORKLOAD_ENTRY_FIELDS, "a WorkloadEntry's spec");
    const f = spec.get("address");
    const address = f.string() ?? "";
    const network = spec.get("network").string({ nonEmpty: true });
    if (!address) unsetAddress(spec, "ValidateWorkloadEntry");
    else if (address.startsWith("unix://")) {
      unixAddress(f, address, "ValidateWorkloadEntry");
      if (spec.get("ports").keys().length) f.error("invalid-value", `unix endpoint ${address} must not include ports (ValidateWorkloadEntry)`);
    } else if (!parseAddress(address) && fqdnProblem(address)) f.error("invalid-value", `endpoint address ${JSON.stringify(address)} is not a valid FQDN or an IP address (ValidateWorkloadEntry)`);
    const pm = spec.get("ports");
    const ports: Record<string, number> = {};
    for (const k of pm.keys()) {
      const n = pm.get(k).int({ min: 1, max: 65535 });
      if (!ISTIO_DNS_LABEL.test(k) || k.length > 63) pm.get(k).error("invalid-value", `invalid port name: ${JSON.stringify(k)} (ValidateWorkloadEntry: ValidatePortName)`);
      else if (n !== undefined) ports[k] = n;
    }
    const labels = readLabels(spec.get("labels"));
    const weight = spec.get("weight").int({ min: 0, max: 4294967295 });
    const serviceAccount = spec.get("serviceAccount").string({ nonEmpty: true });
    spec.get("locality").string();
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    const ip = parseAddress(address);
    const endpoint = ip && b.addEndpoint({
      kind: "workload", name: meta.name, namespace: meta.namespace, labels, addresses: [ip], owner: { kind: "WorkloadEntry", name: meta.name },
      ports: Object.entries(ports).map(([name, port]) => ({ name, port, protocol: "TCP" as const })), ...(serviceAccount ? { serviceAccount } : {}), src: ctx.ref,
    });
    b.inv.mesh.istio.workloadEntries.push({
      name: meta.name, namespace: meta.namespace!, labels, address, ports, ...(network ? { network } : {}), ...(weight !== undefined ? { weight } : {}),
      ...(serviceAccount ? { serviceAccount } : {}), ...(endpoint ? { endpoint } : {}), src: ctx.ref,
    });
  },
};

/**
 * A Sidecar's egress listeners and outboundTrafficPolicy (pilot/pkg/model/sidecar.go
 * convertToSidecarScope: a Sidecar that sets a policy replaces the mesh's; its `mode` left out is the
 * enum's zero value, REGISTRY_ONLY). Its ingress listeners are not read: the answer says so.
 */
export const sidecarFrontEnd: FrontEnd = {
  kind: "Sidecar", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    // The CRD requires no spec, but istiod's webhook refuses a Sidecar without egress, ingress,
    // outboundTrafficPolicy and inboundConnectionPool (ValidateSidecar: "sidecar: empty
    // configuration provided"), absent spec or spec: {} alike (it was read as a Sidecar, or refused
    // as a missing spec).
    const spec = root.get("spec");
    if (spec.present && !spec.object()) return;
    if (!["egress", "ingress", "outboundTrafficPolicy", "inboundConnectionPool"].some((k) => spec.get(k).present)) {
      spec.error("invalid-value", "sidecar: empty configuration provided (ValidateSidecar: set egress, ingress, outboundTrafficPolicy or inboundConnectionPool; istiod refuses it)");
      return;
    }
    const ws = spec.get("workloadSelector");
    const workloadSelector = ws.object() ? readLabels(ws.get("labels")) : undefined;
    const otp = spec.get("outboundTrafficPolicy");
    const mode = otp.object() ? (otp.get("mode").string({ oneOf: ISTIO_OUTBOUND_MODES }) ?? "REGISTRY_ONLY") as IstioOutboundMode : undefined;
    const egress = spec.get("egress").present ? readEgress(spec.get("egress")) : undefined;
    if (spec.get("ingress").present) ctx.info(["spec", "ingress"], "not-modelled", "a Sidecar's ingress listeners configure its inbound ports; Junction reads its egress listeners and outboundTrafficPolicy");
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    b.inv.mesh.istio.sidecars.push({
      name: meta.name, namespace: meta.namespace!, ...(workloadSelector ? { workloadSelector } : {}), ...(egress ? { egress } : {}),
      ...(mode ? { outboundTrafficPolicy: mode } : {}), created: readCreated(root), src: ctx.ref,
    });
  },
};

/**
 * spec.egress, with the checks of pilot's validation webhook (pkg/config/validation/validation.go
 * ValidateSidecar) the schema lacks: at least one host per listener, each `namespace/dnsName`
 * (agent.ValidateNamespaceSlashWildcardHostname: the namespace `*`, `.` or a DNS label, optionally
 * `~`-prefixed; neither part empty); one listener without a port at most, and last; ports unique.
 */
function readEgress(egress: Field): IstioEgressListener[] {
  const items = egress.list() ?? [];
  const seen = new Set<number>();
  return items.flatMap((l, i) => {
    const pf = l.get("port");
    const number = pf.object() ? pf.get("number").int({ min: 0, max: 65535 }) : undefined;
    const protocol = pf.object() ? pf.get("protocol").string()?.toUpperCase() : undefined;
    if (!pf.present && i !== items.length - 1) l.error("invalid-value", "the egress listener with empty port should be the last listener in the list (ValidateSidecar)");
    if (number !== undefined && number > 0) {
      if (seen.has(number)) pf.get("number").error("invalid-value", "ports on IP bound listeners must be unique (ValidateSidecar)");
      seen.add(number);
    }
    const bind = l.get("bind").string();
    const captureNone = l.get("captureMode").string() === "NONE";
    const hosts = (l.get("hosts").list({ required: true }) ?? []).flatMap((h) => {
      const v = h.string({ required: true, nonEmpty: true });
      if (v === undefined) return [];
      const slash = v.indexOf("/");
      const ns = v.slice(0, slash), name = v.slice(slash + 1).toLowerCase();
      const bare = ns.startsWith("~") ? ns.slice(1) : ns;
      const problem = slash < 0 ? "host must be of form namespace/dnsName"
        : !ns || !name ? "config namespace and dnsName in host entry cannot be empty"
        : bare !== "" && bare !== "*" && bare !== "." && dnsLabelError(bare) ? `invalid namespace value ${JSON.stringify(ns)} in sidecar`
        : name !== "*" && hostProblem(name) ? hostProblem(name) : undefined;
      if (problem) { h.error("invalid-value", `${JSON.stringify(v)}: ${problem} (ValidateSidecar)`); return []; }
      return [{ namespace: bare === "" ? "*" : bare, host: name, excluded: ns.startsWith("~") }];
    });
    if (l.get("hosts").list()?.length === 0) l.get("hosts").error("invalid-value", "egress listener must contain at least one host (ValidateSidecar)");
    // Port 0 is a unix domain socket listener (its bind is unix://...): it takes no captured connection.
    const port = number !== undefined ? { number, ...(protocol ? { protocol } : {}) } : undefined;
    const bound = bind || (captureNone ? "localhost" : undefined);
    return [{ ...(port ? { port } : {}), ...(bound ? { bound } : {}), hosts }];
  });
}
