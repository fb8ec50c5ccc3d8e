// Resolves the endpoint forms of the CLI contract to parties of a flow:
//   NAMESPACE/NAME        a pod, else a workload controller of that name, else a junction Workload
//   KIND:NAMESPACE/NAME   e.g. deployment:shop/api, svc:shop/api, workload:legacy/db, node:worker-1
//   ip:ADDRESS or ADDRESS an address (the endpoint that owns it, if any)
//   CLUSTER:NAMESPACE/NAME, KIND:CLUSTER:NAMESPACE/NAME in a model of several clusters (prod-eu:shop/web)
// and every name `list` prints (np-guard's): NAMESPACE/NAME[Kind], NAME[Workload], FIRST-LAST[External], NAME[Network]
// (or a CIDR: one party per address class inside it), {ingress-controller}. A bare NAME (or KIND:NAME)
// is in the namespace given by -n.

import { nginxControllersOf } from "../model/nginx-controller.js";
import type { Endpoint, Service } from "../model/endpoint.js";
import { addressKey, parseAddress, sameAddress, parseCidr, partitionSpace, type AddressRange } from "../model/ip.js";
import { mentionedRanges } from "../model/ranges.js";
import { closest, didYouMean } from "../model/suggest.js";
import type { Inventory, InventoryIndex } from "../model/inventory.js";
import { endpointName } from "../model/endpoint.js";
import type { Party } from "./match.js";

export type Resolved =
  | { kind: "parties"; label: string; parties: Party[] }
  | { kind: "service"; label: string; service: Service };

export type Resolution = { ok: true; value: Resolved } | { ok: false; error: string };

const KIND_ALIASES: Record<string, string> = {
  pod: "Pod", po: "Pod",
  deployment: "Deployment", deploy: "Deployment",
  statefulset: "StatefulSet", sts: "StatefulSet",
  daemonset: "DaemonSet", ds: "DaemonSet",
  replicaset: "ReplicaSet", rs: "ReplicaSet",
  replicationcontroller: "ReplicationController", rc: "ReplicationController",
  job: "Job", cronjob: "CronJob", cj: "CronJob",
  service: "Service", svc: "Service",
  workload: "Workload", vm: "Workload",
  node: "Node", no: "Node",
  ip: "ip",
};

export function resolveEndpoint(index: InventoryIndex, text: string, namespace?: string): Resolution {
  const t = text.trim();
  if (t === INGRESS_CONTROLLER_ID) return { ok: true, value: { kind: "parties", label: t, parties: ingressControllerParties(index.inv) } };
  const listed = /^(.*)\[([A-Za-z]+)\]$/.exec(t);
  if (listed) return byListName(index, listed[1], listed[2], text, namespace);
  const colon = /^([A-Za-z]+):(.*)$/.exec(t);
  // CLUSTER:NAMESPACE/NAME in a model of several clusters (a cluster named like a kind is read as the kind; write KIND:CLUSTER:...).
  if (colon && !parseAddress(t) && !(KIND_ALIASES[colon[1].toLowerCase()] === undefined && isCluster(index, colon[1]))) {
    const kind = KIND_ALIASES[colon[1].toLowerCase()];
    if (!kind) return fail(`unknown endpoint kind ${JSON.stringify(colon[1])} in ${JSON.stringify(text)} (use one of ${Object.keys(KIND_ALIASES).join(", ")})${didYouMean(colon[1], Object.keys(KIND_ALIASES))}`);
    if (kind === "ip") return byAddress(index, colon[2]);
    return byKind(index, kind, kind === "Node" ? colon[2] : inNamespace(colon[2], namespace, kind), text);
  }
  if (parseAddress(t)) return byAddress(index, t);
  const range = parseRangeText(t);
  if (range) return byRange(index, range, t);
  return byName(index, inNamespace(t, namespace), text);
}

function isCluster(index: InventoryIndex, name: string): boolean {
  return index.inv.endpoints.some((e) => e.cluster === name);
}

/** np-guard's stand-in for the ingress controller: a pod without labels in namespace ingress-controller-ns. */
export const INGRESS_CONTROLLER_ID = "{ingress-controller}";
export const INGRESS_CONTROLLER_NAMESPACE = "ingress-controller-ns";

/** A pod standing for the ingress controller; it is not part of the inventory. */
export function ingressControllerParty(): Party {
  return { endpoint: { id: -1, kind: "pod", name: "ingress-controller", namespace: INGRESS_CONTROLLER_NAMESPACE, labels: {}, addresses: [], ports: [] } };
}

