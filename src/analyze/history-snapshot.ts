// What a snapshot of a cluster says about addresses, as history records: the endpoints holding
// addresses in an inventory (pods, Workloads, nodes, Services' cluster IPs), compared with what
// the history held before. Host-network pods hold no address of their own: their traffic is
// their node's.

import type { Endpoint } from "../model/endpoint.js";
import { holderKey, type Holder, type HistoryRecord } from "../model/history.js";
import { formatAddress } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import { groupOwner } from "../model/owners.js";

export interface Held {
  holder: Holder;
  addresses: string[];
}

function endpointHolder(e: Endpoint, owner: Endpoint["owner"], cluster?: string): Holder {
  const h: Holder = { kind: e.kind === "pod" ? "pod" : e.kind === "node" ? "node" : "workload", ...(cluster ? { cluster } : {}), ...(e.namespace !== undefined ? { namespace: e.namespace } : {}), name: e.name, labels: e.labels };
  if (owner) h.owner = { kind: owner.kind, name: owner.name };
  if (e.nodeName) h.node = e.nodeName;
  if (e.serviceAccount) h.serviceAccount = e.serviceAccount;
  // (Name, number and protocol: what a history record keeps of a port; an init container's mark is the model's.)
  if (e.ports.length) h.ports = e.ports.map((p) => (p.name === undefined ? { port: p.port, protocol: p.protocol } : { name: p.name, port: p.port, protocol: p.protocol }));
  return h;
}

/** The endpoints of an inventory that hold addresses, by holder key. */
export function heldAddresses(inv: Inventory, cluster?: string): Map<string, Held> {
  const out = new Map<string, Held>();
  const ownerOf = groupOwner(inv);
  for (const e of inv.endpoints) {
    if (e.kind === "external" || e.fromTemplate || e.hostNetwork || e.addresses.length === 0) continue;
    const holder = endpointHolder(e, e.kind === "pod" ? ownerOf(e) : undefined, cluster);
    out.set(holderKey(holder), { holder, addresses: e.addresses.map(formatAddress) });
  }
  for (const s of inv.services) {
    if (s.headless || s.clusterIPs.length === 0) continue;
    const holder: Holder = { kind: "service", ...(cluster ? { cluster } : {}), namespace: s.namespace, name: s.name, labels: {} };
    out.set(holderKey(holder), { holder, addresses: s.clusterIPs.map(formatAddress) });
  }
  return out;
}

/** JSON with object keys sorted, so that equal holders read back from a file compare equal. */
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
const same = (a: Held, b: Held) => canonical(a) === canonical(b);

/**
 * The records that take the history from `before` to `now`, observed at `at`: what changed since
 * the previous observation `after` (null: nothing observed before, so holders' start is unknown).
 * Only holders of `scope` (a cluster; undefined: holders without one) can disappear.
 */
export function snapshotRecords(before: Map<string, Held>, now: Map<string, Held>, at: number, after: number | null, scope: string | undefined, source: string): HistoryRecord[] {
  const out: HistoryRecord[] = [{ op: "snapshot", at, source, ...(scope ? { cluster: scope } : {}), holders: now.size }];
  for (const [key, was] of before) {
    if (was.holder.cluster !== scope) continue;
    const cur = now.get(key);
    if (cur && same(cur, was)) continue;
    const { kind, cluster, namespace, name } = was.holder;
    out.push({ op: "down", at, after, holder: { kind, ...(cluster ? { cluster } : {}), ...(namespace !== undefined ? { namespace } : {}), name }, addresses: was.addresses });
  }
  for (const [key, cur] of now) {
    const was = before.get(key);
    if (!was || !same(cur, was)) out.push({ op: "up", at, after, holder: cur.holder, addresses: cur.addresses });
  }
  return out;
}
