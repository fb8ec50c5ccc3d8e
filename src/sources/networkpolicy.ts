// Front end for NetworkPolicy (networking.k8s.io/v1): validate as the API server does, then lower
// into the Namespace tier. Every rule allows; a selected pod is isolated for a direction.

import { contains, type Cidr } from "../model/ip.js";
import { inCluster, type Endpoint } from "../model/endpoint.js";
import { inputCnis, type InputCni } from "../model/cni.js";
import type { InventoryBuilder, StateKey } from "./builder.js";
import { isProtocol, type PortMatch, type Protocol } from "../model/ports.js";
import { EVERYTHING, formatSelector, type LabelSelector } from "../model/selector.js";
import type { EndpointSelector, NamespaceMatch, Peer, Policy, Rule, SelectableKind } from "../model/policy.js";
import { ciliumIdentitySelector, ciliumReading } from "./cilium.js";
import { Field, ObjectContext, type StringRule } from "./fields.js";
import type { Path } from "../model/source.js";
import type { FrontEnd } from "./frontend.js";
import { checkLabels, isPortNumber, isPortOrName, readCidrAs, readMeta, readPortOrName, readProtocol, readSelector } from "./k8s.js";

type Gress = "ingress" | "egress";

/** Where NetworkPolicies sit among the Namespace tier's ordered policies (Calico's order for them). */
export const NETWORK_POLICY_PRIORITY = 1000;

export const networkPolicyFrontEnd: FrontEnd = {
  kind: "NetworkPolicy", apiVersions: ["networking.k8s.io/v1"], namespaced: true,
  read(root, ctx, b) {
    // (Its labels are checked, not kept: the model's policy has none.)
    const meta = readMeta(root, true, checkLabels);
    // spec is optional (NetworkPolicy.Spec `+optional`, no `required` in the OpenAPI): absent or
    // null, the API server stores the zero NetworkPolicySpec, whose empty podSelector selects every
    // pod of the namespace and whose policyTypes default to Ingress (SetDefaults_NetworkPolicy): it
    // denies all their ingress. (It was refused as missing, and --lenient read no policy: allowed.)
    const spec = root.get("spec");
    if (spec.present && !spec.object()) return;
    const shared = b.state(SHARED);
    // (Fields are made only where they report: a dump's policies repeat a few selectors, blocks and ports.)
    const podSelector = shared.given(spec.raw("podSelector")) ?? shared.labels(spec.get("podSelector"));
    const types = readPolicyTypes(spec);
    const peers: ReadPeer[] = [];
    const ingress = readRules(spec, "ingress", meta?.namespace ?? "default", peers, shared);
    const egress = readRules(spec, "egress", meta?.namespace ?? "default", peers, shared);
    if (!meta) return;
    const ns = meta.namespace!;
    b.useNamespace(ns, ctx.ref);
    const policy: Policy = {
      kind: "NetworkPolicy", name: meta.name, namespace: ns, tier: "namespace", priority: NETWORK_POLICY_PRIORITY,
      subject: shared.pods(shared.named(ns), podSelector),
      ingress: types.has("Ingress") ? ingress : undefined,
      egress: types.has("Egress") ? egress : undefined,
      src: ctx.ref,
    };
    b.inv.policies.push(policy);
    b.state(CILIUM_STEPS).add(policy, peers);
  },
};

/** The kinds a Kubernetes selector picks (one list for every selector: nothing changes it). */
const PODS: readonly SelectableKind[] = Object.freeze(["pod"]);

/**
 * The selectors of a load's NetworkPolicies, one object for equal ones (a namespace's policies, and
 * every namespace's, repeat a few: 10k policies at 100k pods): the model keeps one copy, and the
 * engine, which keys its sets by selector object (engine/fast/sets.ts selectorKey), makes one key
 * for each; and the CIDRs of their ipBlocks. Selectors, CIDRs and the objects in them are never
 * changed in place (underCilium makes new ones); peers are not shared (underCilium marks CIDR peers).
 */
class SharedSelectors {
  private readonly names = new Map<string, NamespaceMatch>();
  private readonly byText = new Map<string, LabelSelector>();
  /** Selectors read without a report, by givenLabels. */
  private readonly byGiven = new Map<string, LabelSelector>();
  private readonly selected = new Map<LabelSelector, NamespaceMatch>();
  private readonly cidrs = new Map<string, Cidr>();
  private readonly endpoints = new Map<NamespaceMatch, Map<LabelSelector, EndpointSelector>>();

