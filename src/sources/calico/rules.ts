// Calico rules (projectcalico.org/v3 NetworkPolicy, GlobalNetworkPolicy) lowered into model rules.
// An entity's criteria are ANDed; the source describes the remote side of ingress rules, the
// destination that of egress rules, and destination ports apply in both directions.

import { addressCidr, cidrFrom, parseAddress, type Cidr, type Family } from "../../model/ip.js";
import { selectedAddresses } from "../../model/inventory.js";
import { MAX_PORT, PROTOCOLS, normalizeIntervals, type Interval, type PortMatch, type Protocol } from "../../model/ports.js";
import { EVERYTHING, SUBSTRING_OPERATORS, selector, matches, type Requirement } from "../../model/selector.js";
import type { Action, Direction, EndpointSelector, NamespaceMatch, Peer, Rule } from "../../model/policy.js";
import type { Clause, Condition, StringMatch } from "../../model/l7.js";
import { calicoCleanPath } from "../../model/calico-path.js";
import type { Field } from "../fields.js";
import type { InventoryBuilder } from "../builder.js";
import { readCidrAs } from "../k8s.js";
import { parseSelector, SelectorError, toDnf, type SelectorExpr, type Term } from "./selector.js";
import { byServiceAccount } from "./serviceaccounts.js";

export const CALICO_NAMESPACE_LABEL = "projectcalico.org/namespace";
/** Put on the Workloads host endpoints become, so that global() and default-deny can find them. */
export const HOST_ENDPOINT_LABEL = "projectcalico.org/hostendpoint";
/** Put on the Networks NetworkSets and GlobalNetworkSets become, so that Calico selectors pick no other Network. */
export const NETWORK_SET_LABEL = "projectcalico.org/networkset";
const EXISTS = (key: string): Requirement => ({ key, operator: "Exists", values: [] });

/** Labels Calico puts on a pod's workload endpoint (libcalico-go conversion/workload_endpoint_default.go). */
const POD_NAMESPACE_LABEL = CALICO_NAMESPACE_LABEL, ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator", SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount";
const IMPLICIT = new Set([POD_NAMESPACE_LABEL, ORCHESTRATOR_LABEL, SERVICE_ACCOUNT_LABEL]);
/** The label Calico puts on a namespace's profile (conversion.go NamespaceToProfile: projectcalico.org/name). */
const NAMESPACE_NAME_LABEL = "projectcalico.org/name";
const K8S_NAME = "kubernetes.io/metadata.name";

/** A Calico namespaceSelector's requirement on namespace labels: projectcalico.org/name is the namespace's name. */
export function namespaceRequirement(r: Requirement): Requirement {
  return r.key === NAMESPACE_NAME_LABEL ? { ...r, key: K8S_NAME } : r;
}

/**
 * What a Calico selector picks among the endpoints: pods (workload endpoints) and host endpoints.
 * Junction's other Workloads (VMs, hosts and appliances of the common API) and Networks are no
 * Calico objects: felix has no labels for them (it enforces on and selects only the endpoints and
 * network sets its datastore holds), so they are matched by their addresses alone. A pod's workload
 * endpoint carries three labels more than the pod (workload_endpoint_default.go): its namespace
 * (projectcalico.org/namespace), projectcalico.org/orchestrator=k8s and its service account
 * (projectcalico.org/serviceaccount); a host endpoint has none of them.
 */
export function calicoSelectors(sel: EndpointSelector): EndpointSelector[] {
  const implicit = sel.labels.requirements.filter((r) => IMPLICIT.has(r.key));
  const own = selector({}, sel.labels.requirements.filter((r) => !IMPLICIT.has(r.key)));
  const out: EndpointSelector[] = [];
  if (sel.kinds.includes("pod")) { const pods = podSelector({ ...sel, kinds: ["pod"], labels: own }, implicit); if (pods) out.push(pods); }
  // Service accounts are pods' (host endpoints have none), as are the implicit labels.
  if (sel.kinds.includes("workload") && !sel.serviceAccounts && matches(selector({}, implicit), {})) {
    out.push({ ...sel, kinds: ["workload"], labels: selector({}, [...own.requirements, EXISTS(HOST_ENDPOINT_LABEL)]) });
  }
  return out;
}

