// Address history: which endpoint held which address when. History files (docs/flows.md) are
// append-only JSON Lines of these records; replaying them gives, per address, its tenures.
// A change seen between two observations happened at an unknown moment inside (after, at):
// the holder surely held the address over [start, endAfter] and possibly inside (startAfter, end).
// A change seen as it happened (a watch event: no `after`) is a moment: a flow at that very
// moment could belong to either side, so its window is widened by half a millisecond each way.

import type { Owner } from "./endpoint.js";
import type { NamedPort } from "./ports.js";
import type { Labels } from "./selector.js";
import { parseAddress } from "./ip.js";

/** Addresses in numeric order (IPv4 first). */
function compareAddressText(a: string, b: string): number {
  const x = parseAddress(a)!, y = parseAddress(b)!;
  return x.family - y.family || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0);
}

export type HolderKind = "pod" | "workload" | "node" | "service";

/** An endpoint as history records it: what attribution and verdicts need of it. */
export interface Holder {
  kind: HolderKind;
  cluster?: string;
  namespace?: string;
  name: string;
  labels: Labels;
  /** The workload the pod is shown under (its Deployment, StatefulSet, ...). */
  owner?: Owner;
  node?: string;
  hostNetwork?: boolean;
  serviceAccount?: string;
  ports?: NamedPort[];
}

/** Times are milliseconds since the epoch; `after` null: the change happened at an unknown earlier time. */
export type HistoryRecord =
  | { op: "snapshot"; at: number; source: string; cluster?: string; holders: number }
  | { op: "up"; at: number; after?: number | null; holder: Holder; addresses: string[] }
  | { op: "down"; at: number; after?: number | null; holder: HolderId; addresses: string[] };

export type HolderId = Pick<Holder, "kind" | "cluster" | "namespace" | "name">;

export const HISTORY_HEADER = { junction: "history", version: 1 } as const;

/** One identity per endpoint: [cluster:]kind:[namespace/]name. */
export function holderKey(h: HolderId): string {
  return `${h.cluster ? `${h.cluster}:` : ""}${h.kind}:${h.namespace !== undefined ? `${h.namespace}/` : ""}${h.name}`;
}

export interface Tenure {
  key: string;
  holder: Holder;
  address: string;
  /** Possibly held from startAfter, surely from start; surely until endAfter, possibly until end. */
  startAfter: number;
  start: number;
  endAfter: number;
  end: number;
}

/** How the holders of an address at a time were found. */
export type Match = "exact" | "possible" | "ambiguous" | "none";

export interface Lookup {
  match: Match;
  /** The tenures that could cover the time (one holder for exact and possible). */
  tenures: Tenure[];
}

const HALF_MS = 0.5;
const NONE: Lookup = { match: "none", tenures: [] };
const afterOf = (after: number | null | undefined, at: number) => (after === undefined ? at - HALF_MS : after === null ? -Infinity : after);

/** Replays history records into tenures per address (append order; a later record wins). */
export class AddressTimeline {
  private readonly byAddress = new Map<string, Tenure[]>();
  private readonly open = new Map<string, Tenure>();
  readonly clusters = new Set<string>();
  /** The time of the last snapshot of each cluster ("" for holders without one). */
  readonly snapshots = new Map<string, number>();
  first = Infinity;
  last = -Infinity;

  apply(r: HistoryRecord): void {
    this.first = Math.min(this.first, r.at);
    this.last = Math.max(this.last, r.at);
    if (r.op === "snapshot") { this.snapshots.set(r.cluster ?? "", r.at); if (r.cluster) this.clusters.add(r.cluster); return; }
    if (r.holder.cluster) this.clusters.add(r.holder.cluster);
    const key = holderKey(r.holder);
    for (const address of r.addresses) {
      const id = `${key} ${address}`;
      this.close(id, r.after === undefined ? r.at + HALF_MS : r.at, afterOf(r.after, r.at));
      if (r.op === "up") this.openTenure(id, { key, holder: r.holder, address, startAfter: afterOf(r.after, r.at), start: r.at, endAfter: Infinity, end: Infinity });
    }
  }

