// Front end for discovery.k8s.io: EndpointSlice, validated as the API server does (address type,
// addresses of that type, at most 1000 endpoints and 100 ports), read as far as routing needs it.

import { parseAddress } from "../model/ip.js";
import { SERVICE_NAME_LABEL, type EndpointSlice, type EndpointSlicePort, type SliceEndpoint } from "../model/endpointslice.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readPortNumber, readProtocol } from "./k8s.js";

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

function readEndpoint(f: Field, namespace: string, type: EndpointSlice["addressType"]): SliceEndpoint | undefined {
  if (!f.object(true)) return undefined;
  const addresses = (f.get("addresses").list({ required: true, min: 1, max: 100 }) ?? []).flatMap((a) => {
    const s = a.string({ required: true });
    if (s === undefined) return [];
    // (IsValidIPv4Address/IsValidIPv6Address: net.ParseIP, then To4: an IPv4-mapped address is IPv4, no zone, no white space.)
    if (FAMILY[type] && (s.trim() !== s || parseAddress(s)?.family !== FAMILY[type])) { a.error("invalid-ip", `${JSON.stringify(s)} is not an ${type} address`); return []; }
    return [s];
  });
  const ref = f.get("targetRef");
  const podName = ref.get("kind").string() === "Pod" ? ref.get("name").string() : undefined;
  return {
    addresses,
    // "ready ... A nil value should be interpreted as "true"" (discovery.k8s.io/v1 EndpointConditions).
    ready: f.get("conditions").get("ready").bool() ?? true,
    pod: podName !== undefined ? { namespace: ref.get("namespace").string() ?? namespace, name: podName } : undefined,
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

export const discoveryFrontEnds: FrontEnd[] = [endpointSliceFrontEnd];