/** The pods a selector picks with requirements on the implicit labels: on the namespace, the orchestrator, the service account. */
function podSelector(sel: EndpointSelector, implicit: readonly Requirement[]): EndpointSelector | undefined {
  let namespaces = sel.namespaces;
  let accounts = sel.serviceAccounts;
  let except: string[] | undefined;
  for (const r of implicit) {
    if (r.key === ORCHESTRATOR_LABEL) { if (!matches(selector({}, [r]), { [r.key]: "k8s" })) return undefined; continue; }
    if (r.operator === "Exists") continue;
    if (r.operator === "DoesNotExist") return undefined;
    if (r.key === SERVICE_ACCOUNT_LABEL) {
      // Every pod has one (Exists). In: those accounts; NotIn: every account but those. The
      // substring operators are refused where the selector is read (dnf).
      if (r.operator === "In") accounts = accounts ? accounts.filter((a) => r.values.includes(a)) : [...r.values];
      if (r.operator === "NotIn") except = [...(except ?? []), ...r.values];
      continue;
    }
    const req: Requirement = { ...r, key: K8S_NAME };
    if (namespaces.kind === "name") { if (!matches(selector({}, [r]), { [r.key]: namespaces.name })) return undefined; continue; }
    namespaces = { kind: "selector", selector: selector({}, [...(namespaces.kind === "selector" ? namespaces.selector.requirements : []), req]) };
  }
  if (accounts && except) { const out = except; accounts = accounts.filter((a) => !out.includes(a)); except = undefined; }
  return { ...sel, namespaces, ...(accounts ? { serviceAccounts: accounts } : {}), ...(except ? { exceptServiceAccounts: [...new Set(except)].sort() } : {}) };
}

/** Calico network sets whose labels meet `reqs`. */
function networkSets(reqs: readonly Requirement[]): Extract<Peer, { kind: "networks" }> {
  return { kind: "networks", selector: selector({}, [...reqs, EXISTS(NETWORK_SET_LABEL)]) };
}
const ACTIONS: Record<string, Action | "log"> = { Allow: "allow", Deny: "deny", Pass: "pass", Log: "log" };
const PROTOCOL_NUMBERS: Record<string, Protocol> = { "6": "TCP", "17": "UDP", "132": "SCTP" };
const ENTITY_KEYS = ["nets", "notNets", "selector", "notSelector", "namespaceSelector", "ports", "notPorts", "serviceAccounts", "services"];

/** Where a policy's selectors look: its namespace (NetworkPolicy) or everywhere (GlobalNetworkPolicy). */
export interface CalicoScope { namespace?: string; b: InventoryBuilder }

/** A Calico selector in DNF; errors are reported on the field. */
export function readCalicoSelector(f: Field, fallback = "all()"): Term[] | undefined {
  return dnf(f, (s) => parseSelector(s), fallback);
}

function dnf(f: Field, parse: (s: string) => SelectorExpr, fallback: string, negate = false): Term[] | undefined {
  const text = f.present ? f.string() : fallback;
  if (text === undefined) return undefined;
  try {
    const terms = toDnf(parse(text), negate);
    if (terms.some((t) => t.reqs.some((r) => r.key === SERVICE_ACCOUNT_LABEL && SUBSTRING_OPERATORS.has(r.operator)))) {
      return f.error("unsupported", `${SERVICE_ACCOUNT_LABEL} with contains, starts with or ends with (service accounts by part of their name) cannot be expressed; name the accounts with ==, in, != or not in`);
    }
    return terms;
  } catch (e) {
    if (e instanceof SelectorError) return f.error("invalid-selector", e.message);
    throw e;
  }
}

function protocolOf(f: Field, negated: boolean): Protocol[] | undefined {
  if (!f.present) return undefined;
  const v = typeof f.value === "number" ? String(f.value) : f.string();
  if (v === undefined) return undefined;
  const p = PROTOCOL_NUMBERS[v] ?? (PROTOCOLS as readonly string[]).find((x) => x === v.toUpperCase());
  if (!p && !/^(ICMP|ICMPv6|UDPLite|\d+)$/i.test(v)) return f.error("enum", `${JSON.stringify(v)} is not a protocol (TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or a number)`);
  // Flows are TCP, UDP or SCTP: another protocol matches none of them.
  const set = p ? [p as Protocol] : [];
  return negated ? PROTOCOLS.filter((x) => !set.includes(x)) : set;
}