  /** The namespace match of one namespace by name. */
  named(ns: string): NamespaceMatch {
    let m = this.names.get(ns);
    if (m === undefined) this.names.set(ns, (m = { kind: "name", name: ns }));
    return m;
  }

  /** The namespace match of a namespace selector (shared: one per selector object). */
  matching(selector: LabelSelector): NamespaceMatch {
    let m = this.selected.get(selector);
    if (m === undefined) this.selected.set(selector, (m = { kind: "selector", selector }));
    return m;
  }

  /**
   * readSelector(f), the one object of that selector when it reads without a report (its text,
   * formatSelector, is then one to one: valid keys and values hold none of its punctuation).
   */
  labels(f: Field): LabelSelector {
    // A selector given as it was before (matchLabels alone, the same keys, values and order) reads
    // as it did: nothing read again.
    const given = givenLabels(f.value);
    if (given !== undefined) {
      const seen = this.byGiven.get(given);
      if (seen !== undefined) return seen;
    }
    const diags = f.ctx.diags.items, before = diags.length;
    let sel = readSelector(f);
    if (diags.length !== before) return sel;
    if (sel.requirements.length === 0) sel = EVERYTHING;
    else {
      const text = formatSelector(sel), seen = this.byText.get(text);
      if (seen !== undefined) sel = seen;
      else this.byText.set(text, sel);
    }
    if (given !== undefined) this.byGiven.set(given, sel);
    return sel;
  }

  /**
   * What labels() gives for a selector whose value is `value`, when it is one given as before
   * (matchLabels alone, the same keys, values and order: nothing to read or report again, and no
   * field made); undefined for any other.
   */
  given(value: unknown): LabelSelector | undefined {
    const given = givenLabels(value);
    return given === undefined ? undefined : this.byGiven.get(given);
  }

  /** What cidr() gives for a CIDR string read before without a report (nothing to read or report again); undefined for any other. */
  knownCidr(text: unknown): Cidr | undefined {
    return typeof text === "string" ? this.cidrs.get(text) : undefined;
  }

  /**
   * readCidrAs(f, "ipBlock"), the one object of a CIDR string read without a report (every
   * namespace's policies repeat the same blocks, and parsing one is most of reading a peer).
   */
  cidr(f: Field): Cidr | undefined {
    const text = f.value;
    if (typeof text === "string") {
      const seen = this.cidrs.get(text);
      if (seen !== undefined) return seen;
    }
    const diags = f.ctx.diags.items, before = diags.length;
    const c = readCidrAs(f, "ipBlock");
    if (c !== undefined && typeof text === "string" && diags.length === before) this.cidrs.set(text, c);
    return c;
  }

  /** The pod selector of these two (both shared: the result is one object per pair). */
  pods(namespaces: NamespaceMatch, labels: LabelSelector): EndpointSelector {
    let byLabels = this.endpoints.get(namespaces);
    if (byLabels === undefined) this.endpoints.set(namespaces, (byLabels = new Map()));
    let sel = byLabels.get(labels);
    if (sel === undefined) byLabels.set(labels, (sel = { namespaces, labels, kinds: PODS }));
    return sel;
  }
}

const SHARED: StateKey<SharedSelectors> = { make: () => new SharedSelectors() };

/**
 * A text one to one with a selector given as matchLabels alone (no matchExpressions, every value a
 * string): each key and value with its length, in the given order. Undefined for any other
 * selector (read in full every time).
 */
function givenLabels(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const { matchLabels, matchExpressions } = value as Record<string, unknown>;
  if (matchExpressions !== undefined && matchExpressions !== null) return undefined;
  if (matchLabels === undefined || matchLabels === null) return "";
  if (typeof matchLabels !== "object" || Array.isArray(matchLabels)) return undefined;
  let text = "";
  for (const k in matchLabels as Record<string, unknown>) {
    const v = (matchLabels as Record<string, unknown>)[k];
    if (typeof v !== "string") return undefined;
    text += `${k.length}:${k}${v.length}:${v}`;
  }
  return text;
}

