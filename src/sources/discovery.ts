// Front end for discovery.k8s.io: EndpointSlice, validated as the API server does (address type,
// addresses of that type, at most 1000 endpoints and 100 ports), read as far as routing needs it;
// and core/v1 Endpoints, read as the EndpointSliceMirroring controller mirrors them into slices.

import { parseAddress, type Address } from "../model/ip.js";
import { SERVICE_NAME_LABEL, type EndpointSlice, type EndpointSlicePort, type SliceEndpoint } from "../model/endpointslice.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { nonSpecialIPError, readMeta, readPortNumber, readProtocol } from "./k8s.js";

const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"] as const;
const FAMILY = { IPv4: 4, IPv6: 6, FQDN: 0 } as const;

function readPorts(list: Field): EndpointSlicePort[] {
  return (list.list({ max: 20_000 }) ?? []).map((p) => ({
    name: p.get("name").string() ?? "",
    port: p.get("port").present ? readPortNumber(p.get("port")) : undefined,
    protocol: readProtocol(p.get("protocol")),
    appProtocol: p.get("appProtocol").string(),
  }));
}

/** An IP address, undefined when it is not one. (IsValidIPv4Address/IsValidIPv6Address: net.ParseIP, then To4: an IPv4-mapped address is IPv4, no zone, no white space.) */
function endpointIP(s: string): Address | undefined {
  return s.trim() === s ? parseAddress(s) : undefined;
}

/** An endpoint's or address's targetRef, when it names a Pod (in `namespace` unless it names one). */
function readPodRef(ref: Field, namespace: string): SliceEndpoint["pod"] {
  const name = ref.get("kind").string() === "Pod" ? ref.get("name").string() : undefined;
  return name !== undefined ? { namespace: ref.get("namespace").string() ?? namespace, name } : undefined;
}

function readEndpoint(f: Field, namespace: string, type: EndpointSlice["addressType"]): SliceEndpoint | undefined {
  if (!f.object(true)) return undefined;
  const addresses = (f.get("addresses").list({ required: true, min: 1, max: 100 }) ?? []).flatMap((a) => {
    const s = a.string({ required: true });
    if (s === undefined) return [];
    const ip = FAMILY[type] ? endpointIP(s) : undefined;
    if (FAMILY[type] && ip?.family !== FAMILY[type]) { a.error("invalid-ip", `${JSON.stringify(s)} is not an ${type} address`); return []; }
    // validateEndpoints: a valid address of the type, then ValidateEndpointIP.
    const special = ip ? nonSpecialIPError(ip, s) : undefined;
    if (special) { a.error("invalid-ip", `${JSON.stringify(s)} ${special} (ValidateEndpointIP: the API server refuses the EndpointSlice)`); return []; }
    return [s];
  });
  const pod = readPodRef(f.get("targetRef"), namespace);
  const conditions = f.get("conditions");
  const serving = conditions.get("serving").bool(), terminating = conditions.get("terminating").bool(), nodeName = f.get("nodeName").string();
  return {
    addresses,
    // "ready ... A nil value should be interpreted as "true"" (discovery.k8s.io/v1 EndpointConditions).
    ready: conditions.get("ready").bool() ?? true,
    ...(serving !== undefined ? { serving } : {}),
    terminating: terminating ?? false,
    ...(serving !== undefined && terminating !== undefined ? { servingAndTerminating: true as const } : {}),
    ...(nodeName !== undefined ? { nodeName } : {}),
    pod,
  };
}

const endpointSliceFrontEnd: FrontEnd = {
  kind: "EndpointSlice", apiVersions: ["discovery.k8s.io/v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const addressType = root.get("addressType").string({ required: true, oneOf: ADDRESS_TYPES }) as EndpointSlice["addressType"] | undefined;
    if (!meta || !addressType) return;
    const ns = meta.namespace!;
    const endpoints = (root.get("endpoints").list({ max: 1000 }) ?? []).map((e) => readEndpoint(e, ns, addressType)).filter((e) => e !== undefined);
    b.useNamespace(ns, ctx.ref);
    b.inv.endpointSlices.push({ namespace: ns, name: meta.name, service: meta.labels[SERVICE_NAME_LABEL], addressType, ports: readPorts(root.get("ports")), endpoints, src: ctx.ref });
  },
};