/**
 * Calico ports: 80, "8080:8090", or a named port, as numorstring.PortFromString reads them and
 * validator.go validatePort/validatePortName check them: numbers 1-65535 (0 is refused: "port number
 * must be between 1 and 65535"), a range in order, a name as Kubernetes validates a port name
 * (IsValidPortName: at most 15 lowercase letters, digits and single dashes, with a letter).
 */
function readPortList(f: Field): { ranges: Interval[]; names: string[] } | undefined {
  const list = f.list();
  if (!list) return undefined;
  const ranges: Interval[] = [], names: string[] = [];
  for (const p of list) {
    const v = p.value;
    const m = typeof v === "string" ? /^(\d+):(\d+)$/.exec(v) : null;
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
    if (n !== undefined && Number.isInteger(n) && n >= 1 && n <= MAX_PORT) ranges.push([n, n]);
    else if (m && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= MAX_PORT) ranges.push([Number(m[1]), Number(m[2])]);
    else if (typeof v === "string" && v.length <= 15 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(v) && /[a-z]/.test(v)) names.push(v);
    else p.error("invalid-port", `${JSON.stringify(v)} is not a port (a number 1-65535, a range "first:last" of them, or a port name: at most 15 lowercase letters, digits and single dashes, with a letter); Calico refuses the policy`);
  }
  return { ranges, names };
}

function complement(iv: Interval[]): Interval[] {
  const out: Interval[] = [];
  let next = 1;
  for (const [a, b] of normalizeIntervals(iv)) { if (a > next) out.push([next, a - 1]); next = Math.max(next, b + 1); }
  if (next <= MAX_PORT) out.push([next, MAX_PORT]);
  return out;
}

/** The rule's ports: protocol, destination ports and notPorts. undefined = every port. */
function readPorts(r: Field, dest: Field): PortMatch[] | undefined {
  const protocols = protocolOf(r.get("protocol"), false);
  const notProtocols = protocolOf(r.get("notProtocol"), true);
  let protos: Protocol[] | undefined = protocols ?? notProtocols;
  if (protocols && notProtocols) protos = protocols.filter((p) => notProtocols.includes(p));
  const ports = readPortList(dest.get("ports"));
  const notPorts = readPortList(dest.get("notPorts"));
  // validator.go validateRule: without a protocol, ports must all be named (AllPortsAreNamed:
  // protocolSingleOrRangePortsMsg); felix matches such a named port on its own protocol
  // (rule_scanner.go: namedPortProto is ipsetmember.ProtocolAny unless the rule has a protocol).
  const numeric = [ports, notPorts].find((l) => l?.ranges.length);
  if (numeric && !r.get("protocol").present) {
    return dest.get(numeric === ports ? "ports" : "notPorts").error("required", "rules with numeric port or port range must set protocol to TCP or UDP or SCTP (Calico's validator refuses the policy)");
  }
  // numorstring Protocol.SupportsPorts: 6, 17, 132, TCP, UDP, SCTP; validateRule: protocolPortsMsg.
  if ((ports || notPorts) && protocols && !protocols.length) return dest.get(ports ? "ports" : "notPorts").error("invalid-port", `rules that specify ports must set protocol to TCP or UDP or SCTP, not ${JSON.stringify(r.get("protocol").value)} (Calico's validator refuses the policy)`);
  if (notPorts?.names.length) return dest.get("notPorts").error("unsupported", `named ports in notPorts (${notPorts.names.join(", ")}) cannot be expressed: the model has no "every port but a named one"`);
  if (!protos) return ports?.names.length ? ports.names.map((name): PortMatch => ({ kind: "named", name })) : undefined;
  if (!ports && !notPorts) return protos.map((protocol) => ({ kind: "protocol", protocol }));
  let ranges: Interval[] = ports ? ports.ranges : [[1, MAX_PORT]];
  if (notPorts) ranges = ranges.flatMap(([a, b]) => complement(notPorts.ranges).filter(([x, y]) => y >= a && x <= b).map(([x, y]): Interval => [Math.max(a, x), Math.min(b, y)]));
  const out: PortMatch[] = [];
  for (const protocol of protos) {
    for (const [first, last] of normalizeIntervals(ranges)) out.push({ kind: "range", protocol, first, last });
    for (const name of ports?.names ?? []) out.push({ kind: "named", name, protocol });
  }
  return out;
}

