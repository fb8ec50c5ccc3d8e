// A deterministic day of a cluster's flow log, for the attribution benchmark: the pods of an
// inventory (replicas holding addresses), churn (a replica's pod is replaced by a new pod with
// another address; freed addresses go back to a pool and are handed out again later, so addresses
// are reused), and flow records (AWS VPC flow logs v2) of conversations between replicas, in time
// order. The history (junction's format) and the log are written through callbacks.

import { heldAddresses, type Held } from "../analyze/history-snapshot.js";
import type { HistoryRecord } from "../model/history.js";
import type { Inventory } from "../model/inventory.js";
import { Rng } from "./random.js";
import { append } from "../model/arrays.js";

export interface FlowLogOptions {
  records: number;
  /** Pod replacements over the day. */
  churn: number;
  /** Distinct replica pairs that talk. */
  conversations: number;
  seed: number;
  /** The day's start, ms since the epoch. */
  start: number;
}

const DAY_MS = 86_400_000;
const WINDOW_S = 60;

interface Replica { held: Held; generation: number }

function* sparePool(): Generator<string> {
  for (let i = 0; ; i++) yield `10.250.${(i >> 8) & 255}.${i & 255}`;
}

export interface FlowLogWriters {
  history(r: HistoryRecord): void;
  log(line: string): void;
}

/** Writes the history (initial state and churn) and the flow log; returns the counts. */
export function generateFlowLog(inv: Inventory, o: FlowLogOptions, out: FlowLogWriters): { replicas: number; churned: number; reused: number } {
  const rng = new Rng(o.seed);
  const replicas: Replica[] = [...heldAddresses(inv).values()].filter((h) => h.holder.kind === "pod").map((held) => ({ held, generation: 0 }));
  out.history({ op: "snapshot", at: o.start, source: "generated", holders: replicas.length });
  for (const r of replicas) out.history({ op: "up", at: o.start, after: null, holder: r.held.holder, addresses: r.held.addresses });
  const free: string[] = [], spare = sparePool();
  const talks = Array.from({ length: o.conversations }, () => [rng.int(replicas.length), rng.int(replicas.length)] as const);
  let churned = 0, reused = 0;
  const churnAt = (k: number) => o.start + Math.floor(((k + 0.5) * DAY_MS) / Math.max(1, o.churn));
  for (let i = 0; i < o.records; i++) {
    const t = o.start + Math.floor(((i + 0.5) * DAY_MS) / o.records);
    while (churned < o.churn && churnAt(churned) <= t) { reused += replace(replicas[rng.int(replicas.length)], churnAt(churned), free, Math.max(16, replicas.length >> 3), spare, out) ? 1 : 0; churned++; }
    const [a, b] = talks[rng.int(talks.length)];
    const dst = replicas[b].held, port = dst.holder.ports?.[0]?.port ?? 443;
    const s = Math.floor(t / 1000);
    out.log(`2 123456789012 eni-0a1b2c3d4e5f67890 ${replicas[a].held.addresses[0]} ${dst.addresses[0]} ${32768 + rng.int(28000)} ${port} 6 10 840 ${s - WINDOW_S / 2} ${s + WINDOW_S / 2} ACCEPT OK`);
  }
  return { replicas: replicas.length, churned, reused };
}

/** The replica's pod dies; a new pod takes an address from the pool (a reused one when any is free). */
function replace(r: Replica, at: number, free: string[], minFree: number, spare: Generator<string>, out: FlowLogWriters): boolean {
  const { kind, cluster, namespace, name } = r.held.holder;
  out.history({ op: "down", at, holder: { kind, ...(cluster ? { cluster } : {}), ...(namespace !== undefined ? { namespace } : {}), name }, addresses: r.held.addresses });
  append(free, r.held.addresses);
  // A freed address is handed out again once a tenth of the replicas' worth of others were freed after it
  // (IPAM allocators cycle through their range): each address changes hands a few times a day.
  const reuse = free.length > minFree;
  const address = reuse ? free.shift()! : spare.next().value as string;
  r.generation++;
  const base = r.held.holder.name.replace(/-r\d+$/, "");
  r.held = { holder: { ...r.held.holder, name: `${base}-r${r.generation}` }, addresses: [address] };
  out.history({ op: "up", at, holder: r.held.holder, addresses: r.held.addresses });
  return reuse;
}
