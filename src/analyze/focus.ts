// Focus: narrowing an all-pairs answer to some workloads, as np-guard's --focusworkload,
// --focusworkload-peer, --focus-direction and --focus-conn do (connlist.go includePairOfWorkloads):
// - a pair is kept when one side is a focus workload and the other a focus peer (any peer when none
//   are given; peers apply only with focus workloads);
// - with a direction, the focus workload must be the destination (ingress) or the source (egress);
// - with a connection, a pair is kept only when it allows that connection, and shows only it.

import type { Direction } from "../model/policy.js";
import { connsHas, NO_CONNS, type ConnSet, type Protocol } from "../model/ports.js";
import type { ConnEntry, ListPeer } from "./connlist.js";

export interface FocusConn { protocol: Protocol; port: number }

export interface Focus {
  workloads: readonly string[];
  peers: readonly string[];
  direction?: Direction;
  conn?: FocusConn;
}

export const NO_FOCUS: Focus = { workloads: [], peers: [] };

export function hasFocus(f: Focus): boolean {
  return f.workloads.length > 0 || f.conn !== undefined;
}

/** Does `name` (as the user wrote it: NAME, NAMESPACE/NAME or the listed id) name this peer? */
export function namesPeer(name: string, p: ListPeer): boolean {
  if (name === p.id || name === p.name) return true;
  if (p.namespace !== undefined && name === `${p.namespace}/${p.name}`) return true;
  return p.kind === "ingress-controller" && name === "ingress-controller";
}

function inList(names: readonly string[], p: ListPeer): boolean {
  return names.length === 0 || names.some((n) => namesPeer(n, p));
}

/** Whether the focus keeps the pair src → dst (before the connection is looked at). */
export function focusIncludes(f: Focus, src: ListPeer, dst: ListPeer): boolean {
  if (f.workloads.length === 0) return true;
  if (f.direction === "ingress" && !inList(f.workloads, dst)) return false;
  if (f.direction === "egress" && !inList(f.workloads, src)) return false;
  const peerOk = (p: ListPeer) => inList(f.peers, p);
  return (inList(f.workloads, src) && peerOk(dst)) || (inList(f.workloads, dst) && peerOk(src));
}

/** The connections the focus shows of `conns`: all of them, or the focus connection if allowed (else none). */
export function focusConns(f: Focus, conns: ConnSet): ConnSet {
  if (!f.conn) return conns;
  if (!connsHas(conns, f.conn.protocol, f.conn.port)) return NO_CONNS;
  return { ...NO_CONNS, [f.conn.protocol]: [[f.conn.port, f.conn.port]] };
}

/** The entries the focus keeps, with their connections narrowed to the focus connection. */
export function applyFocus(f: Focus, entries: readonly ConnEntry[]): ConnEntry[] {
  if (!hasFocus(f)) return [...entries];
  const out: ConnEntry[] = [];
  for (const e of entries) {
    if (!focusIncludes(f, e.src, e.dst)) continue;
    const conns = focusConns(f, e.conns);
    if (conns !== NO_CONNS) out.push(conns === e.conns ? e : { ...e, conns });
  }
  return out;
}

/** The focus names that name none of these peers (to report them). */
export function unknownFocusNames(f: Focus, peers: readonly ListPeer[]): string[] {
  return [...f.workloads, ...f.peers].filter((n) => !peers.some((p) => namesPeer(n, p)));
}