/** policyTypes, defaulted as the API server does: Ingress, plus Egress when spec.egress has rules. */
export function readPolicyTypes(spec: Field): ReadonlySet<string> {
  const given = spec.raw("policyTypes");
  // ValidateNetworkPolicySpec: "may not specify more than two policyTypes" (a type repeated counts).
  if (Array.isArray(given) && given.length > 2) spec.get("policyTypes").error("invalid", `Invalid value: ${given.length} policyTypes: may not specify more than two policyTypes (the API server refuses the NetworkPolicy)`);
  if (Array.isArray(given) && given.length > 0) {
    // (A list of valid types, the usual case, is one of three shared sets: no field or set made.)
    let ingress = false, egress = false;
    for (let i = 0; i < given.length; i++) {
      const t = given[i];
      if (t === "Ingress") ingress = true;
      else if (t === "Egress") egress = true;
      else return readTypes(spec);
    }
    return ingress ? (egress ? BOTH : INGRESS) : EGRESS;
  }
  if (given !== undefined && given !== null) return readTypes(spec);
  const egress = spec.raw("egress");
  return Array.isArray(egress) && egress.length > 0 ? BOTH : INGRESS;
}

/** policyTypes read through its fields, each reported. */
function readTypes(spec: Field): ReadonlySet<string> {
  const list = spec.get("policyTypes").list();
  if (list && list.length > 0) {
    const types = new Set<string>();
    for (const t of list) {
      const v = t.string(POLICY_TYPE);
      if (v) types.add(v);
    }
    return types;
  }
  const egress = spec.raw("egress");
  return Array.isArray(egress) && egress.length > 0 ? BOTH : INGRESS;
}

const POLICY_TYPE: StringRule = { required: true, oneOf: ["Ingress", "Egress"] };
const INGRESS: ReadonlySet<string> = new Set(["Ingress"]);
const EGRESS: ReadonlySet<string> = new Set(["Egress"]);
const BOTH: ReadonlySet<string> = new Set(["Ingress", "Egress"]);

/**
 * Per load, the NetworkPolicies read and their peers, waiting to know whether the input shows Cilium:
 * one look (inputCnis) for every NetworkPolicy. Kept in two flat lists, not an object per policy and
 * per peer (a step, its context, its list of peers: what a load keeps until it ends is copied by the
 * young generation's collector twice), and nothing of the parsed policy: its reports are made from the
 * policy's source (src) once Cilium is found.
 */
class CiliumSteps {
  readonly policies: Policy[] = [];
  /** Per peer (ReadPeer), five values: its policy's place in `policies`, then peer, gress, rule, index. */
  readonly peers: (number | string | Peer)[] = [];

  add(policy: Policy, peers: readonly ReadPeer[]): void {
    const at = this.policies.length;
    this.policies.push(policy);
    for (let i = 0; i < peers.length; i++) { const p = peers[i]; this.peers.push(at, p.peer, p.gress, p.rule, p.index); }
  }

  /** underCilium for each policy, its reports (a detached context: the object's source) in the load's diagnostics. */
  settle(b: InventoryBuilder, cilium: InputCni): void {
    const flat = this.peers;
    let k = 0;
    for (let at = 0; at < this.policies.length; at++) {
      const policy = this.policies[at], reports = new ObjectContext(policy.src!, b.diags, policy.kind);
      const peers: { peer: Peer; f: Field }[] = [];
      for (; k < flat.length && flat[k] === at; k += 5) {
        peers.push({ peer: flat[k + 1] as Peer, f: peerField(reports, { peer: flat[k + 1] as Peer, gress: flat[k + 2] as Gress, rule: flat[k + 3] as number, index: flat[k + 4] as number }) });
      }
      underCilium(b, cilium, policy, new Field(reports, undefined, POD_SELECTOR), peers);
    }
  }
}

const CILIUM_STEPS: StateKey<CiliumSteps> = {
  make: () => new CiliumSteps(),
  settle(steps, b) {
    const cilium = inputCnis(b.inv).find((c) => c.family === "cilium");
    if (cilium) steps.settle(b, cilium);
  },
};

const POD_SELECTOR: Path = Object.freeze(["spec", "podSelector"]);

/** A peer as read, and where: spec.GRESS[rule].from or .to[index] (its field is made only for underCilium's reports). */
interface ReadPeer { peer: Peer; gress: Gress; rule: number; index: number }