const EVERY_ADDRESS: Record<Family, Cidr> = { 4: cidrFrom("0.0.0.0/0"), 6: cidrFrom("::/0") };

interface Nets { nets?: Cidr[]; notNets?: Cidr[] }

function readNets(entity: Field): Nets {
  const read = (key: keyof Nets) => entity.get(key).list()?.map((f) => readCidrAs(f, "calico")).filter((c): c is Cidr => c !== undefined);
  return { nets: read("nets"), notNets: read("notNets") };
}

/**
 * The IP families a rule applies to, as felix renders it into one table per family (rules/policy.go
 * FilterRuleToIPVersion): only `ipVersion`'s when set; a non-empty nets or notNets list keeps the
 * rule only in the families it has CIDRs of (filterNets: `notNets: [10.0.0.0/8]` is no IPv6 rule at
 * all), and a notNets catch-all (0.0.0.0/0, ::/0) drops the rule from its family. The validator
 * (validator.go validateRule, scanNets) refuses a CIDR of another family than ipVersion, a rule with
 * CIDRs of both families, and a notNets catch-all; under --lenient they are read as felix renders them.
 */
function ruleFamilies(r: Field, remote: Field, lists: Nets): Family[] {
  const version = r.get("ipVersion").present ? r.get("ipVersion").int() : undefined;
  let families: Family[] = version === 4 || version === 6 ? [version] : [4, 6];
  const seen = new Set<Family>();
  for (const key of ["nets", "notNets"] as const) {
    const cidrs = lists[key];
    if (!cidrs?.length) continue;
    const here = new Set(cidrs.map((c) => c.family));
    if (version !== undefined && [...here].some((f) => f !== version)) remote.get(key).error("ip-version", `rule IP version doesn't match CIDR version: ipVersion is ${version} (Calico's validator refuses the policy; felix leaves the rule out of the other family)`);
    else if ((here.size > 1 || [...here].some((f) => seen.size && !seen.has(f)))) remote.get(key).error("ip-version", "rule contains both IPv4 and IPv6 CIDRs (Calico's validator refuses the policy; felix renders the rule for each family with its CIDRs of that family)");
    for (const f of here) seen.add(f);
    const catchAll = key === "notNets" ? cidrs.filter((c) => c.prefix === 0).map((c) => c.family) : [];
    if (catchAll.length) remote.get(key).error("catch-all", `${catchAll.map((f) => EVERY_ADDRESS[f].text).join(", ")} in notNets matches no traffic (Calico's validator refuses it; felix drops the rule for that family)`);
    families = families.filter((f) => here.has(f) && !catchAll.includes(f));
  }
  return families;
}

/** nets and notNets, for the rule's families: addresses in some net (every address when absent) and in no notNet. */
function netPeers({ nets, notNets }: Nets, families: readonly Family[]): Peer[] | undefined {
  if (!nets && !notNets) return undefined;
  const base = (nets?.length ? nets : families.map((f) => EVERY_ADDRESS[f])).filter((c) => families.includes(c.family));
  return base.map((cidr) => ({ kind: "cidr", cidr, except: (notNets ?? []).filter((x) => x.family === cidr.family) }));
}

/**
 * Peers limited to the rule's families: cidr peers of another family dropped, the others marked with
 * the one family (in place: a network set peer's selector is completed once every object is read).
 */
function inFamilies(peers: Peer[], families: readonly Family[]): Peer[] {
  if (families.length === 2) return peers;
  if (!families.length) return [];
  const family = families[0];
  return peers.filter((p) => p.kind !== "cidr" || p.cidr.family === family).map((p) => (p.kind === "cidr" || p.kind === "domains" ? p : Object.assign(p, { family })));
}

/** Calico reads an empty selector string as no selector (updateprocessors/rules.go compares each with ""). */
export function given(f: Field): boolean {
  return f.present && f.value !== "";
}