/**
 * The ingress-nginx controller pods of the input: labelled app.kubernetes.io/name=ingress-nginx (the
 * Helm chart's and the static manifests'), or pods of a workload running /nginx-ingress-controller
 * (sources/ingress/nginx-annotations.ts readIngressNginxController). With `className`: the pods of the
 * controllers serving that class (model/nginx-controller.ts), when the input holds one (their namespaces'
 * labelled pods when it holds no pod of theirs); when it holds controllers but none serving the class, the labelled
 * pods of no controller of the input.
 */
export function ingressControllerPods(inv: Inventory, className?: string): Endpoint[] {
  const serving = className !== undefined ? nginxControllersOf(inv, className) : [];
  const workloads = serving.length ? serving : inv.ingressNginxControllers ?? [];
  const ids = new Set(inv.controllers.filter((c) => workloads.some((w) => w.kind === c.kind && w.namespace === c.namespace && w.name === c.name)).flatMap((c) => c.pods));
  const labelled = (e: Endpoint) => e.labels["app.kubernetes.io/name"] === "ingress-nginx";
  if (serving.length) {
    const own = inv.endpoints.filter((e) => e.kind === "pod" && ids.has(e.id));
    return own.length ? own : inv.endpoints.filter((e) => e.kind === "pod" && labelled(e) && serving.some((w) => w.namespace === e.namespace));
  }
  // A class no controller of the input serves: not another controller's pods.
  if (className !== undefined && workloads.length) return inv.endpoints.filter((e) => e.kind === "pod" && labelled(e) && !ids.has(e.id));
  return inv.endpoints.filter((e) => e.kind === "pod" && (labelled(e) || ids.has(e.id)));
}

/** {ingress-controller}: the controller pods of the input, else np-guard's stand-in pod. */
export function ingressControllerParties(inv: Inventory): Party[] {
  const pods = ingressControllerPods(inv);
  return pods.length ? pods.map((endpoint) => ({ endpoint })) : [ingressControllerParty()];
}

/** A bare NAME in the -n namespace (cluster-scoped Workloads stay bare: workload:NAME). */
function inNamespace(text: string, namespace: string | undefined, kind?: string): string {
  return namespace === undefined || text.includes("/") || kind === "Workload" && !namespace ? text : `${namespace}/${text}`;
}

