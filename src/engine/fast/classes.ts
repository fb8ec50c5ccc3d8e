// Equivalence classes of endpoints: parties that agree on everything a verdict can depend on
// (kind, namespace, the labels and port names the policies mention, the CIDR atoms of their
// addresses, host-network status and the labels of the node they act as, and the network they are
// on when it is not the default pod network) share one class.
// What a class cannot hold (which pod is which, for traffic to itself; the node a pod runs on,
// for traffic from its own node) is handled per party by the connectivity engine.

import { isVirtualMachine, type Endpoint } from "../../model/endpoint.js";
import { addressesOn, attachable, POD_NETWORK, type NetworkMap } from "../../model/networks.js";
import { isLoopback, type Family } from "../../model/ip.js";
import type { Matcher, Party } from "../match.js";
import { NumberKey, type Vocabulary } from "./vocabulary.js";
import type { NamedPort, Protocol } from "../../model/ports.js";

export interface EndpointClass {
  id: number;
  key: string;
  /** A member, or the address an address-only class stands for. */
  rep: Party;
  /**
   * The members (parties made of an endpoint alone), in the order they joined. A list, not a Map by
   * id (4 MB of Maps for 13.8k classes at 100k pods): which endpoint holds an id is ClassOfEndpoint's.
   */
  members: Endpoint[];
  namespace?: string;
  /** Policies can select it (a pod or Workload that does not act as its node). */
  subjectable: boolean;
  /** Family of its first address: it picks the address of the other side (0: none). */
  family: Family | 0;
  /** A node, or a host-network pod acting as its node. */
  nodeLike: boolean;
  /**
   * The network its members are on, of those the table is for (ClassTable.network): a primary
   * network's id, "" for none (not attached to the secondary network), undefined for every primary
   * network (external addresses and nodes).
   */
  net?: string;
}

/** Whether two classes share the network their table is for. */
export function sameNetwork(a: EndpointClass, b: EndpointClass): boolean {
  return a.net !== "" && b.net !== "" && (a.net === undefined || b.net === undefined || a.net === b.net);
}

export class ClassTable {
  readonly list: EndpointClass[] = [];
  private byKey = new Map<string, EndpointClass>();
  readonly ofEndpoint = new ClassOfEndpoint();
  readonly byNamespace = new Map<string, number[]>();
  /** Posting lists: "key" and "key=value" of the mentioned labels of a class. */
  readonly byToken = new Map<string, number[]>();
  readonly byAtom = new Map<string, number[]>();
  readonly nodeLike: number[] = [];
  /** Per class id, 1 when it is subjectable (a packed array: loops over every class read it, not the class objects). */
  readonly subjectable: number[] = [];

  /**
   * `network`: the secondary network the table's classes are for (their addresses there); undefined:
   * the primary networks (each endpoint on its namespace's).
   */
  constructor(private vocab: Vocabulary, private matcher: Matcher, private networks: NetworkMap, readonly network?: string) {}

  /** The network a party is on (EndpointClass.net). */
  netOf(p: Party): string | undefined {
    const e = p.endpoint;
    if (this.network !== undefined) return attachable(e) && e.attachments?.some((a) => a.network === this.network) ? this.network : "";
    return attachable(e) ? this.networks.primaryOf(e) : undefined;
  }

  get size(): number { return this.list.length; }