/**
 * Peers for the selector criteria: endpoints, and the NetworkSets the same labels pick. As
 * libcalico-go's getEndpointSelector: a namespaced policy's rule stays in its namespace (or the
 * namespaceSelector's) once any selector field is set; a GlobalNetworkPolicy rule with only a
 * notSelector has no positive selector at all and matches every address but the excluded ones.
 */
function selectorPeers(entity: Field, scope: CalicoScope): Peer[] | undefined {
  const sel = entity.get("selector"), notSel = entity.get("notSelector"), nsSel = entity.get("namespaceSelector");
  const accounts = readServiceAccounts(entity.get("serviceAccounts"));
  if (!given(sel) && !given(notSel) && !given(nsSel) && accounts === undefined) return undefined;
  const pos = given(sel) ? readCalicoSelector(sel) : [{ reqs: [], global: false }];
  const neg = given(notSel) ? dnf(notSel, parseSelector, "all()", true) : [{ reqs: [], global: false }];
  const nsTerms = given(nsSel) ? readCalicoSelector(nsSel) : undefined;
  if (!pos || !neg || (given(nsSel) && !nsTerms) || accounts === null) return [];
  if (pos.some((t) => t.global)) return sel.error("unsupported", "global() is supported only as the whole namespaceSelector") ?? [];
  if (nsTerms?.some((t) => t.global && t.reqs.length)) return nsSel.error("unsupported", "global() is supported only as the whole namespaceSelector") ?? [];
  const names = accounts === "any" ? undefined : accounts;
  if (scope.namespace === undefined && !nsTerms && !given(sel) && accounts === undefined) return everyAddressBut(neg, readCalicoSelector(notSel) ?? [], scope);
  const labelTerms = pos.flatMap((p) => neg.map((n) => [...p.reqs, ...n.reqs]));
  const notIn = given(notSel) ? notSelectorSet(readCalicoSelector(notSel) ?? []) : undefined;
  const namespaces: NamespaceMatch[] = nsTerms
    ? nsTerms.filter((t) => !t.global).map((t) => ({ kind: "selector", selector: selector({}, t.reqs.map(namespaceRequirement)) }))
    : [scope.namespace !== undefined ? { kind: "name", name: scope.namespace } : { kind: "any" }];
  const peers: Peer[] = nsTerms?.some((t) => t.global) ? labelTerms.flatMap((reqs) => globalPeers(reqs).map((p) => (notIn ? { ...p, notIn } as Peer : p))) : [];
  for (const ns of namespaces) {
    for (const reqs of labelTerms) {
      for (const sel of calicoSelectors({ namespaces: ns, labels: selector({}, reqs), kinds: scope.namespace !== undefined ? ["pod"] : ["pod", "workload"], ...(names ? { serviceAccounts: names } : {}) })) peers.push({ kind: "endpoints", selector: sel, ...(notIn ? { notIn } : {}) });
      // (The peer itself: networkSetPeer may fill its selector in once every namespace is read.)
      if (!names) peers.push(notIn ? Object.assign(networkSetPeer(reqs, ns, scope), { notIn }) : networkSetPeer(reqs, ns, scope));
    }
  }
  const saSel = entity.get("serviceAccounts").get("selector");
  return given(saSel) && saSel.string() !== "all()" ? byAccounts(peers, readCalicoSelector(saSel) ?? [], scope, saSel) : peers;
}

/**
 * serviceAccounts.selector (rules.go parseServiceAccounts: its keys prefixed with `pcsa.`, ANDed to
 * the entity's selector): the endpoints peers narrowed to the pods whose ServiceAccount meets an
 * alternative, once every object is read (serviceaccounts.ts); a network set or host endpoint has no
 * ServiceAccount, so it stays only where an alternative holds for no labels at all.
 */
function byAccounts(peers: Peer[], terms: Term[], scope: CalicoScope, f: Field): Peer[] {
  const bare = terms.some((t) => matches(selector({}, t.reqs), {}));
  const endpoints = peers.filter((p): p is Extract<Peer, { kind: "endpoints" }> => p.kind === "endpoints" && p.selector.kinds.includes("pod"));
  const out = peers.filter((p) => !endpoints.includes(p as Extract<Peer, { kind: "endpoints" }>) && bare);
  scope.b.defer(() => {
    for (const p of endpoints) for (const t of terms) for (const sel of byServiceAccount(p.selector, t.reqs, scope.b, f)) out.push({ ...p, selector: sel });
  });
  return out;
}