/** The names `list` prints: shop/web[Deployment], legacy/db[Workload], host[Workload], 10.0.0.0-10.0.0.255[External]. */
function byListName(index: InventoryIndex, listed: string, kind: string, text: string, namespace?: string): Resolution {
  const name = listed.replace(/^([^/[]+)\[udn\]\//, "$1/"); // np-guard marks a primary UDN's namespace: blue[udn]/web[Pod]
  if (kind === "External") {
    const range = parseRangeText(name);
    return range ? byRange(index, range, text) : fail(`${JSON.stringify(text)}: write external ranges as FIRST-LAST[External] or CIDR[External]`);
  }
  if (kind === "Workload" && !name.includes("/")) return byKind(index, "Workload", name, text);
  if (kind === "Network") return byNetwork(index, name, text);
  const canonical = KIND_ALIASES[kind.toLowerCase()];
  if (!canonical) return byKind(index, kind, inNamespace(name, namespace), text);
  return byKind(index, canonical, inNamespace(name, namespace), text);
}

/** FIRST-LAST or a CIDR. */
function parseRangeText(text: string): AddressRange | undefined {
  const cidr = parseCidr(text);
  if (cidr) return cidr;
  const dash = text.indexOf("-"); // addresses (IPv4 or IPv6) hold no dash
  const first = dash > 0 ? parseAddress(text.slice(0, dash)) : undefined;
  const last = first && parseAddress(text.slice(dash + 1));
  return first && last && first.family === last.family && first.value <= last.value ? { family: first.family, first: first.value, last: last.value } : undefined;
}

/**
 * An address range, as `list` means its [External] ranges: addresses outside the cluster, one party
 * per class of addresses the policies treat alike (the pieces their CIDRs and the Workloads' addresses
 * cut it into), so that a verdict for the range holds for every address in it.
 */
function byRange(index: InventoryIndex, range: AddressRange, label: string): Resolution {
  return { ok: true, value: { kind: "parties", label, parties: rangeParties(index, range) } };
}

/** The parties of an address range (byRange): one per class of addresses the policies treat alike. */
export function rangeParties(index: InventoryIndex, range: AddressRange): Party[] {
  const workloads = index.inv.endpoints.filter((e) => e.kind === "workload").flatMap((e) => e.addresses.map((a) => ({ family: a.family, first: a.value, last: a.value })));
  const pieces = partitionSpace(range.family, [range, ...mentionedRanges(index.inv), ...workloads]).filter((r) => r.first >= range.first && r.last <= range.last);
  return pieces.map((r) => {
    const address = { family: r.family, value: r.first };
    const owner = index.byAddress.get(addressKey(address));
    return { endpoint: owner?.kind === "workload" ? owner : undefined, address };
  });
}

/** NAME[Network] (NAMESPACE/NAME[Network]): the addresses of a junction Network, as `list` names it. */
function byNetwork(index: InventoryIndex, name: string, label: string): Resolution {
  const { namespace, name: bare } = splitName(name);
  const n = index.inv.networks.find((x) => x.name === bare && x.namespace === namespace);
  if (!n) return fail(`no Network named ${name}${didYouMean(name, index.inv.networks.map((x) => x.name))}`);
  const parties = n.cidrs.flatMap((c) => { const r = byRange(index, c, label); return r.ok && r.value.kind === "parties" ? r.value.parties : []; });
  return { ok: true, value: { kind: "parties", label, parties } };
}

function fail(error: string): Resolution { return { ok: false, error }; }
function parties(label: string, endpoints: Endpoint[]): Resolution {
  return { ok: true, value: { kind: "parties", label, parties: endpoints.map((endpoint) => ({ endpoint })) } };
}

function splitName(text: string): { namespace?: string; name: string } {
  const i = text.indexOf("/");
  return i < 0 ? { name: text } : { namespace: text.slice(0, i), name: text.slice(i + 1) };
}

function byAddress(index: InventoryIndex, text: string): Resolution {
  const address = parseAddress(text);
  if (!address) return fail(`${JSON.stringify(text)} is not a valid IP address`);
  const endpoint = index.byAddress.get(addressKey(address));
  // Traffic to a Service's cluster IP is translated to its backends before policy applies.
  const service = endpoint ? undefined : index.inv.services.find((s) => s.clusterIPs.some((a) => sameAddress(a, address)));
  if (service) return { ok: true, value: { kind: "service", label: `ip:${text}`, service } };
  return { ok: true, value: { kind: "parties", label: `ip:${text}`, parties: [{ endpoint, address }] } };
}

function byName(index: InventoryIndex, qualified: string, text: string): Resolution {
  const { namespace, name } = splitName(qualified);
  if (namespace === undefined) return fail(`${JSON.stringify(text)}: write endpoints as NAMESPACE/NAME (or NAME with -n NAMESPACE), KIND:NAMESPACE/NAME or ip:ADDRESS`);
  const named = index.endpointsNamed(namespace, name);
  const pods = named.filter((e) => e.kind === "pod" && !e.fromTemplate);
  if (pods.length) return parties(text, pods);
  const controllers = index.controllersNamed(namespace, name);
  if (controllers.length > 1) {
    return fail(`${text} is ambiguous: ${controllers.map((c) => `${c.kind.toLowerCase()}:${namespace}/${name}`).join(", ")}; name one with KIND:NAMESPACE/NAME`);
  }
  if (controllers.length === 1) return controllerParties(index, controllers[0].kind, namespace, name, text);
  const owned = podsOwnedBy(index, namespace, name);
  if (owned.length) return parties(text, owned);
  const workloads = named.filter((e) => e.kind === "workload");
  if (workloads.length) return parties(text, workloads);
  return fail(`no pod, workload or Workload named ${text}${suggest(index, namespace, name)}`);
}

function controllerParties(index: InventoryIndex, kind: string, namespace: string, name: string, label: string): Resolution {
  const c = index.controllersNamed(namespace, name).find((x) => x.kind === kind);
  // A ReplicaSet (Job) that is not in the input but owns pods that are: np-guard lists it.
  const owned = c ? [] : podsOwnedBy(index, namespace, name, kind);
  if (owned.length) return parties(label, owned);
  if (!c) return fail(`no ${kind} named ${namespace}/${name}${suggest(index, namespace, name)}`);
  if (c.pods.length === 0) return fail(`${kind} ${namespace}/${name} has no pods in the input`);
  return parties(label, c.pods.map((id) => index.inv.endpoints[id]));
}

function byKind(index: InventoryIndex, kind: string, rest: string, label: string): Resolution {
  const inv = index.inv;
  if (kind === "Node") {
    const n = index.nodesByName.get(rest);
    return n ? parties(label, [n]) : fail(`no node named ${rest}`);
  }
  const { namespace, name } = splitName(rest);
  if (namespace === undefined && kind === "Workload") {
    // A cluster-scoped Workload (a host): workload:NAME.
    const w = inv.endpoints.filter((e) => e.kind === "workload" && e.namespace === undefined && e.name === rest);
    return w.length ? parties(label, w) : fail(`no cluster-scoped Workload named ${rest}`);
  }
  if (namespace === undefined) return fail(`${JSON.stringify(label)}: write ${kind} endpoints as KIND:NAMESPACE/NAME`);
  switch (kind) {
    case "Pod": {
      const pods = index.endpointsNamed(namespace, name).filter((e) => e.kind === "pod");
      return pods.length ? parties(label, pods) : fail(`no pod named ${rest}${suggest(index, namespace, name)}`);
    }
    case "Workload": {
      const w = index.endpointsNamed(namespace, name).filter((e) => e.kind === "workload");
      return w.length ? parties(label, w) : fail(`no Workload named ${rest}`);
    }
    case "Service": {
      const service = inv.services.find((s) => s.namespace === namespace && s.name === name);
      if (service) return { ok: true, value: { kind: "service", label, service } };
      const others = inv.services.filter((s) => s.namespace === namespace).map((s) => `svc:${s.namespace}/${s.name}`);
      return fail(`no Service named ${rest}${didYouMean(`svc:${rest}`, others) || (others.length ? ` (Services in ${namespace}: ${others.slice(0, 8).join(", ")})` : ` (no Service in namespace ${namespace})`)}`);
    }
    default:
      return controllerParties(index, kind, namespace, name, label);
  }
}

/** Pods whose controlling owner is NAMESPACE/NAME (of this kind), when that owner is not in the input. */
function podsOwnedBy(index: InventoryIndex, namespace: string, name: string, kind?: string): Endpoint[] {
  return index.inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === namespace && e.owner?.name === name && (!kind || e.owner.kind === kind) && !e.fromTemplate);
}

function suggest(index: InventoryIndex, namespace: string, name: string): string {
  const known = [
    ...index.inv.endpoints.filter((e) => e.namespace === namespace && e.kind !== "node").map(endpointName),
    ...index.inv.controllers.filter((c) => c.namespace === namespace).map((c) => `${c.namespace}/${c.name}`),
  ];
  const typed = `${namespace}/${name}`;
  const close = [...new Set([...closest(typed, known, 2, 5), ...known.filter((k) => k.includes(name) || name.includes(k.split("/")[1]))])].slice(0, 5);
  if (close.length) return ` (did you mean ${close.join(", ")}?)`;
  if (!index.inv.namespaces.has(namespace)) return ` (there is no namespace ${namespace} in the input)`;
  return "";
}

export type HostResolution = { ok: true; endpoint: Endpoint } | { ok: false; error: string };

/**
 * A host a firewall is compiled for: a Workload (NAMESPACE/NAME or workload:NAMESPACE/NAME), a node
 * (NAME or node:NAME), or a pod (pod:NAMESPACE/NAME).
 */
export function resolveHost(index: InventoryIndex, text: string): HostResolution {
  const t = text.trim();
  const form = /^[A-Za-z]+:/.test(t) ? t : t.includes("/") ? `workload:${t}` : `node:${t}`;
  const r = resolveEndpoint(index, form);
  if (!r.ok) {
    const pod = form.startsWith("workload:") && resolveEndpoint(index, `pod:${t}`).ok;
    return pod ? { ok: false, error: `${r.error}; ${t} is a pod: write pod:${t}` } : r;
  }
  if (r.value.kind !== "parties") return { ok: false, error: `${text} is a Service; a host is a Workload, a node or a pod` };
  const found = r.value.parties.flatMap((p) => (p.endpoint && p.endpoint.kind !== "external" ? [p.endpoint] : []));
  if (found.length !== 1) return { ok: false, error: `${text} names ${found.length} endpoints; name exactly one Workload, node or pod` };
  return { ok: true, endpoint: found[0] };
}
