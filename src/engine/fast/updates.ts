// Incremental updates of the connectivity engine: one policy, endpoint or namespace changes, and
// only what it can affect is recomputed. A policy's change touches the classes its subject selects
// (old and new) and, when it mentions new labels, ports or CIDRs, splits the classes it can now
// tell apart (the new class copies its parent's bits: older policies cannot tell them apart). An
// endpoint joins an existing class at no cost, or adds one column. A namespace relabel re-evaluates
// the namespace-selector sets on its classes and rebuilds the signatures whose peers changed.

import type { Endpoint } from "../../model/endpoint.js";
import { addEndpoint as addToInventory, refreshSelectedExcepts, removeEndpoint as removeFromInventory } from "../../model/inventory.js";
import type { Policy } from "../../model/policy.js";
import type { Labels } from "../../model/selector.js";
import { denseOf, forEach, has, orInto, popcount, wordRuns } from "./bitset.js";
import type { FastConnectivity } from "./connectivity.js";
import { hasGrowth, type VocabularyGrowth } from "./vocabulary.js";

/** What an update recomputed. */
export interface UpdateResult {
  /** Classes whose signatures were recomputed. */
  classes: number;
  /** Rows computed (new or rebuilt signatures, new columns). */
  rows: number;
}

const nameOf = (p: Pick<Policy, "kind" | "namespace" | "name">) => `${p.kind}|${p.namespace ?? ""}|${p.name}`;
const byName = new WeakMap<Policy[], Map<string, Policy[]>>();

/**
 * The inventory's policies by kind, namespace and name (all of each: one object may lower to several
 * of one name, a Calico policy one per alternative of its selectors); kept current by the updates here.
 */
function named(policies: Policy[]): Map<string, Policy[]> {
  let m = byName.get(policies);
  if (!m) {
    m = new Map();
    for (const q of policies) index(m, q);
    byName.set(policies, m);
  }
  return m;
}

function index(m: Map<string, Policy[]>, p: Policy): void {
  const l = m.get(nameOf(p));
  if (l) l.push(p); else m.set(nameOf(p), [p]);
}

function unindex(m: Map<string, Policy[]>, p: Policy): void {
  const l = m.get(nameOf(p));
  const i = l ? l.indexOf(p) : -1;
  if (i < 0) return;
  l!.splice(i, 1);
  if (!l!.length) m.delete(nameOf(p));
}

function sum(results: readonly UpdateResult[]): UpdateResult {
  return { classes: results.reduce((n, r) => n + r.classes, 0), rows: results.reduce((n, r) => n + r.rows, 0) };
}

/**
 * Adds the model policies one object lowers to, replacing every policy of the inventory with the
 * kind, namespace and name of one of them (a policy upserted alone replaced only the first of its
 * name, so the others of a Calico policy lowered to several stayed with their old rules). Their cidr
 * peers that leave out what selectors pick (Calico's notSelector: exceptSelected) are computed against
 * the inventory here: a policy read on its own saw none of its Workloads and Networks.
 */
export function upsertPolicies(fc: FastConnectivity, policies: readonly Policy[]): UpdateResult {
  const m = named(fc.inventory.policies);
  const old = [...new Set(policies.map(nameOf))].flatMap((n) => [...(m.get(n) ?? [])]);
  return sum([
    ...policies.map((p, i) => replacePolicy(fc, old[i], refreshSelectedExcepts(fc.inventory, p) ?? p)),
    ...old.slice(policies.length).map((o) => dropPolicy(fc, o)),
  ]);
}

/** Adds a policy, or replaces those of the same kind, namespace and name (upsertPolicies of one). */
export function upsertPolicy(fc: FastConnectivity, p: Policy): UpdateResult {
  return upsertPolicies(fc, [p]);
}

/** Puts `p` in the place of `old` (this object, not by name: Calico's policies of one name are several). */
function replacePolicy(fc: FastConnectivity, old: Policy | undefined, p: Policy): UpdateResult {
  const rows = fc.rows.computed;
  const inv = fc.inventory;
  const m = named(inv.policies);
  if (old) { unindex(m, old); inv.policies.splice(inv.policies.indexOf(old), 1); }
  index(m, p);
  inv.policies.push(p);
  fc.subjects.add(p);
  split(fc, fc.vocab.addPolicy(p));
  // The classes either version selects, the old one's taken after the split: a class split off one it
  // selected copied its signatures (with the old version), and must be given its new ones too.
  const before = old ? denseOf(fc.sets.subject(old.subject), fc.sets.nwords) : undefined;
  fc.policiesChanged([p], old ? [old] : []);
  const now = denseOf(fc.sets.subject(p.subject), fc.sets.nwords);
  // An Admin-tier policy changes only the Admin parts of the classes it selects.
  if (p.tier === "admin") {
    const affected = before ?? now.slice();
    if (before) orInto(affected, now);
    fc.reassignAdmin(affected, old, p);
    return { classes: popcount(affected), rows: fc.rows.computed - rows };
  }
  const affected: number[] = [];
  if (before) forEach(before, (id) => affected.push(id));
  forEach(now, (id) => { if (!before || !has(before, id)) affected.push(id); });
  fc.assign(affected);
  return { classes: affected.length, rows: fc.rows.computed - rows };
}