/**
 * The IP set of a notSelector beside a selector, as peers: felix matches the rule's address against
 * "the selector's IP set and not the notSelector's" (felix calc/rule_convert.go ruleToParsedRule:
 * NotSrcIPSetIDs/NotDstIPSetIDs; updateprocessors rules.go passes NotSelector as written, unscoped
 * whatever the policy's namespace): the pods of every namespace, the host endpoints and the network sets it picks.
 * The labels' negation in the selector's terms takes out the endpoints it picks themselves; this
 * takes out their addresses from a network set's CIDR, and a network set's from a pod.
 */
function notSelectorSet(terms: Term[]): Peer[] {
  return terms.filter((t) => !t.global).flatMap((t) => [
    ...calicoSelectors({ namespaces: { kind: "any" }, labels: selector({}, t.reqs), kinds: ["pod", "workload"] }).map((sel): Peer => ({ kind: "endpoints", selector: sel })),
    networkSets(t.reqs),
  ]);
}

/**
 * Every address but those of the endpoints and network sets `excluded` selects (felix matches a
 * notSelector as "not in the IP set of what it selects"): the other pods and host endpoints by
 * label, every node, and every other address (the excluded host endpoints' addresses and network
 * sets' nets are cut out once all objects are read).
 */
function everyAddressBut(others: Term[], excluded: Term[], scope: CalicoScope): Peer[] {
  // Only host endpoints and network sets (selectedAddresses reads Workloads and Networks).
  const exceptSelected = excluded.flatMap((t) => [HOST_ENDPOINT_LABEL, NETWORK_SET_LABEL].map((k) => selector({}, [...t.reqs, EXISTS(k)])));
  const rest = [cidrFrom("0.0.0.0/0"), cidrFrom("::/0")].map((cidr) => ({ kind: "cidr" as const, cidr, except: [] as Cidr[], outside: true, exceptSelected }));
  // Once every object is read; the incremental engine recomputes them as Workloads change (fast/updates.ts).
  scope.b.defer(() => { for (const r of rest) r.except = selectedAddresses(scope.b.inv, exceptSelected, r.cidr.family); });
  return [
    ...others.flatMap((t) => calicoSelectors({ namespaces: { kind: "any" }, labels: selector({}, t.reqs), kinds: ["pod", "workload"] }).map((sel): Peer => ({ kind: "endpoints", selector: sel }))),
    { kind: "nodes", selector: EVERYTHING },
    ...rest,
  ];
}

/** namespaceSelector: global(): host endpoints and GlobalNetworkSets (the non-namespaced endpoints). */
function globalPeers(reqs: Requirement[]): Peer[] {
  return [
    { kind: "endpoints", selector: { namespaces: { kind: "any" }, labels: selector({}, [...reqs, EXISTS(HOST_ENDPOINT_LABEL)]), kinds: ["workload"] } },
    networkSets([...reqs, { key: CALICO_NAMESPACE_LABEL, operator: "DoesNotExist", values: [] }]),
  ];
}

/** serviceAccounts: the names, "any" (a selector all() only), undefined (neither given, so no criterion), null (unsupported). */
function readServiceAccounts(f: Field): string[] | "any" | undefined | null {
  if (!f.object()) return undefined;
  const sel = f.get("selector");
  if (given(sel) && sel.string() !== "all()" && readCalicoSelector(sel)?.some((t) => t.global)) { sel.error("unsupported", "global() is supported only as the whole namespaceSelector"); return null; }
  const names = f.get("names").list()?.map((n) => n.string({ required: true })).filter((s): s is string => s !== undefined) ?? [];
  return names.length ? names : given(sel) ? "any" : undefined;
}