/** A peer's field for reports (its ipBlock's for a CIDR peer), as underCilium reads it. */
function peerField(reports: ObjectContext, p: ReadPeer): Field {
  const path: Path = ["spec", p.gress, p.rule, p.gress === "ingress" ? "from" : "to", p.index];
  return new Field(reports, undefined, p.peer.kind === "cidr" ? [...path, "ipBlock"] : path);
}

/**
 * A NetworkPolicy as Cilium reads it, when the input shows Cilium (model/cni.ts inputCnis):
 * - its pod selectors select identities, whose labels the agent's label filter chose
 *   (cilium.ts ciliumIdentitySelector: pod-template-hash, statefulset.kubernetes.io/pod-name, ... are none);
 * - an ipBlock is a CIDR rule (pkg/k8s network_policy.go parseNetworkPolicyPeer: FromCIDRSet/ToCIDRSet),
 *   and "CIDR rules do not apply to traffic where both sides of the connection are either managed by
 *   Cilium or use an IP belonging to a node in the cluster (including host networking pods)"
 *   (Documentation/policy/language.rst): it matches only addresses outside the cluster, as a
 *   CiliumNetworkPolicy's CIDR rule does, with a warning where it covers an address of a pod or node of
 *   the input (the upstream e2e tests, and other CNIs, match them).
 */
function underCilium(b: InventoryBuilder, cilium: InputCni, policy: Policy, podSelector: Field, peers: readonly { peer: Peer; f: Field }[]): void {
  const inv = b.inv, agent = ciliumReading(b);
  // Its podSelectors select identities, whose labels Cilium's label filter chose (cilium.ts ciliumIdentitySelector).
  policy.subject = { ...policy.subject, labels: ciliumIdentitySelector(policy.subject.labels, podSelector, agent.identity) };
  const relabelled = new Map<Peer, Peer>();
  for (const { peer, f } of peers) {
    if (peer.kind !== "endpoints") continue;
    const labels = ciliumIdentitySelector(peer.selector.labels, f.get("podSelector"), agent.identity);
    if (labels !== peer.selector.labels) relabelled.set(peer, { ...peer, selector: { ...peer.selector, labels } });
  }
  if (relabelled.size) {
    const rules = (rs?: readonly Rule[]) => rs?.map((r) => (r.peers ? { ...r, peers: r.peers.map((p) => relabelled.get(p) ?? p) } : r));
    policy.ingress = rules(policy.ingress);
    policy.egress = rules(policy.egress);
  }
  let cluster: Endpoint[] | undefined;
  for (const { peer, f } of peers) {
    if (peer.kind !== "cidr") continue;
    peer.outside = true;
    // Under policy-cidr-match-mode nodes, node addresses are matched too (host-network pods are their node).
    if (agent.cidrNodes) peer.nodes = true;
    // (What the engine's Matcher.isClusterParty says of them under the default --host-network=node.)
    cluster ??= inv.endpoints.filter((e) => inCluster(e, agent.cidrNodes, e.kind === "pod" && e.hostNetwork === true));
    const covered = cluster.find((e) => e.addresses.some((a) => contains(peer.cidr, a) && !peer.except.some((x) => contains(x, a))));
    if (covered) {
      f.get("cidr").warn("vendor-ipblock", `${peer.cidr.text} covers the address of ${covered.kind} ${covered.namespace ? `${covered.namespace}/` : ""}${covered.name}, which Cilium's CIDR rules never match (the input's CNI is ${cilium.why}): read as matching only addresses outside the cluster${agent.cidrNodes ? " and nodes' (policy-cidr-match-mode nodes)" : ""}; select pods with podSelector/namespaceSelector`);
    }
  }
}