/** Removes every policy of that kind, namespace and name. */
export function removePolicy(fc: FastConnectivity, p: Pick<Policy, "kind" | "namespace" | "name">): UpdateResult {
  return sum([...(named(fc.inventory.policies).get(nameOf(p)) ?? [])].map((old) => dropPolicy(fc, old)));
}

function dropPolicy(fc: FastConnectivity, old: Policy): UpdateResult {
  const rows = fc.rows.computed;
  const inv = fc.inventory;
  unindex(named(inv.policies), old);
  inv.policies.splice(inv.policies.indexOf(old), 1);
  fc.policiesChanged([], [old]);
  const selected = denseOf(fc.sets.subject(old.subject), fc.sets.nwords);
  if (old.tier === "admin") {
    fc.reassignAdmin(selected, old, undefined);
    return { classes: popcount(selected), rows: fc.rows.computed - rows };
  }
  const affected: number[] = [];
  forEach(selected, (id) => affected.push(id));
  fc.assign(affected);
  return { classes: affected.length, rows: fc.rows.computed - rows };
}

/** Adds an endpoint (pod, Workload or node), or replaces `old`. Returns it with its id. */
export function upsertEndpoint(fc: FastConnectivity, e: Omit<Endpoint, "id">, old?: Endpoint): { endpoint: Endpoint } & UpdateResult {
  const rows = fc.rows.computed;
  if (old) removeEndpoint(fc, old, false);
  const inv = fc.inventory;
  const ep = addToInventory(inv, e);
  fc.engine.index.added(ep);
  if (ep.namespace !== undefined && !inv.namespaces.has(ep.namespace)) {
    inv.namespaces.set(ep.namespace, { name: ep.namespace, labels: { "kubernetes.io/metadata.name": ep.namespace }, implicit: true });
    fc.sets.namespacesChanged();
  }
  const names = fc.addNamedPorts(ep);
  const r = fc.classes.addEndpoint(ep);
  if (r.created) fc.extend([r.cls.id]);
  if (names.length) relayout(fc, new Set(names));
  if (ep.kind === "node") moveEndpoints(fc, podsOn(fc, ep.name));
  identityChanged(fc, ep, old);
  for (const id of fc.classes.addressOnly) fc.classes.retireIfStale(id);
  const excepts = exceptsChanged(fc, [ep, ...(old ? [old] : [])]);
  return { endpoint: ep, classes: (r.created ? 1 : 0) + excepts, rows: fc.rows.computed - rows };
}

/**
 * Workloads came or went: the policies whose exceptSelected peers pick one of them get their
 * `except` recomputed (Calico's notSelector cuts the addresses of the host endpoints it names).
 * Returns the classes recomputed.
 */
function exceptsChanged(fc: FastConnectivity, endpoints: readonly Endpoint[]): number {
  const labels = endpoints.filter((e) => e.kind === "workload").map((e) => e.labels);
  if (!labels.length) return 0;
  let classes = 0;
  for (const p of [...fc.inventory.policies]) {
    const next = refreshSelectedExcepts(fc.inventory, p, labels);
    if (next) classes += replacePolicy(fc, p, next).classes;
  }
  return classes;
}

export function removeEndpoint(fc: FastConnectivity, e: Endpoint, refresh = true): UpdateResult {
  const rows = fc.rows.computed;
  const inv = fc.inventory;
  if (inv.endpoints[e.id] !== e) return { classes: 0, rows: 0 };
  fc.classes.removeEndpoint(e);
  fc.engine.index.removed(e);
  const from = inv.endpoints.length - 1;
  const moved = removeFromInventory(inv, e);
  if (moved) fc.classes.renumber(moved, from);
  if (e.kind === "node") moveEndpoints(fc, podsOn(fc, e.name));
  if (refresh) identityChanged(fc, e);
  for (const id of fc.classes.addressOnly) fc.classes.retireIfStale(id);
  return { classes: refresh ? exceptsChanged(fc, [e]) : 0, rows: fc.rows.computed - rows };
}

/** New labels for a namespace (kubernetes.io/metadata.name is kept, as the API server does). */
export function setNamespaceLabels(fc: FastConnectivity, name: string, labels: Labels): UpdateResult {
  const rows = fc.rows.computed;
  const ns = fc.inventory.namespaces.get(name);
  const all = { ...labels, "kubernetes.io/metadata.name": name };
  if (ns) { ns.labels = all; ns.implicit = false; } else fc.inventory.namespaces.set(name, { name, labels: all, implicit: false });
  fc.sets.namespacesChanged();
  const ids = fc.classes.byNamespace.get(name) ?? [];
  const changed = fc.sets.refresh(ids, true);
  if (changed.length && ids.length) {
    // Only the columns of the namespace's classes can change, and only in rows with a rule whose peers changed.
    const stale = fc.signaturesWithPeers(changed).filter((sig) => !sig.unenforced);
    fc.rows.reset();
    for (const [w0, w1] of wordRuns(ids)) for (const sig of stale) fc.rows.refresh(sig, w0, w1);
  }
  fc.assign(ids);
  return { classes: ids.length, rows: fc.rows.computed - rows };
}


