// Which network namespaces a lab needs (pure): one per address owner (a pod, a Workload or a node;
// host-network pods live in their node's), with its addresses and the ports its endpoints declare.
// Pods without an address get one from the lab's pool, deterministically.

import type { Endpoint } from "../model/endpoint.js";
import { addressKey, formatAddress, parseAddress, type Address, type Cidr } from "../model/ip.js";
import type { Inventory, InventoryIndex } from "../model/inventory.js";
import type { NamedPort } from "../model/ports.js";

export interface PlannedHost {
  owner: Endpoint;
  endpoints: Endpoint[];
  addresses: Address[];
  listen: NamedPort[];
}

const MEMBER_KINDS = new Set(["pod", "workload", "node"]);

/** Gives every pod and Workload without an address one from `pool`, skipping used addresses. */
export function assignAddresses(inv: Inventory, pool: Cidr): Record<string, string[]> | string {
  const used = new Set(inv.endpoints.flatMap((e) => e.addresses.map(addressKey)));
  const assigned: Record<string, string[]> = {};
  let next = pool.first + 1n;
  for (const e of inv.endpoints) {
    if (e.addresses.length || (e.kind !== "pod" && e.kind !== "workload")) continue;
    while (next < pool.last && used.has(addressKey({ family: pool.family, value: next }))) next++;
    if (next >= pool.last) return `the lab's address pool ${pool.text} is too small for the pods without an address`;
    assigned[String(e.id)] = [formatAddress({ family: pool.family, value: next++ })];
  }
  applyAssigned(inv, assigned);
  return assigned;
}

/** Re-applies recorded assignments (to an inventory loaded again from the lab's snapshot). */
export function applyAssigned(inv: Inventory, assigned: Record<string, string[]>): void {
  for (const [id, list] of Object.entries(assigned)) {
    const e = inv.endpoints[Number(id)];
    if (e) inv.endpoints[e.id] = { ...e, addresses: list.map((a) => parseAddress(a)).filter((a): a is Address => a !== undefined) };
  }
}

function uniquePorts(ports: readonly NamedPort[]): NamedPort[] {
  const seen = new Map<string, NamedPort>();
  for (const p of ports) seen.set(`${p.protocol}/${p.port}`, p);
  return [...seen.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port));
}

/** One host per address owner, in inventory order. */
export function planHosts(index: InventoryIndex): PlannedHost[] {
  const groups = new Map<number, PlannedHost>();
  for (const e of index.inv.endpoints) {
    if (!MEMBER_KINDS.has(e.kind) || !e.addresses.length) continue;
    const owner = index.byAddress.get(addressKey(e.addresses[0]))!;
    let host = groups.get(owner.id);
    if (!host) {
      host = { owner, endpoints: [], addresses: owner.addresses.filter((a) => index.byAddress.get(addressKey(a)) === owner), listen: [] };
      groups.set(owner.id, host);
    }
    host.endpoints.push(e);
  }
  const hosts = [...groups.values()].sort((a, b) => a.owner.id - b.owner.id);
  for (const h of hosts) h.listen = uniquePorts(h.endpoints.flatMap((e) => e.ports));
  return hosts;
}