  private openTenure(id: string, t: Tenure): void {
    this.open.set(id, t);
    const list = this.byAddress.get(t.address);
    if (list) list.push(t); else this.byAddress.set(t.address, [t]);
  }

  private close(id: string, end: number, after: number): void {
    const t = this.open.get(id);
    if (!t) return;
    this.open.delete(id);
    t.end = end;
    t.endAfter = Math.max(t.start, after);
  }

  /** The endpoints holding addresses now (after every record): for diffing the next snapshot. */
  current(): Map<string, { holder: Holder; addresses: string[] }> {
    const out = new Map<string, { holder: Holder; addresses: string[] }>();
    for (const t of this.open.values()) {
      const cur = out.get(t.key);
      if (cur) cur.addresses.push(t.address); else out.set(t.key, { holder: t.holder, addresses: [t.address] });
    }
    return out;
  }

  addresses(): number {
    return this.byAddress.size;
  }

  /** Every address someone may have held at `at`, sorted, with its holders' names. */
  held(at: number): { address: string; holders: string[]; match: Match }[] {
    const several = this.clusters.size > 1;
    const out = [];
    for (const address of this.byAddress.keys()) {
      const l = this.lookup(address, at, at);
      if (l.match !== "none") out.push({ address, holders: [...new Set(l.tenures.map((t) => holderName(t.holder, several)))], match: l.match });
    }
    return out.sort((a, b) => compareAddressText(a.address, b.address));
  }

  /**
   * Who held `address` over [from, to]: exact when one endpoint surely held it the whole time,
   * possible when one endpoint only may have, ambiguous when several may have (a change in the window).
   * `cluster`: only that cluster's holders (null: holders of no cluster).
   */
  lookup(address: string, from: number, to: number, cluster?: string | null): Lookup {
    const list = this.byAddress.get(address);
    if (!list) return NONE;
    const covers = (t: Tenure) => t.startAfter < to && from < t.end && (cluster === undefined || (t.holder.cluster ?? null) === cluster);
    // One pass without allocation for the common case: one holder (most addresses change hands rarely).
    let last: Tenure | undefined, several = false, sure = false;
    for (const t of list) {
      if (!covers(t)) continue;
      if (last && t.key !== last.key) several = true;
      if (t.start <= from && to <= t.endAfter) sure = true;
      last = t;
    }
    if (!last) return NONE;
    if (several) return { match: "ambiguous", tenures: list.filter(covers) };
    return { match: sure ? "exact" : "possible", tenures: [last] };
  }

}

const KIND_WORD: Record<HolderKind, string> = { pod: "Pod", workload: "Workload", node: "Node", service: "Service" };

/** A holder's name: shop/web-7d4b9-x2x9z (a pod), node-1[Node], shop/api[Service]; `cluster:` first when asked. */
export function holderName(h: Holder, withCluster: boolean): string {
  const name = h.namespace !== undefined ? `${h.namespace}/${h.name}` : h.name;
  return `${withCluster && h.cluster ? `${h.cluster}:` : ""}${h.kind === "pod" ? name : `${name}[${KIND_WORD[h.kind]}]`}`;
}

/** The workload a holder is counted under: a pod's Deployment, StatefulSet, ... (shop/web[Deployment]), else itself. */
export function workloadName(h: Holder, withCluster: boolean): string {
  if (h.kind !== "pod") return holderName(h, withCluster);
  const ns = h.namespace !== undefined ? `${h.namespace}/` : "";
  return `${withCluster && h.cluster ? `${h.cluster}:` : ""}${ns}${h.owner ? `${h.owner.name}[${h.owner.kind}]` : `${h.name}[Pod]`}`;
}
