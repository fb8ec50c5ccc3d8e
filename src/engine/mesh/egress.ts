// Linkerd's EgressNetworks (policy.linkerd.io/v1alpha1): which one a meshed client's connection to an
// address outside the cluster's Services meets, and whether Linkerd's status controller accepts it.

import type { Address } from "../../model/ip.js";
import { cidrFrom, contains } from "../../model/ip.js";
import type { CidrMatch } from "../../model/l7.js";
import type { LinkerdEgressNetwork, MeshModel } from "../../model/mesh.js";
import { compareCreated, untimedTie } from "../../model/time.js";

/**
 * An EgressNetwork's networks as the policy controller reads them (outbound/index/egress_network.rs
 * from_resource): `spec.networks`, else every address outside the cluster networks (0.0.0.0/0 and
 * ::/0, each except the cluster networks of its family).
 */
export function egressNetworks(mesh: MeshModel, en: LinkerdEgressNetwork): readonly CidrMatch[] {
  if (en.networks) return en.networks;
  const cluster = mesh.settings.linkerdClusterNetworks;
  return [{ cidr: ALL_V4, except: cluster.filter((c) => c.family === 4) }, { cidr: ALL_V6, except: cluster.filter((c) => c.family === 6) }];
}

const ALL_V4 = cidrFrom("0.0.0.0/0"), ALL_V6 = cidrFrom("::/0");

const size = (c: { first: bigint; last: bigint }) => c.last - c.first + 1n;
/** Network::contains: in the CIDR and in none of its exceptions. */
const inNetwork = (n: CidrMatch, a: Address) => contains(n.cidr, a) && !(n.except ?? []).some((x) => contains(x, a));
/** Network::block_size: the CIDR's size less its exceptions'. */
const blockSize = (n: CidrMatch) => size(n.cidr) - (n.except ?? []).reduce((t, x) => t + size(x), 0n);

/**
 * The EgressNetwork a client of `clientNamespace` meets for `address` (egress_network.rs
 * resolve_egress_network): the client's namespace's EgressNetworks if it has any, else the global
 * egress namespace's (`--global-egress-network-namespace`, linkerd-egress); of those whose networks
 * hold the address, the one with the smallest matching network, then the oldest (one without a
 * timestamp is not yet applied, the newest: model/time.ts compareCreated), then by namespace, then name. The policy controller asks this after the
 * Services' cluster IPs and before its cluster-networks check (runtime/src/lib.rs lookup_ip).
 */
export function resolveEgressNetwork(mesh: MeshModel, address: Address, clientNamespace: string): { network: LinkerdEgressNetwork; note?: string } | undefined {
  const global = mesh.settings.linkerdEgressNamespace;
  const near = mesh.linkerd.egressNetworks.filter((en) => en.namespace === clientNamespace || en.namespace === global);
  const same = near.filter((en) => en.namespace === clientNamespace);
  const holding: { en: LinkerdEgressNetwork; size: bigint }[] = [];
  for (const en of same.length ? same : near) {
    const sizes = egressNetworks(mesh, en).filter((n) => inNetwork(n, address)).map(blockSize);
    if (sizes.length) holding.push({ en, size: sizes.reduce((a, b) => (b < a ? b : a)) });
  }
  if (!holding.length) return undefined;
  holding.sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : older(a.en, b.en)));
  const [best, next] = holding;
  // The tie-break decided between two of the same size without creationTimestamp: say so (model/time.ts untimedTie).
  const label = (en: LinkerdEgressNetwork) => ({ created: en.created, label: `EgressNetwork ${en.namespace}/${en.name}` });
  const note = next && next.size === best.size ? untimedTie(label(best.en), label(next.en), "Linkerd's order (namespace, then name)") : undefined;
  return { network: best.en, ...(note ? { note } : {}) };
}

/** Older first (model/time.ts compareCreated: no timestamp is not yet applied, the newest); then namespace, then name. */
function older(a: LinkerdEgressNetwork, b: LinkerdEgressNetwork): number {
  return compareCreated(a.created, b.created) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

/**
 * Why Linkerd's status controller does not accept an EgressNetwork (status/src/index.rs
 * network_condition: one of its networks intersects a cluster network, Network::intersect, which
 * ignores a cluster network inside one of its exceptions: InClusterNetworkOverlap); routes whose
 * parent it is are then not Accepted and not applied. The outbound index uses the EgressNetwork for
 * traffic all the same.
 */
export function egressNetworkOverlap(mesh: MeshModel, en: LinkerdEgressNetwork): string | undefined {
  for (const n of egressNetworks(mesh, en)) {
    for (const c of mesh.settings.linkerdClusterNetworks) {
      if (c.family !== n.cidr.family) continue;
      const overlap = (c.first >= n.cidr.first && c.last <= n.cidr.last) || (n.cidr.first >= c.first && n.cidr.last <= c.last);
      const excepted = (n.except ?? []).some((x) => x.family === c.family && x.first <= c.first && c.last <= x.last);
      if (overlap && !excepted) return `its network ${n.cidr.text} overlaps the cluster network ${c.text} (InClusterNetworkOverlap)`;
    }
  }
  return undefined;
}
