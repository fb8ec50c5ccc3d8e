// Protocols, port matches and sets of connections (protocol -> port intervals).

import type { Address } from "./ip.js";

export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];
export const MAX_PORT = 65535;

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const A_LETTER = /[a-z]/;

/**
 * Whether `s` is a valid port name, as apimachinery's IsValidPortName checks a container's or a
 * Service's port name: at most 15 characters, lowercase letters, digits and '-', at least one
 * letter, no "--", not starting or ending with '-'.
 */
export function isPortName(s: string): boolean {
  return s.length <= 15 && IANA_SVC_NAME.test(s) && !s.includes("--") && A_LETTER.test(s);
}

export function isProtocol(s: unknown): s is Protocol {
  return s === "TCP" || s === "UDP" || s === "SCTP";
}

/** A port as a rule writes it. `protocol` undefined on a named port: taken from the container port. */
export type PortMatch =
  | { kind: "range"; protocol: Protocol; first: number; last: number }
  | { kind: "protocol"; protocol: Protocol }
  | { kind: "named"; name: string; protocol?: Protocol };

/** A port a container (or a Workload) declares. */
export interface NamedPort {
  name?: string;
  port: number;
  protocol: Protocol;
  /** Declared by an init container (a named one: Cilium's named ports leave them out, ciliumNamedPorts). */
  init?: true;
  /**
   * A regular container's hostPort (1-65535; the kubelet maps only pod.Spec.Containers' ports,
   * kuberuntime generatePodSandboxConfig): the node port the CNI portmap plugin forwards to this
   * port (model/hostports.ts).
   */
  hostPort?: number;
  /** With hostPort: the node address the forwarding is limited to (0.0.0.0 or ::: every address of that family). */
  hostIP?: Address;
  /**
   * With hostPort: its hostIP is given but is no address (sources/core.ts readPort warns; the API
   * server does not check it): the portmap plugin forwards from no address. hostIP is unset then.
   */
  hostIPInvalid?: true;
}

/**
 * A pod's ports as Cilium's agent resolves a named port on them (pkg/k8s/utils GetPodMetadata: the
 * ports of `pod.Spec.Containers`, init containers left out, each put by NamedPortMap.AddPort into a
 * map from name to one port and protocol, `npm[name] = pp`: the last container's port of a name wins,
 * whatever its protocol). The ports it does not resolve a name to keep their number without the name;
 * the same list when every name resolves (the usual pod). Kept per list: pods share their lists.
 * Calico's felix resolves a name to every port of it (labelindex endpointData.LookupNamedPorts over the
 * workload endpoint's ports, libcalico-go conversion appendEndpointPorts: containers and init containers).
 */
export function ciliumNamedPorts(ports: readonly NamedPort[]): readonly NamedPort[] {
  let view = CILIUM_VIEWS.get(ports);
  if (view === undefined) CILIUM_VIEWS.set(ports, view = ciliumView(ports));
  return view;
}

const CILIUM_VIEWS = new WeakMap<readonly NamedPort[], readonly NamedPort[]>();

function ciliumView(ports: readonly NamedPort[]): readonly NamedPort[] {
  const unnamed = (i: number) => {
    const q = ports[i];
    if (q.name === undefined) return false;
    if (q.init) return true;
    for (let j = i + 1; j < ports.length; j++) if (ports[j].name === q.name && !ports[j].init) return true;
    return false;
  };
  let out: NamedPort[] | undefined;
  for (let i = 0; i < ports.length; i++) {
    if (!unnamed(i)) continue;
    out ??= ports.slice();
    out[i] = { port: ports[i].port, protocol: ports[i].protocol };
  }
  return out ?? ports;
}

/** Does `match` admit traffic on protocol/port to a destination declaring `destPorts`? */
export function portMatches(match: PortMatch, protocol: Protocol, port: number, destPorts: readonly NamedPort[]): boolean {
  switch (match.kind) {
    case "protocol": return match.protocol === protocol;
    case "range": return match.protocol === protocol && match.first <= port && port <= match.last;
    case "named":
      return destPorts.some((p) => p.name === match.name && p.port === port && p.protocol === protocol &&
        (match.protocol === undefined || match.protocol === protocol));
  }
}