/** NetworkSets carry their namespace as a label; namespaces chosen by selector are resolved once all are read. */
function networkSetPeer(reqs: Requirement[], ns: NamespaceMatch, scope: CalicoScope): Peer {
  if (ns.kind === "any") return networkSets(reqs);
  if (ns.kind === "name") return networkSets([...reqs, { key: CALICO_NAMESPACE_LABEL, operator: "In", values: [ns.name] }]);
  const peer = networkSets(reqs);
  scope.b.defer(() => {
    const names = [...scope.b.inv.namespaces.values()].filter((n) => matches(ns.selector, n.labels)).map((n) => n.name).sort();
    peer.selector = networkSets([...reqs, { key: CALICO_NAMESPACE_LABEL, operator: "In", values: names }]).selector;
  });
  return peer;
}

/**
 * Calico's HTTP match criteria, as Dikastes (Calico's application layer policy, an external
 * authorizer in the Istio sidecar) checks them (app-policy/checker/match.go, releases since v3.32):
 * the request's method is one of `methods` ("*": any), and its cleaned path (engine/l7/paths.ts
 * calicoCleanPath) equals the cleaned `exact` path or lies under the cleaned `prefix` by whole
 * segments ("/users" matches "/users/7", not "/users2"); a rule path that cannot be cleaned is skipped
 * (a warning). They are part of the rule's match: a request that does not satisfy them is looked at
 * by the next rule.
 */
function readHttp(f: Field): Clause[] | undefined {
  if (!f.object()) return undefined;
  const out: Condition[] = [];
  const methods = f.get("methods").list()?.map((m) => m.string({ required: true })).filter((s): s is string => s !== undefined);
  if (methods?.length) out.push({ attribute: "request.method", values: methods.map((m): StringMatch => (m === "*" ? { kind: "present" } : { kind: "exact", value: m })) });
  const paths = f.get("paths").list()?.map((p): StringMatch | undefined => {
    const which = p.oneOf(["exact", "prefix"]);
    const v = which ? p.get(which).string({ required: true }) : undefined;
    if (v === undefined) return undefined;
    const clean = calicoCleanPath(v);
    if (clean === undefined) { p.get(which!).warn("skipped", `${JSON.stringify(v)} is refused by Dikastes' path normalization (not rooted, a malformed or double-encoded escape, a NUL): Calico skips it, it matches nothing`); return undefined; }
    return which === "exact" ? { kind: "exact", value: clean } : { kind: "segments", value: clean };
  });
  if (paths?.length) out.push({ attribute: "request.cleanPath", values: paths.filter((m): m is StringMatch => m !== undefined) });
  return [out];
}

/**
 * `services` of the remote side ({name, namespace}; the policy's namespace by default, required in a
 * GlobalNetworkPolicy): the Service's endpoints, as felix's rule_scanner.go makes a Service IP set of
 * them (IPSetData{Service, ServiceIncludePorts}): an egress rule's destination matches their
 * addresses on their ports (ServiceIncludePorts true), an ingress rule's source their addresses
 * (false). (The CRD's CEL rules, in the vendored schema, refuse services beside selector, notSelector,
 * namespaceSelector, serviceAccounts, nets or notNets.) Read once every object is: a Service with a selector is its
 * pods (what the EndpointSlice controller writes) on its target ports (a name resolved on each pod),
 * one without is its EndpointSlices' addresses and ports; a Service not in the input matches nothing
 * (a warning). The rule's protocol narrows the ports; destination ports beside services are not
 * supported (null: the rule is left out).
 */