/** The label that keeps an Endpoints object from being mirrored (discovery.LabelSkipMirror). */
const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
/** Leader-election Endpoints are not mirrored (endpointslicemirroring_controller.go shouldMirror: LeaderElectionRecordAnnotationKey). */
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";
/** maxEndpointsPerSubset: the controller mirrors at most this many addresses of a subset (ready ones first). */
const MAX_MIRRORED = 1000;

/**
 * core/v1 Endpoints, as the EndpointSliceMirroring controller (pkg/controller/endpointslicemirroring)
 * writes them into EndpointSlices for a Service without selector: a subset's `addresses` ready,
 * its `notReadyAddresses` not (addressToEndpoint sets only Ready), its ports the slice's ports, one
 * slice per address family; not mirrored: objects labelled endpointslice.kubernetes.io/skip-mirror:
 * "true" and leader-election records.
 */
const endpointsFrontEnd: FrontEnd = {
  kind: "Endpoints", apiVersions: ["v1"], namespaced: true,
  // A cluster holds the mirrored EndpointSlices themselves (and Endpoints objects are large and busy to watch).
  live: false,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    if (!meta) return;
    const ns = meta.namespace!;
    b.useNamespace(ns, ctx.ref);
    if (meta.labels[SKIP_MIRROR_LABEL] === "true" || meta.annotations[LEADER_ANNOTATION] !== undefined) return;
    const byFamily = { IPv4: [] as { ports: EndpointSlicePort[]; endpoints: SliceEndpoint[] }[], IPv6: [] as { ports: EndpointSlicePort[]; endpoints: SliceEndpoint[] }[] };
    for (const subset of root.get("subsets").list() ?? []) {
      const ports = (subset.get("ports").list() ?? []).map((p): EndpointSlicePort => ({
        name: p.get("name").string() ?? "", port: readPortNumber(p.get("port")), protocol: readProtocol(p.get("protocol")), appProtocol: p.get("appProtocol").string(),
      }));
      const out = { IPv4: [] as SliceEndpoint[], IPv6: [] as SliceEndpoint[] };
      let count = 0;
      for (const [list, ready] of [["addresses", true], ["notReadyAddresses", false]] as const) {
        for (const a of subset.get(list).list() ?? []) {
          const ip = a.get("ip").string({ required: true });
          if (ip === undefined) continue;
          const address = endpointIP(ip);
          if (address === undefined) { a.get("ip").error("invalid-ip", `${JSON.stringify(ip)} is not an IP address`); continue; }
          // validateEndpointAddress: ValidateEndpointIP.
          const special = nonSpecialIPError(address, ip);
          if (special) { a.get("ip").error("invalid-ip", `${JSON.stringify(ip)} ${special} (ValidateEndpointIP: the API server refuses the Endpoints)`); continue; }
          if (++count > MAX_MIRRORED) continue;
          const nodeName = a.get("nodeName").string(), pod = readPodRef(a.get("targetRef"), ns);
          out[address.family === 4 ? "IPv4" : "IPv6"].push({
            addresses: [ip], ready, terminating: false, ...(nodeName !== undefined ? { nodeName } : {}), ...(pod ? { pod } : {}),
          });
        }
      }
      for (const t of ["IPv4", "IPv6"] as const) if (out[t].length) byFamily[t].push({ ports: ports.filter((p) => p.port !== undefined), endpoints: out[t] });
    }
    for (const t of ["IPv4", "IPv6"] as const) {
      byFamily[t].forEach((s, i) => b.inv.endpointSlices.push({
        namespace: ns, name: `${meta.name} (Endpoints, ${t}${byFamily[t].length > 1 ? ` subset ${i}` : ""})`, service: meta.name, addressType: t,
        ports: s.ports, endpoints: s.endpoints, mirrored: true, src: ctx.ref,
      }));
    }
  },
};

export const discoveryFrontEnds: FrontEnd[] = [endpointSliceFrontEnd, endpointsFrontEnd];
