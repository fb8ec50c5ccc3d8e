// The address suite: policies with thousands of ipBlock `except` entries and hundreds of ipBlocks.
// `junction list` must grow near-linearly in the number of address boundaries (the answer itself
// has one line per workload and address range). Each size is measured against the smallest one in
// the same process, so the growth ratio does not depend on the machine's speed or load.

import { emptyInventory, type Inventory } from "../src/model/inventory.js";
import { parseAddress, parseCidr, type Cidr } from "../src/model/ip.js";
import type { Endpoint } from "../src/model/endpoint.js";
import type { Peer, Policy, Rule } from "../src/model/policy.js";
import { selector } from "../src/model/selector.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { connectionList } from "../src/analyze/connlist.js";
import { renderConnlist } from "../src/targets/connlist.js";
import { ms, type Figure, type Suite } from "./suite.js";

const SIZES: Record<string, number> = { "1k": 1000, "8k": 8000, "64k": 64_000 };
const BASELINE = 1000;
const PODS = 20;

const v4 = (v: number) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
const cidr = (text: string): Cidr => parseCidr(text)!;

/**
 * PODS pods in two namespaces; namespace `a` is isolated: egress to 0.0.0.0/0 except `n/2` host
 * addresses, ingress from `n/16` separate /24 ipBlocks with 8 excepts each.
 */
export function addressCluster(n: number): Inventory {
  const inv = emptyInventory();
  for (const ns of ["a", "b"]) inv.namespaces.set(ns, { name: ns, labels: { "kubernetes.io/metadata.name": ns }, implicit: false });
  for (let i = 0; i < PODS; i++) {
    const e: Endpoint = { id: i, kind: "pod", name: `p${i}`, namespace: i % 2 ? "a" : "b", labels: { app: `app${i % 4}` }, addresses: [parseAddress(`10.1.0.${i + 1}`)!], ports: [{ port: 8080, protocol: "TCP" }] };
    inv.endpoints.push(e);
  }
  const excepts = Array.from({ length: n >> 1 }, (_, i) => cidr(`${v4(0x0b000000 + i * 7)}/32`));
  const blocks: Peer[] = Array.from({ length: n >> 4 }, (_, b) => {
    const base = 0xac100000 + b * 256;
    return { kind: "cidr", cidr: cidr(`${v4(base)}/24`), except: Array.from({ length: 8 }, (_, k) => cidr(`${v4(base + 16 * k + 3)}/32`)) };
  });
  const rule = (d: "ingress" | "egress", peers: Peer[]): Rule => ({ index: 0, action: "allow", path: ["spec", d, 0], peers, ports: [{ kind: "range", protocol: "TCP", first: 8080, last: 8080 }] });
  const subject = { namespaces: { kind: "name" as const, name: "a" }, labels: selector(), kinds: ["pod" as const] };
  inv.policies.push({ kind: "NetworkPolicy", name: "many-addresses", namespace: "a", tier: "namespace", priority: 0, subject,
    egress: [rule("egress", [{ kind: "cidr", cidr: cidr("0.0.0.0/0"), except: excepts }])], ingress: [rule("ingress", blocks)] } as Policy);
  return inv;
}

/** Boundaries the policies put into the IPv4 space (each CIDR and except: its first and one past its last). */
function boundaries(inv: Inventory): number {
  const cuts = new Set<bigint>();
  for (const p of inv.policies) for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) for (const peer of r.peers ?? []) {
    if (peer.kind === "cidr") for (const c of [peer.cidr, ...peer.except]) { cuts.add(c.first); cuts.add(c.last + 1n); }
  }
  return cuts.size;
}

/**
 * `junction list` on the cluster, in process (model build, all pairs, rendering), in CPU time: the
 * machine is shared, and CPU time is what a ratio between sizes should compare.
 */
function listOnce(inv: Inventory): { ms: number; lines: number } {
  const t = process.cpuUsage();
  const fast = new FastConnectivity(new PolicyEngine(inv));
  const lines = renderConnlist(connectionList(inv, fast), "txt").split("\n").length - 1;
  const d = process.cpuUsage(t);
  return { ms: (d.user + d.system) / 1000, lines };
}

/** The fastest of `runs` (on a shared machine, interference only ever adds time). */
function bestList(inv: Inventory, runs: number): { ms: number; lines: number } {
  const results = Array.from({ length: runs }, () => listOnce(inv));
  return { ms: Math.min(...results.map((r) => r.ms)), lines: results[0].lines };
}

export const addressSuite: Suite = {
  name: "addresses",
  title: "Address boundaries (ipBlock with thousands of excepts, hundreds of ipBlocks): junction list; each figure is the best of its runs, not the median",
  byDefault: true,
  defaultSizes: ["1k", "8k", "64k"],
  sizes: Object.keys(SIZES),
  async run(size, runs, log) {
    const n = SIZES[size];
    const base = addressCluster(BASELINE), inv = addressCluster(n);
    bestList(base, 3); // warm-up: the baseline is measured with compiled code, as the sizes are
    const before = bestList(base, Math.max(runs, 15));
    log(`${size}: baseline measured`);
    const m = bestList(inv, n >= 64_000 ? Math.min(runs, 3) : Math.max(runs, n > BASELINE ? 5 : 15));
    // The baseline again after the size: the better of the two is the floor (JIT warm-up otherwise favours the size).
    const after = bestList(base, Math.max(runs, 15));
    const b = before.ms <= after.ms ? before : after;
    const [bb, nb] = [boundaries(base), boundaries(inv)];
    const figures: Figure[] = [
      { label: "excepts / ipBlocks", value: `${n >> 1} + ${(n >> 4) * 8} / ${1 + (n >> 4)}` },
      { label: "address boundaries", value: String(nb) },
      { label: "list (build + all pairs + text), CPU time", value: ms(m.ms) },
      { label: "output lines", value: String(m.lines) },
      { label: `time ratio to ${BASELINE / 1000}k (same run)`, value: `${(m.ms / b.ms).toFixed(1)}x` },
      { label: `boundary ratio to ${BASELINE / 1000}k`, value: `${(nb / bb).toFixed(1)}x` },
      { label: "time per 1,000 boundaries", value: ms((m.ms / nb) * 1000) },
    ];
    return { size, figures, notes: [`${PODS} pods; near-linear when the time ratio stays close to the boundary ratio (the output grows with it: ${m.lines} lines)`] };
  },
};
