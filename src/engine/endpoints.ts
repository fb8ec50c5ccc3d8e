// Resolves the endpoint forms of the CLI contract to parties of a flow:
//   NAMESPACE/NAME        a pod, else a workload controller of that name, else a junction Workload
//   KIND:NAMESPACE/NAME   e.g. deployment:shop/api, svc:shop/api, workload:legacy/db, node:worker-1
//   ip:ADDRESS or ADDRESS an address (the endpoint that owns it, if any)

import type { Endpoint, Service } from "../model/endpoint.js";
import { addressKey, parseAddress } from "../model/ip.js";
import type { InventoryIndex } from "../model/inventory.js";
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

export function resolveEndpoint(index: InventoryIndex, text: string): Resolution {
  const t = text.trim();
  const colon = /^([A-Za-z]+):(.*)$/.exec(t);
  if (colon && !parseAddress(t)) {
    const kind = KIND_ALIASES[colon[1].toLowerCase()];
    if (!kind) return fail(`unknown endpoint kind ${JSON.stringify(colon[1])} in ${JSON.stringify(text)} (use one of ${Object.keys(KIND_ALIASES).join(", ")})`);
    return kind === "ip" ? byAddress(index, colon[2]) : byKind(index, kind, colon[2], text);
  }
  if (parseAddress(t)) return byAddress(index, t);
  return byName(index, t);
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
  const service = endpoint ? undefined : index.inv.services.find((s) => s.clusterIPs.some((a) => a.family === address.family && a.value === address.value));
  if (service) return { ok: true, value: { kind: "service", label: `ip:${text}`, service } };
  return { ok: true, value: { kind: "parties", label: `ip:${text}`, parties: [{ endpoint, address }] } };
}

function byName(index: InventoryIndex, text: string): Resolution {
  const { namespace, name } = splitName(text);
  if (namespace === undefined) return fail(`${JSON.stringify(text)}: write endpoints as NAMESPACE/NAME, KIND:NAMESPACE/NAME or ip:ADDRESS`);
  const named = index.endpointsNamed(namespace, name);
  const pods = named.filter((e) => e.kind === "pod" && !e.fromTemplate);
  if (pods.length) return parties(text, pods);
  const controllers = index.controllersNamed(namespace, name);
  if (controllers.length > 1) {
    return fail(`${text} is ambiguous: ${controllers.map((c) => `${c.kind.toLowerCase()}:${namespace}/${name}`).join(", ")}; name one with KIND:NAMESPACE/NAME`);
  }
  if (controllers.length === 1) return controllerParties(index, controllers[0].kind, namespace, name, text);
  const workloads = named.filter((e) => e.kind === "workload");
  if (workloads.length) return parties(text, workloads);
  return fail(`no pod, workload or Workload named ${text}${suggest(index, namespace, name)}`);
}

function controllerParties(index: InventoryIndex, kind: string, namespace: string, name: string, label: string): Resolution {
  const c = index.controllersNamed(namespace, name).find((x) => x.kind === kind);
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
      return service ? { ok: true, value: { kind: "service", label, service } } : fail(`no Service named ${rest}`);
    }
    default:
      return controllerParties(index, kind, namespace, name, label);
  }
}

function suggest(index: InventoryIndex, namespace: string, name: string): string {
  const known = [
    ...index.inv.endpoints.filter((e) => e.namespace === namespace && e.kind !== "node").map(endpointName),
    ...index.inv.controllers.filter((c) => c.namespace === namespace).map((c) => `${c.namespace}/${c.name}`),
  ];
  const close = [...new Set(known)].filter((k) => k.includes(name) || name.includes(k.split("/")[1])).slice(0, 5);
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