export function formatPortMatch(m: PortMatch): string {
  switch (m.kind) {
    case "protocol": return `${m.protocol} (all ports)`;
    case "range": return m.first === m.last ? `${m.protocol}/${m.first}` : `${m.protocol}/${m.first}-${m.last}`;
    case "named": return `${m.protocol ? `${m.protocol}/` : ""}${m.name}`;
  }
}

/** Inclusive interval of ports. */
export type Interval = readonly [number, number];

/** A set of connections: per protocol, sorted disjoint intervals. */
export type ConnSet = Readonly<Record<Protocol, readonly Interval[]>>;

export const NO_CONNS: ConnSet = { TCP: [], UDP: [], SCTP: [] };
export const ALL_CONNS: ConnSet = { TCP: [[1, MAX_PORT]], UDP: [[1, MAX_PORT]], SCTP: [[1, MAX_PORT]] };

export function normalizeIntervals(iv: readonly Interval[]): Interval[] {
  const sorted = [...iv].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function unionConns(a: ConnSet, b: ConnSet): ConnSet {
  return {
    TCP: normalizeIntervals([...a.TCP, ...b.TCP]),
    UDP: normalizeIntervals([...a.UDP, ...b.UDP]),
    SCTP: normalizeIntervals([...a.SCTP, ...b.SCTP]),
  };
}

export function isEmptyConns(c: ConnSet): boolean {
  return PROTOCOLS.every((p) => c[p].length === 0);
}

export function isAllConns(c: ConnSet): boolean {
  return PROTOCOLS.every((p) => c[p].length === 1 && c[p][0][0] === 1 && c[p][0][1] === MAX_PORT);
}

/** np-guard's notation: "All Connections", or "SCTP 9003,TCP 80,8080-8090,UDP 53" (protocols alphabetical). */
export function formatConns(c: ConnSet): string {
  if (isAllConns(c)) return "All Connections";
  if (isEmptyConns(c)) return "No Connections";
  const parts: string[] = [];
  for (const p of [...PROTOCOLS].sort()) {
    if (c[p].length) parts.push(`${p} ${c[p].map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(",")}`);
  }
  return parts.join(",");
}

/** The connections in both sets. */
export function intersectConns(a: ConnSet, b: ConnSet): ConnSet {
  const out = {} as Record<Protocol, Interval[]>;
  for (const p of PROTOCOLS) out[p] = intersectIntervals(a[p], b[p]);
  return out;
}

/** Intersection of two sorted disjoint interval lists. */
function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const lo = Math.max(a[i][0], b[j][0]), hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++; else j++;
  }
  return out;
}

/** The connections of `a` that are not in `b`. */
export function subtractConns(a: ConnSet, b: ConnSet): ConnSet {
  const out = {} as Record<Protocol, Interval[]>;
  for (const p of PROTOCOLS) out[p] = intersectIntervals(a[p], complementIntervals(b[p]));
  return out;
}

/** The ports 1-65535 outside sorted disjoint intervals. */
function complementIntervals(iv: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let next = 1;
  for (const [a, b] of iv) {
    if (a > next) out.push([next, a - 1]);
    next = Math.max(next, b + 1);
  }
  if (next <= MAX_PORT) out.push([next, MAX_PORT]);
  return out;
}

/** Does the set hold protocol/port? */
export function connsHas(c: ConnSet, protocol: Protocol, port: number): boolean {
  return c[protocol].some(([a, b]) => a <= port && port <= b);
}

/** Whether two sets hold the same connections. */
export function equalConns(a: ConnSet, b: ConnSet): boolean {
  return PROTOCOLS.every((p) => a[p].length === b[p].length && a[p].every(([x, y], i) => x === b[p][i][0] && y === b[p][i][1]));
}