  keyOf(p: Party): string {
    const e = p.endpoint;
    const addrs = addressesOf(p, this.network);
    const atoms = addrs.length === 1 ? this.vocab.atomKey(addrs[0]) : addrs.map((a) => this.vocab.atomKey(a)).join(" ");
    // An address a pod or node owns is not "outside the cluster" (cidr peers with outside).
    // A loopback address is a pod's own (engine/verdict.ts ownLoopback: no policy sees it), whatever atom holds it.
    if (!e) return `x|${atoms}|${this.matcher.isClusterParty(p, p.address) ? "cluster" : ""}${p.address && isLoopback(p.address) ? "|lo" : ""}`;
    const asNode = this.matcher.actsAsNode(e);
    const nodeLike = asNode || e.kind === "node";
    // Only pods and VMs off the default pod network add to the key: a cluster without user-defined
    // or secondary networks keeps its classes.
    const net = this.netOf(p);
    // (A host-network pod read as a pod, --host-network pod, is keyed apart: its loopback is its node's, engine/verdict.ts ownLoopback.)
    const extra = `${net !== undefined && net !== POD_NETWORK ? `|@${net}` : ""}${isVirtualMachine(e) ? "|vm" : ""}${e.cluster !== undefined ? `|#${e.cluster}` : ""}${!asNode && e.hostNetwork === true ? "|hn" : ""}${e.allInterfaces ? "|hep*" : ""}`;
    // In a run of endpoints placed together, the key of the last one when nothing it is made of differs.
    const run = nodeLike ? undefined : this.run;
    if (run && run.kind === e.kind && run.namespace === e.namespace && run.labels === e.labels && run.ports === e.ports && run.account === e.serviceAccount &&
      run.atoms === atoms && run.extra === extra && run.version === this.vocab.version) return run.key;
    const labels = nodeLike ? "" : this.vocab.projectKey(e.labels, e.namespace);
    const node = nodeLike ? this.nodeKey(p) : "";
    const ports = this.portsKey(e);
    const sa = e.serviceAccount ?? "default";
    const account = !nodeLike && this.vocab.serviceAccounts.has(sa) ? sa : "";
    // One flat string (a template of eight parts makes a chain of partial strings, flattened again to hash).
    const key = [asNode ? `${e.kind}@node` : e.kind, e.namespace ?? "", labels, account, node, ports, extra ? atoms + extra : atoms].join("|");
    if (run) {
      run.kind = e.kind; run.namespace = e.namespace; run.labels = e.labels; run.ports = e.ports; run.account = e.serviceAccount;
      run.atoms = atoms; run.extra = extra; run.version = this.vocab.version; run.key = key;
    }
    return key;
  }

  /**
   * While endpoints are placed in bulk (placeAll): what the last key was made of. A workload's pods
   * come in a row with the same labels object, ports list, namespace and service account (the load
   * shares them, model/core.ts), and the same address atom: their key is the last one, not made,
   * projected and hashed again (100k pods: 103k keys for 13.8k classes). Everything a key is made of
   * is compared, the vocabulary by its version; nodes and endpoints acting as nodes are keyed anew.
   */
  private run?: { kind?: string; namespace?: string; labels?: object; ports?: object; account?: string; atoms?: string; extra?: string; version: number; key: string };

  /**
   * Places endpoints in bulk (each as addEndpoint does), with keys remembered in runs; `each` is called
   * after each. The classes' members are joined at the end (joinMembers), each list made at its length.
   */
  placeAll(endpoints: readonly Endpoint[], each?: (e: Endpoint) => void): void {
    this.run = { version: -1, key: "" };
    try {
      // An indexed loop (100k endpoints, once): no iterator step per endpoint while it is interpreted.
      for (let i = 0; i < endpoints.length; i++) { const e = endpoints[i]; this.addEndpoint(e); each?.(e); }
    } finally {
      this.run = undefined;
      this.joinMembers(endpoints);
    }
  }

  /**
   * After placeAll: the endpoints it placed join their classes' members, as addEndpoint would have
   * pushed them (an endpoint placed twice where it was placed last; one whose id another took later,
   * not at all). Each list is made at its length: lists grown by push from empty kept room for 17,
   * were copied to their length after, and both lived through the collections of the build (13.8k
   * classes, 103k endpoints at 100k pods).
   */
  private joinMembers(endpoints: readonly Endpoint[]): void {
    const of = this.ofEndpoint, count = new Int32Array(this.list.length), kept = new Uint8Array(endpoints.length);
    // By id (the endpoint an id holds is one object): where it was placed last.
    let seen = new Uint8Array(endpoints.length);
    for (let i = endpoints.length - 1; i >= 0; i--) {
      const e = endpoints[i], id = e.id;
      if (of.endpoint(id) !== e) continue;
      if (id >= seen.length) { const grown = new Uint8Array(Math.max(id + 1, seen.length * 2)); grown.set(seen); seen = grown; }
      if (seen[id] === 1) continue;
      seen[id] = 1; kept[i] = 1; count[of.get(id)!]++;
    }
    const at = new Int32Array(this.list.length);
    for (let c = 0; c < this.list.length; c++) {
      if (count[c] === 0) continue;
      const before = this.list[c].members, members = new Array<Endpoint>(before.length + count[c]);
      for (let k = 0; k < before.length; k++) members[k] = before[k];
      this.list[c].members = members;
      at[c] = before.length;
    }
    for (let i = 0; i < endpoints.length; i++) {
      if (kept[i] === 0) continue;
      const e = endpoints[i], c = of.get(e.id)!;
      this.list[c].members[at[c]++] = e;
    }
  }

  /** Numbers of the declared ports (name, protocol, number) portsKey has seen, by name then number and protocol. */
  private portIds = new Map<string, Map<number, number>>();
  private portCount = 0;
  private portKey = new NumberKey();

