// Address groups: for each application (the value of a label, e.g. app.kubernetes.io/name) the
// addresses it has now across clusters, VMs and networks: its pods' own addresses, its Workloads'
// and its Networks' ranges. A perimeter firewall writes its rules per application on them. Pure.

import type { Endpoint } from "../model/endpoint.js";
import { mergeRanges, type AddressRange } from "../model/ip.js";
import { CLUSTER_NETWORK_LABEL } from "../sources/common.js";
import type { ClusterPart } from "./ipam.js";

export const DEFAULT_GROUP_LABELS = ["app.kubernetes.io/name", "app"];

export interface GroupMember {
  /** prod-eu:shop/web-6b7f9-2kq8d, billing/billing-vm[Workload], datacenter[Network] */
  name: string;
  cluster?: string;
  ranges: AddressRange[];
}

export interface AddressGroup {
  app: string;
  /** Sorted, merged. */
  ranges: AddressRange[];
  members: GroupMember[];
}

/** The application an object belongs to: the first of `labels` it carries. */
const appOf = (labels: Readonly<Record<string, string>>, keys: readonly string[]) => keys.map((k) => labels[k]).find((v) => v !== undefined && v !== "");

const point = (e: Endpoint): AddressRange[] => e.addresses.map((a) => ({ family: a.family, first: a.value, last: a.value }));

function memberOf(e: Endpoint, part: ClusterPart, several: boolean): GroupMember | undefined {
  if ((e.kind !== "pod" && e.kind !== "workload") || e.fromTemplate || e.hostNetwork || !e.addresses.length) return undefined;
  const name = `${several && part.cluster ? `${part.cluster}:` : ""}${e.namespace !== undefined ? `${e.namespace}/` : ""}${e.name}${e.kind === "workload" ? "[Workload]" : ""}`;
  return { name, ...(part.cluster ? { cluster: part.cluster } : {}), ranges: point(e) };
}

export function addressGroups(parts: readonly ClusterPart[], labels: readonly string[] = DEFAULT_GROUP_LABELS): AddressGroup[] {
  const groups = new Map<string, GroupMember[]>();
  const add = (app: string | undefined, m: GroupMember | undefined) => { if (app && m) groups.set(app, [...(groups.get(app) ?? []), m]); };
  const several = parts.length > 1, networks = new Set<string>();
  for (const part of parts) {
    for (const e of part.inv.endpoints) add(appOf(e.labels, labels), memberOf(e, part, several));
    for (const n of part.inv.networks) {
      if (n.labels[CLUSTER_NETWORK_LABEL] !== undefined || networks.has(n.name)) continue;
      networks.add(n.name);
      add(appOf(n.labels, labels), { name: `${n.name}[Network]`, ranges: [...n.cidrs] });
    }
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([app, members]) => ({ app, members, ranges: mergeRanges(members.flatMap((m) => m.ranges)) }));
}