function serviceMatch(r: Field, remote: Field, d: Direction, scope: CalicoScope): { peers: Peer[]; ports?: PortMatch[] } | null {
  const f = remote.get("services");
  const name = f.get("name").string({ required: true, nonEmpty: true });
  const namespace = f.get("namespace").string() || scope.namespace;
  if (namespace === undefined) f.get("namespace").error("required", "a GlobalNetworkPolicy's services need a namespace (Calico's validator refuses the policy)");
  for (const k of ["ports", "notPorts"]) if (d === "egress" && r.get("destination").get(k).present) r.get("destination").get(k).error("unsupported", `destination.${k} beside destination.services (ports of the Service's endpoints) cannot be expressed; split the rule`);
  if (name === undefined || namespace === undefined) return null;
  const protocols = protocolOf(r.get("protocol"), false) ?? protocolOf(r.get("notProtocol"), true);
  const peers: Peer[] = [], ports: PortMatch[] = [];
  scope.b.defer(() => {
    const svc = scope.b.inv.services.find((s) => s.namespace === namespace && s.name === name);
    if (!svc) { f.warn("vendor-service", `Service ${namespace}/${name} is not in the input: the rule matches nothing here`); return; }
    const keep = (p: Protocol) => !protocols || protocols.includes(p);
    if (svc.selector) {
      peers.push({ kind: "endpoints", selector: { namespaces: { kind: "name", name: namespace }, labels: selector(svc.selector), kinds: ["pod"] } });
      for (const sp of svc.ports) if (keep(sp.protocol)) ports.push(typeof sp.targetPort === "number" ? { kind: "range", protocol: sp.protocol, first: sp.targetPort, last: sp.targetPort } : { kind: "named", name: sp.targetPort, protocol: sp.protocol });
      return;
    }
    const slices = scope.b.inv.endpointSlices.filter((e) => e.namespace === namespace && e.service === name && e.addressType !== "FQDN");
    for (const a of new Set(slices.flatMap((e) => e.endpoints.flatMap((x) => x.addresses)))) { const addr = parseAddress(a); if (addr) peers.push({ kind: "cidr", cidr: addressCidr(addr), except: [] }); }
    for (const sp of slices.flatMap((e) => e.ports)) if (sp.port !== undefined && keep(sp.protocol)) ports.push({ kind: "range", protocol: sp.protocol, first: sp.port, last: sp.port });
  });
  return d === "egress" ? { peers, ports } : { peers };
}

export function readCalicoRule(r: Field, index: number, d: Direction, scope: CalicoScope): Rule | undefined {
  r.object(true);
  const actionText = r.get("action").string({ required: true, oneOf: Object.keys(ACTIONS) });
  const remote = r.get(d === "ingress" ? "source" : "destination");
  const local = r.get(d === "ingress" ? "destination" : "source");
  for (const e of [remote, local]) for (const k of e.keys()) if (!ENTITY_KEYS.includes(k)) e.get(k).error("unknown-field", `unknown field ${JSON.stringify(k)} (an entity has ${ENTITY_KEYS.join(", ")})`);
  // An ingress rule's destination ports and notPorts are the flow's destination ports (readPorts);
  // every other field of the local side narrows the policy's own endpoints (or, egress, source ports).
  for (const k of local.keys()) if ((k !== "ports" && k !== "notPorts") || d === "egress") local.get(k).error("unsupported", `${d === "ingress" ? "destination" : "source"}.${k} in an ${d} rule narrows the policy's own endpoints${k.endsWith("orts") ? " or source ports" : ""}, which the model cannot express`);
  if (d === "ingress") for (const k of ["ports", "notPorts"]) if (remote.get(k).present) remote.get(k).error("unsupported", `source.${k} (the peer's source ports) cannot be expressed: rules match destination ports`);
  const service = remote.get("services").present ? serviceMatch(r, remote, d, scope) : undefined;
  if (service === null) return undefined;
  const ports = service?.ports ?? readPorts(r, r.get("destination"));
  const lists = readNets(remote);
  const families = ruleFamilies(r, remote, lists);
  const nets = netPeers(lists, families);
  const sels = selectorPeers(remote, scope);
  if (nets && sels) { remote.error("unsupported", "nets together with selectors (an address AND labels) cannot be expressed; split the rule"); return undefined; }
  // A rule of one family with no peer criteria: every address of that family.
  const peers = service?.peers ?? nets ?? (sels ? inFamilies(sels, families) : families.length === 2 ? undefined : families.map((f): Peer => ({ kind: "cidr", cidr: EVERY_ADDRESS[f], except: [] })));
  const http = readHttp(r.get("http"));
  if (http && d === "egress") r.get("http").error("unsupported", "Calico matches HTTP requests on ingress only (Dikastes authorizes the requests a pod receives)");
  if (actionText === undefined) return undefined;
  const action = ACTIONS[actionText];
  if (action === "log") { r.get("action").info("vendor-log", "Log rules only log and go on; they do not change verdicts"); return undefined; }
  return { index, action, peers, ports, ...(http ? { http, httpMode: "match", httpEnforcer: "istio-sidecar" } : {}), path: r.path };
}