  /**
   * The declared ports whose names the vocabulary holds, as a key: their numbers in increasing order
   * (nothing is allocated for an endpoint without such ports; no text per port).
   */
  private portsKey(e: Endpoint): string {
    const key = this.portKey.start();
    this.addPortIds(key, this.matcher.destPorts(e), this.portIds);
    // Under Cilium an egress rule resolves a name on the destination's identity (Matcher.egressDestPorts): told apart too.
    const egress = this.matcher.egressDestPorts(e);
    if (egress !== this.matcher.destPorts(e)) this.addPortIds(key, egress, this.egressPortIds);
    return key.text();
  }

  private egressPortIds = new Map<string, Map<number, number>>();

  private addPortIds(key: NumberKey, ports: readonly NamedPort[], ids: Map<string, Map<number, number>>): void {
    const names = this.vocab.portNames;
    for (const q of ports) {
      if (q.name === undefined || !names.has(q.name)) continue;
      let byPort = ids.get(q.name);
      if (!byPort) ids.set(q.name, byPort = new Map());
      const at = q.port * 4 + PROTOCOL_NUMBER[q.protocol];
      let id = byPort.get(at);
      if (id === undefined) byPort.set(at, id = this.portCount++);
      key.add(id);
    }
  }

  private nodeKey(p: Party): string {
    const n = this.matcher.nodeOf(p);
    // A node with a Calico host endpoint is policed and selected by it (Matcher.hostEndpointOf): by its labels too.
    const hep = n?.hostEndpoint;
    return n ? `node:${this.vocab.project(n.labels, undefined, true)}${hep ? `|hep${hep.allInterfaces ? "*" : ""}${hep.peerless ? "!" : ""}:${this.vocab.projectKey(hep.labels, undefined)}` : ""}` : "-";
  }

  /** The class of a party, created when it is new. */
  classOf(p: Party, key = this.keyOf(p)): { cls: EndpointClass; created: boolean } {
    const found = this.byKey.get(key);
    if (found) return { cls: found, created: false };
    const cls = this.create(p, key);
    return { cls, created: true };
  }

  /** Puts an endpoint into its class; returns the class and whether it is new. */
  addEndpoint(e: Endpoint): { cls: EndpointClass; created: boolean } {
    const r = this.classOf({ endpoint: e });
    this.leave(e.id);
    // A class its last member left (removeEndpoint) kept that endpoint as its representative, which
    // the joining one replaces: the classes' sets are read from the representative's labels, and an
    // endpoint replaced by itself relabelled (fast/updates.ts upsertEndpoint) joins the class it left
    // when no policy names the labels that changed; a policy naming them later was answered by the
    // labels it had before (a node relabelled off zone=z1 still matched a nodes peer zone In (z1)).
    if (!this.run && !r.created && r.cls.members.length === 0) r.cls.rep = { endpoint: e };
    // (In bulk, placeAll joins the members at the end.)
    if (!this.run) r.cls.members.push(e);
    this.ofEndpoint.set(e.id, r.cls.id, e);
    return r;
  }

  /** The class of endpoint `e` when it is placed (this object, at its id); undefined otherwise. */
  placed(e: Endpoint): number | undefined {
    const id = this.ofEndpoint.get(e.id);
    return id !== undefined && this.ofEndpoint.endpoint(e.id) === e ? id : undefined;
  }

  removeEndpoint(e: Endpoint): EndpointClass | undefined {
    const id = this.ofEndpoint.get(e.id);
    if (id === undefined) return undefined;
    const cls = this.list[id];
    this.leave(e.id);
    this.ofEndpoint.delete(e.id);
    const next = cls.members[0];
    if (cls.rep.endpoint === e && next) cls.rep = { endpoint: next };
    return cls;
  }

  /** The endpoint held at endpoint id `at` leaves its class's members (kept in order: the first is the next representative). */
  private leave(at: number): void {
    const id = this.ofEndpoint.get(at), held = this.ofEndpoint.endpoint(at);
    if (id === undefined || held === undefined) return;
    const members = this.list[id].members, i = members.indexOf(held);
    if (i >= 0) members.splice(i, 1);
  }

  /**
   * After the vocabulary or a node changed, a class without members may stand for a key its
   * representative no longer has: it is taken out of the key index so that it is never reused.
   */
  retireIfStale(id: number): void {
    const cls = this.list[id];
    if (cls.members.length === 0 && this.byKey.get(cls.key) === cls && this.keyOf(cls.rep) !== cls.key) this.byKey.delete(cls.key);
  }

