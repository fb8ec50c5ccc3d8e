// The exposure section of a diff: per workload, what became reachable, or stopped being, from
// - outside the cluster: the connections any external address has (the list's ranges, united);
// - an exposing object: a Gateway listener, Ingress, OpenShift Route, LoadBalancer or NodePort Service
//   whose last hop the policies allow (junction exposure);
// - pods the input lacks: entire-cluster and the representative peers of `list --exposure`.

import { NO_CONNS, equalConns, unionConns, type ConnSet } from "../model/ports.js";
import type { Direction } from "../model/policy.js";
import { connectionList, workloadPeers } from "./connlist.js";
import { exposureReport } from "./exposure.js";
import { exposureAnalysis, type NamedConn } from "./exposure-analysis.js";
import { NO_FOCUS } from "./focus.js";
import type { DiffSide, DiffType } from "./diff.js";

export interface ExposureDiff {
  type: DiffType;
  workload: string;
  /** "outside the cluster", "Ingress shop/web HTTP :80 shop.example.com /", "entire-cluster", "monitoring/[all pods]". */
  via: string;
  kind: "external" | "routed" | "unknown-peers";
  direction: Direction;
  old: ConnSet;
  new: ConnSet;
  oldNamed: NamedConn[];
  newNamed: NamedConn[];
}

interface Reach { conns: ConnSet; named: NamedConn[]; kind: ExposureDiff["kind"]; direction: Direction }

export function exposureDiff(base: DiffSide, head: DiffSide): ExposureDiff[] {
  const a = reachOf(base), b = reachOf(head);
  const out: ExposureDiff[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(key), y = b.get(key);
    const namedKey = (r?: Reach) => (r?.named ?? []).map((n) => `${n.protocol ?? ""}/${n.name}`).sort().join(",");
    if (x && y && equalConns(x.conns, y.conns) && namedKey(x) === namedKey(y)) continue;
    const [workload, via] = key.split("\u0000");
    const r = (y ?? x)!;
    out.push({
      type: x && y ? "changed" : y ? "added" : "removed", workload, via, kind: r.kind, direction: r.direction,
      old: x?.conns ?? NO_CONNS, new: y?.conns ?? NO_CONNS, oldNamed: x?.named ?? [], newNamed: y?.named ?? [],
    });
  }
  return out;
}

/** Everything one version exposes, keyed by workload and the way in. */
function reachOf(side: DiffSide): Map<string, Reach> {
  const out = new Map<string, Reach>();
  const add = (workload: string, via: string, conns: ConnSet, kind: Reach["kind"], named: NamedConn[] = [], direction: Direction = "ingress") => {
    const key = `${workload}\u0000${via}`;
    const cur = out.get(key);
    out.set(key, { conns: cur ? unionConns(cur.conns, conns) : conns, named: [...(cur?.named ?? []), ...named], kind, direction });
  };
  const entries = connectionList(side.inventory, side.connectivity);
  for (const e of entries) if (e.src.kind === "external" && e.dst.kind === "workload") add(e.dst.id, "outside the cluster", e.conns, "external");
  const report = exposureReport(side.inventory, side.engine, side.gateways, side.connectivity);
  for (const x of report.exposures) for (const t of x.targets) {
    if (t.hop === "blocked") continue;
    add(t.workload, `${x.kind} ${x.exposedBy} ${x.entry}`, { ...NO_CONNS, [t.protocol]: [[t.port, t.port]] }, "routed");
  }
  const unknown = exposureAnalysis(side.inventory, side.engine, workloadPeers(side.inventory), entries, NO_FOCUS);
  for (const l of unknown.lines) if (l.direction === "ingress" && l.peer.kind !== "external") add(l.workload.id, l.peer.id, l.conns, "unknown-peers", l.named);
  return out;
}