export function readRules(spec: Field, gress: Gress, namespace: string, read?: ReadPeer[], shared = new SharedSelectors()): Rule[] {
  const peersKey = gress === "ingress" ? "from" : "to";
  // (Looked at raw: a rule, peer or port is read through fields only when it may report; each
  // gives what reading it through its field gives, with the same reports in the same order.)
  const given = spec.raw(gress);
  if (!Array.isArray(given)) {
    spec.childList(gress);
    return [];
  }
  const rules: Rule[] = new Array(given.length);
  for (let index = 0; index < given.length; index++) {
    const r = given[index] as unknown;
    const isObject = r !== null && typeof r === "object" && !Array.isArray(r);
    if (!isObject && r !== undefined && r !== null) spec.get(gress).get(index).object();
    const peerList = isObject ? (r as Record<string, unknown>)[peersKey] : undefined;
    const portList = isObject ? (r as Record<string, unknown>).ports : undefined;
    if (peerList !== undefined && peerList !== null && !Array.isArray(peerList)) spec.get(gress).get(index).childList(peersKey);
    if (portList !== undefined && portList !== null && !Array.isArray(portList)) spec.get(gress).get(index).childList("ports");
    let peers: Peer[] | undefined, ports: PortMatch[] | undefined;
    if (Array.isArray(peerList) && peerList.length > 0) {
      peers = [];
      for (let j = 0; j < peerList.length; j++) {
        const peer = readPeerValue(peerList[j], spec, gress, index, j, namespace, shared);
        if (peer === undefined) continue;
        peers.push(peer);
        read?.push({ peer, gress, rule: index, index: j });
      }
    }
    if (Array.isArray(portList) && portList.length > 0) {
      ports = [];
      for (let j = 0; j < portList.length; j++) {
        const port = readPortValue(portList[j]) ?? readPort(spec.get(gress).get(index).get("ports").get(j));
        if (port !== undefined) ports.push(port);
      }
    }
    // An empty or missing list means every peer / every port.
    rules[index] = { index, action: "allow", peers, ports, path: rulePath(gress, index) };
  }
  return rules;
}

/** ["spec", gress, index]: one frozen array per place, shared by every policy (the model keeps each rule's). */
function rulePath(gress: Gress, index: number): Path {
  const paths = RULE_PATHS[gress];
  while (paths.length <= index) paths.push(Object.freeze(["spec", gress, paths.length]));
  return paths[index];
}

const RULE_PATHS: Record<Gress, Path[]> = { ingress: [], egress: [] };

const PEER_KEYS = ["podSelector", "namespaceSelector", "ipBlock"];

/**
 * Peer `j` of rule `index` (value `v`): what readPeer reads from its field, the field made only
 * when something may report (a selector or block not read before, anything else than a peer of
 * known fields).
 */
function readPeerValue(v: unknown, spec: Field, gress: Gress, index: number, j: number, namespace: string, shared: SharedSelectors): Peer | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return readPeer(peerAt(spec, gress, index, j), namespace, shared);
  const o = v as Record<string, unknown>;
  // (Field.keys: the fields set, not null.)
  let n = 0, pods: unknown, spaces: unknown, block: unknown;
  for (const k in o) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    if (k === "podSelector") pods = x;
    else if (k === "namespaceSelector") spaces = x;
    else if (k === "ipBlock") block = x;
    else return readPeer(peerAt(spec, gress, index, j), namespace, shared);
    n++;
  }
  if (n === 0 || (block !== undefined && n > 1)) return readPeer(peerAt(spec, gress, index, j), namespace, shared);
  if (block !== undefined) return readIpBlockValue(block, shared) ?? readPeer(peerAt(spec, gress, index, j), namespace, shared);
  const namespaces = spaces !== undefined ? shared.matching(shared.given(spaces) ?? shared.labels(peerAt(spec, gress, index, j).get("namespaceSelector"))) : shared.named(namespace);
  const labels = pods !== undefined ? shared.given(pods) ?? shared.labels(peerAt(spec, gress, index, j).get("podSelector")) : EVERYTHING;
  return { kind: "endpoints", selector: shared.pods(namespaces, labels) };
}

/** The field of peer `j` of rule `index`. */
function peerAt(spec: Field, gress: Gress, index: number, j: number): Field {
  return spec.get(gress).get(index).get(gress === "ingress" ? "from" : "to").get(j);
}

function readPeer(p: Field, namespace: string, shared: SharedSelectors): Peer | undefined {
  if (!p.object(true)) return undefined;
  const keys = p.keys();
  const unknown = keys.filter((k) => !PEER_KEYS.includes(k));
  if (unknown.length) return p.error("unknown-field", `unknown field ${JSON.stringify(unknown[0])} (a peer has podSelector, namespaceSelector or ipBlock)`);
  if (keys.length === 0) return p.error("required", "must specify a peer: podSelector, namespaceSelector or ipBlock");
  if (keys.includes("ipBlock")) {
    if (keys.length > 1) return p.error("exclusive", "ipBlock may not be combined with podSelector or namespaceSelector");
    return readIpBlock(p.get("ipBlock"), shared);
  }
  const namespaces = keys.includes("namespaceSelector") ? shared.matching(shared.labels(p.get("namespaceSelector"))) : shared.named(namespace);
  const labels = keys.includes("podSelector") ? shared.labels(p.get("podSelector")) : EVERYTHING;
  return { kind: "endpoints", selector: shared.pods(namespaces, labels) };
}