/** The vocabulary grew: endpoints it can now tell apart move to new classes that copy their old class's bits. */
function split(fc: FastConnectivity, g: VocabularyGrowth): void {
  if (!hasGrowth(g)) return;
  const keys = g.labels.map(([k]) => k), names = new Set(g.portNames), accounts = new Set(g.serviceAccounts);
  const candidates = new Set<Endpoint>();
  // Members of a class may differ in what the vocabulary did not mention yet: look at every endpoint.
  if (keys.length || names.size || accounts.size) {
    const hasKey = (labels: Labels) => keys.some((k) => Object.prototype.hasOwnProperty.call(labels, k));
    for (const e of fc.inventory.endpoints) {
      // A node's (or a host-network pod's) class key holds its Calico host endpoint's labels too (classes.ts nodeKey).
      const hep = fc.engine.matcher.hostEndpointOf(e);
      if (hasKey(e.labels) || (hep && hasKey(hep.labels)) || e.ports.some((q) => q.name !== undefined && names.has(q.name)) ||
        accounts.has(e.serviceAccount ?? "default")) candidates.add(e);
    }
  }
  const classIds = [...(g.nodeLabels ? fc.classes.nodeLike : []), ...g.cuts.flatMap((c) => fc.classes.byAtom.get(`${c.family}:${c.from}`) ?? [])];
  for (const id of classIds) for (const e of fc.classes.list[id].members) candidates.add(e);
  const parents = new Map<number, number>();
  const emptied = new Set<number>();
  for (const e of candidates) {
    const id = fc.classes.ofEndpoint.get(e.id);
    if (id === undefined || fc.classes.keyOf({ endpoint: e }) === fc.classes.list[id].key) continue;
    fc.classes.removeEndpoint(e);
    emptied.add(id);
    const r = fc.classes.addEndpoint(e);
    if (r.created) parents.set(r.cls.id, id);
  }
  for (const id of emptied) fc.classes.retireIfStale(id);
  if (g.cuts.length) for (const id of fc.classes.addressOnly) fc.classes.retireIfStale(id);
  if (!parents.size) return;
  fc.ensureCapacity();
  fc.rows.reset();
  for (const [child, parent] of parents) fc.copyColumn(parent, child);
}

/** Endpoints whose class may have changed for another reason than policies (their node changed). */
function moveEndpoints(fc: FastConnectivity, endpoints: Endpoint[]): void {
  const created: number[] = [];
  for (const e of endpoints) {
    const id = fc.classes.ofEndpoint.get(e.id);
    if (id !== undefined && fc.classes.keyOf({ endpoint: e }) === fc.classes.list[id].key) continue;
    fc.classes.removeEndpoint(e);
    if (id !== undefined) fc.classes.retireIfStale(id);
    const r = fc.classes.addEndpoint(e);
    if (r.created) created.push(r.cls.id);
  }
  if (created.length) fc.extend(created);
}

/**
 * Under Cilium an egress rule's named port resolves on the destination's identity (Matcher.egressDestPorts,
 * model/cilium-identity.ts): a pod naming ports that comes or goes changes what its identity's other pods
 * answer, so the pods of its namespace (an identity holds its namespace) are classed again where their
 * key changed (they kept the identity's old ports: a stale allow until a rebuild).
 */
function identityChanged(fc: FastConnectivity, e: Endpoint, old?: Endpoint): void {
  if (!fc.engine.options.namedPorts) return;
  const names = (x: Endpoint | undefined) => x?.kind === "pod" && x.hostNetwork !== true && x.ports.some((p) => p.name !== undefined);
  if (!names(e) && !names(old)) return;
  const near = (x: Endpoint, y: Endpoint | undefined) => y !== undefined && x.namespace === y.namespace && x.cluster === y.cluster;
  moveEndpoints(fc, fc.inventory.endpoints.filter((x) => x !== e && x.kind === "pod" && (near(x, e) || near(x, old))));
}

function podsOn(fc: FastConnectivity, node: string): Endpoint[] {
  return fc.inventory.endpoints.filter((e) => e.kind === "pod" && e.hostNetwork === true && e.nodeName === node);
}

/** New declared ports for names that egress named-port rules use: those signatures are laid out again. */
function relayout(fc: FastConnectivity, names: Set<string>): void {
  for (const sig of fc.signatures) {
    if (sig.users === 0 || sig.direction !== "egress" || sig.unenforced) continue;
    const uses = Object.values(sig.tiers).flat().some((p) => (p.egress ?? []).some((r) => (r.ports ?? []).some((m) => m.kind === "named" && names.has(m.name))));
    if (uses) fc.rows.build(sig);
  }
}