  /** Classes of parties without an endpoint (external addresses). */
  readonly addressOnly: number[] = [];

  /** An endpoint moved to another id (the inventory filled a removed endpoint's slot with it). */
  renumber(e: Endpoint, from: number): void {
    const id = this.ofEndpoint.get(from);
    if (id === undefined) return;
    const held = this.ofEndpoint.endpoint(from);
    this.ofEndpoint.delete(from);
    this.ofEndpoint.set(e.id, id, e);
    if (held === e) return;
    // Another object held the id: it leaves, and e takes its place at the end (as a Map by id would).
    const members = this.list[id].members, i = held ? members.indexOf(held) : -1;
    if (i >= 0) members.splice(i, 1);
    members.push(e);
  }

  private create(p: Party, key: string): EndpointClass {
    const e = p.endpoint;
    const first = addressesOf(p, this.network)[0];
    const nodeLike = e !== undefined && (e.kind === "node" || this.matcher.actsAsNode(e));
    const cls: EndpointClass = {
      id: this.list.length, key, rep: e ? { endpoint: e, ...(p.address ? { address: p.address } : {}) } : p,
      members: [], namespace: e?.namespace,
      subjectable: e !== undefined && this.matcher.isSubjectable(e),
      family: first?.family ?? 0, nodeLike, net: this.netOf(p),
    };
    this.list.push(cls);
    this.subjectable.push(cls.subjectable ? 1 : 0);
    this.byKey.set(key, cls);
    this.index(cls);
    return cls;
  }

  private index(cls: EndpointClass): void {
    const push = (m: Map<string, number[]>, k: string) => { const l = m.get(k); if (l) l.push(cls.id); else m.set(k, [cls.id]); };
    const e = cls.rep.endpoint;
    if (cls.namespace !== undefined) push(this.byNamespace, cls.namespace);
    if (cls.nodeLike) this.nodeLike.push(cls.id);
    if (!e) this.addressOnly.push(cls.id);
    for (const a of addressesOf(cls.rep, this.network)) push(this.byAtom, this.vocab.atomKey(a));
    // (A node-like class is found by its labels through its Calico host endpoint, when it has one, or
    // through its node's as Cilium's host endpoint under the host firewall.)
    const labelled = e && cls.nodeLike ? this.matcher.hostEndpointOf(e) ?? this.matcher.ciliumHostOf(e) : e;
    if (!labelled) return;
    for (const token of this.vocab.project(labelled.labels, labelled.namespace).split(",")) {
      if (!token) continue;
      const eq = token.indexOf("=");
      push(this.byToken, token.slice(0, eq));
      if (token.charCodeAt(eq + 1) !== 0) push(this.byToken, token);
    }
  }
}

const PROTOCOL_NUMBER: Record<Protocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * Class ids by endpoint id. Endpoint ids are the indexes of the inventory's endpoints (0, 1, ...:
 * a removed endpoint's slot is taken by the last one), so they are kept in a typed array, not in a
 * Map of 100k entries (3.6 MB of heap at 100k pods, rehashed as it grew).
 */
export class ClassOfEndpoint {
  private ids = new Int32Array(1024).fill(-1);
  /** The endpoint object placed at each id (an id is reused: the object tells whether a party's endpoint is the one placed). */
  private held: (Endpoint | undefined)[] = [];
  /** Endpoints with a class. */
  size = 0;

  get(id: number): number | undefined {
    const c = id >= 0 && id < this.ids.length ? this.ids[id] : -1;
    return c < 0 ? undefined : c;
  }

  /** The endpoint placed at id (undefined: none). */
  endpoint(id: number): Endpoint | undefined {
    return this.get(id) === undefined ? undefined : this.held[id];
  }

  set(id: number, cls: number, e: Endpoint): void {
    if (id >= this.ids.length) {
      const ids = new Int32Array(Math.max(id + 1, this.ids.length * 2)).fill(-1);
      ids.set(this.ids);
      this.ids = ids;
    }
    if (this.ids[id] < 0) this.size++;
    this.ids[id] = cls;
    this.held[id] = e;
  }

  delete(id: number): void {
    if (this.get(id) === undefined) return;
    this.ids[id] = -1;
    this.held[id] = undefined;
    this.size--;
  }
}

/** A party's addresses on `network` (undefined: its primary network). */
export function addressesOf(p: Party, network?: string) {
  return p.address ? [p.address] : p.endpoint ? addressesOn(p.endpoint, network) : [];
}