/**
 * What readIpBlock reads from an ipBlock (value `v`) whose CIDR and excepts were all read before
 * without a report, each except a strict subset of the CIDR (nothing to report); undefined for any
 * other (read through its field).
 */
function readIpBlockValue(v: unknown, shared: SharedSelectors): Peer | undefined {
  if (typeof v !== "object" || Array.isArray(v)) return undefined;
  const { cidr: text, except: given } = v as Record<string, unknown>;
  const cidr = shared.knownCidr(text);
  if (cidr === undefined) return undefined;
  if (given !== undefined && given !== null && !Array.isArray(given)) return undefined;
  const except: Cidr[] = [];
  if (Array.isArray(given)) {
    for (let i = 0; i < given.length; i++) {
      const c = shared.knownCidr(given[i]);
      if (c === undefined || !strictSubset(c, cidr)) return undefined;
      except.push(c);
    }
  }
  return { kind: "cidr", cidr, except };
}

/** Whether `c` is a strict subset of `cidr` (an ipBlock's except must be). */
function strictSubset(c: Cidr, cidr: Cidr): boolean {
  return !(c.family !== cidr.family || c.first < cidr.first || c.last > cidr.last || (c.first === cidr.first && c.last === cidr.last));
}

function readIpBlock(f: Field, shared: SharedSelectors): Peer | undefined {
  if (!f.object(true)) return undefined;
  const cidr = shared.cidr(f.get("cidr"));
  const except: Cidr[] = [];
  for (const e of f.get("except").list() ?? []) {
    const c = shared.cidr(e);
    if (!c || !cidr) continue;
    if (!strictSubset(c, cidr)) {
      e.error("invalid-except", `${JSON.stringify(c.text)} must be a strict subset of the cidr ${JSON.stringify(cidr.text)}`);
      continue;
    }
    except.push(c);
  }
  return cidr ? { kind: "cidr", cidr, except } : undefined;
}

/**
 * What readPort reads from a port (value `v`) that reads without a report: an object whose
 * protocol, port and endPort are absent or valid; undefined for any other (read through its field).
 */
function readPortValue(v: unknown): PortMatch | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const { protocol: given, port, endPort } = v as Record<string, unknown>;
  let protocol: Protocol = "TCP";
  if (isProtocol(given)) protocol = given;
  else if (given !== undefined && given !== null) return undefined;
  const noEnd = endPort === undefined || endPort === null;
  if (port === undefined || port === null) return noEnd ? { kind: "protocol", protocol } : undefined;
  if (typeof port === "string") return noEnd && isPortOrName(port) ? { kind: "named", name: port, protocol } : undefined;
  if (!isPortNumber(port)) return undefined;
  if (noEnd) return { kind: "range", protocol, first: port, last: port };
  if (!isPortNumber(endPort) || endPort < port) return undefined;
  return { kind: "range", protocol, first: port, last: endPort };
}

function readPort(f: Field): PortMatch | undefined {
  if (!f.object(true)) return undefined;
  const protocol = readProtocol(f.get("protocol"));
  const portField = f.get("port");
  const endField = f.get("endPort");
  if (!portField.present) {
    if (endField.present) endField.error("forbidden", "endPort may only be set together with a numeric port");
    return { kind: "protocol", protocol };
  }
  const port = readPortOrName(portField);
  if (port === undefined) return undefined;
  if (typeof port === "string") {
    if (endField.present) endField.error("forbidden", "endPort may not be set when port is a named port");
    return { kind: "named", name: port, protocol };
  }
  const end = endField.int({ min: 1, max: 65535 });
  if (end !== undefined && end < port) return endField.error("range", `endPort ${end} must be greater than or equal to port ${port}`);
  return { kind: "range", protocol, first: port, last: end ?? port };
}
