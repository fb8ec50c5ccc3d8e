// Front end for the common API's TrafficPolicy (junction.dev/v1alpha1): one rule language for the
// Admin, Namespace and Baseline tiers, whose subjects and peers pick pods and Workloads alike.
// Semantics (docs/common-api.md): per direction, the tiers' policies are walked by priority then
// name; the first matching rule decides (Allow, Deny, or Pass to the next tier). In the Namespace
// tier a selected endpoint is isolated: when no rule matches, the flow is denied.

import { EVERYTHING, matches as matchesSelector } from "../model/selector.js";
import { policyRules, type Action, type EndpointSelector, type NamespaceMatch, type Peer, type Rule, type SelectableKind, type Tier } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import type { Cidr } from "../model/ip.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import type { InventoryBuilder } from "./builder.js";
import { readCidr, readMeta, readPortOrName, readProtocol, readSelector } from "./k8s.js";
import { readDomains } from "./policyapi.js";
import { CLUSTER_NETWORK_LABEL, JUNCTION_API } from "./common.js";
import { readHttpClauses } from "./trafficpolicy-http.js";

const TIER_NAMES: Record<string, Tier> = { Admin: "admin", Namespace: "namespace", Baseline: "baseline" };
const ACTIONS: Record<string, Action> = { Allow: "allow", Deny: "deny", Pass: "pass" };
const KINDS: Record<string, SelectableKind> = { Pod: "pod", Workload: "workload" };
const ENDPOINT_KEYS = ["namespaces", "workloads", "serviceAccounts", "kinds"];
const PEER_KINDS = ["networks", "cidrs", "nodes", "clusters", "domains", "principals"];
export const DEFAULT_PRIORITY = 1000;

/** How a policy's namespace-less selectors are read: in its own namespace, or anywhere. */
interface Scope { namespace?: string }

export const trafficPolicyFrontEnd: FrontEnd = {
  kind: "TrafficPolicy", apiVersions: [JUNCTION_API], namespaced: true,
  read(root, ctx, b) {
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const tierText = spec.get("tier").string({ required: true, oneOf: Object.keys(TIER_NAMES) });
    const tier = tierText ? TIER_NAMES[tierText] : undefined;
    // Namespace-tier policies with metadata.namespace act in that namespace; all others are cluster-scoped.
    const nsField = root.get("metadata").get("namespace");
    const namespaced = tier === "namespace" && nsField.present;
    const meta = readMeta(root, namespaced);
    if (tier && tier !== "namespace" && nsField.present) {
      nsField.error("forbidden", `an ${tierText}-tier TrafficPolicy is cluster-scoped; remove metadata.namespace (only Namespace-tier policies may be namespaced)`);
    }
    const scope: Scope = { namespace: namespaced ? meta?.namespace : undefined };
    const priority = readPriority(spec.get("priority"), tier === "admin");
    const subject = readSubject(spec.get("subject"), scope);
    const actions = tier === "baseline" ? ["Allow", "Deny"] : Object.keys(ACTIONS);
    const ingress = readRules(spec, "ingress", actions, scope, b);
    const egress = readRules(spec, "egress", actions, scope, b);
    if (!meta || !tier || priority === undefined || !subject) return;
    if (scope.namespace) b.useNamespace(scope.namespace, ctx.ref);
    b.inv.policies.push({ kind: "TrafficPolicy", name: meta.name, namespace: scope.namespace, tier, priority, subject, ...policyRules(ingress, egress), src: ctx.ref });
  },
};

function readPriority(f: Field, required: boolean): number | undefined {
  if (!f.present) return required ? f.missing() : DEFAULT_PRIORITY;
  if (typeof f.value !== "number" || !Number.isFinite(f.value) || f.value < 0) {
    return f.error("type", `must be a number of at least 0 (lower is evaluated first), not ${JSON.stringify(f.value)}`);
  }
  return f.value;
}

/** namespaces: a selector; "*" = anywhere, cluster-scoped Workloads included; omitted: own namespace, or anywhere. */
function namespacesOf(f: Field, scope: Scope): NamespaceMatch {
  if (f.value === "*") return { kind: "any" };
  if (typeof f.value === "string") return f.error("type", `must be a label selector or "*" (anywhere), not ${JSON.stringify(f.value)}`) ?? { kind: "any" };
  if (f.present) return { kind: "selector", selector: readSelector(f) };
  return scope.namespace !== undefined ? { kind: "name", name: scope.namespace } : { kind: "any" };
}

/** {namespaces, workloads, serviceAccounts, kinds}: endpoints of those namespaces with those labels. */
function readEndpoints(f: Field, scope: Scope): EndpointSelector {
  const kinds = f.get("kinds").list({ min: 1 })?.map((k) => KINDS[k.string({ required: true, oneOf: Object.keys(KINDS) }) ?? ""])
    .filter((k): k is SelectableKind => k !== undefined);
  const serviceAccounts = f.get("serviceAccounts").list({ min: 1 })?.map((s) => s.string({ required: true, nonEmpty: true }))
    .filter((s): s is string => s !== undefined);
  return {
    namespaces: namespacesOf(f.get("namespaces"), scope),
    labels: f.get("workloads").present ? readSelector(f.get("workloads")) : EVERYTHING,
    kinds: kinds && kinds.length ? [...new Set(kinds)] : ["pod", "workload"],
    ...(serviceAccounts ? { serviceAccounts } : {}),
  };
}

function readSubject(f: Field, scope: Scope): EndpointSelector | undefined {
  if (!f.object(true)) return undefined;
  const allowed = scope.namespace !== undefined ? ENDPOINT_KEYS.filter((k) => k !== "namespaces") : ENDPOINT_KEYS;
  const unknown = f.keys().filter((k) => !allowed.includes(k));
  for (const k of unknown) {
    f.get(k).error("unknown-field", k === "namespaces"
      ? "a namespaced policy selects endpoints of its own namespace; remove metadata.namespace to select in several namespaces"
      : `unknown field ${JSON.stringify(k)} (a subject has ${allowed.join(", ")})`);
  }
  return unknown.length ? undefined : readEndpoints(f, scope);
}

function readRules(spec: Field, gress: "ingress" | "egress", actions: string[], scope: Scope, b: InventoryBuilder): Rule[] | undefined {
  const peersKey = gress === "ingress" ? "from" : "to";
  const list = spec.get(gress).list();
  return list?.map((r, index) => {
    r.object(true);
    r.onlyKeys(["name", "action", peersKey, "ports", "http"], `an ${gress} rule`);
    const name = r.get("name").string({ nonEmpty: true });
    const actionText = r.get("action").string({ required: true, oneOf: actions });
    const peerList = r.get(peersKey).list({ min: 1 });
    const peers = peerList?.flatMap((p) => readPeer(p, scope, b));
    const ports = r.get("ports").list({ min: 1 })?.map(readPort).filter((p): p is PortMatch => p !== undefined);
    const http = readHttpClauses(r.get("http"));
    if (peers?.some((p) => p.kind === "domains") && (gress === "ingress" || (actionText && actionText !== "Allow"))) {
      r.get(peersKey).error("forbidden", "domains peers are only allowed in egress Allow rules (names are resolved by the data plane)");
    }
    return { index, name, action: ACTIONS[actionText ?? "Deny"], peers, ports, ...(http ? { http, httpMode: "match" as const } : {}), path: ["spec", gress, index] };
  });
}

/** One peer: endpoints ({namespaces, workloads, serviceAccounts, kinds}) or exactly one of networks, cidrs, nodes, clusters, domains. */
function readPeer(f: Field, scope: Scope, b: InventoryBuilder): Peer[] {
  if (!f.object(true)) return [];
  const keys = f.keys();
  const kinds = keys.filter((k) => PEER_KINDS.includes(k));
  const unknown = keys.filter((k) => !PEER_KINDS.includes(k) && !ENDPOINT_KEYS.includes(k) && !(k === "except" || k === "outside"));
  if (unknown.length) { f.get(unknown[0]).error("unknown-field", `unknown field ${JSON.stringify(unknown[0])} (a peer has namespaces/workloads/serviceAccounts/kinds, or one of ${PEER_KINDS.join(", ")})`); return []; }
  const endpointKeys = keys.filter((k) => ENDPOINT_KEYS.includes(k));
  if (kinds.length + (endpointKeys.length ? 1 : 0) !== 1) {
    f.error(keys.length ? "exclusive" : "required", keys.length
      ? `a peer is one of: endpoints (namespaces/workloads), ${PEER_KINDS.join(", ")}; found ${[...(endpointKeys.length ? [endpointKeys.join("+")] : []), ...kinds].join(" and ")}`
      : `a peer must set namespaces/workloads or one of ${PEER_KINDS.join(", ")}`);
    return [];
  }
  for (const k of ["except", "outside"]) if (keys.includes(k) && kinds[0] !== "cidrs") f.get(k).error("forbidden", `${k} is only allowed with cidrs`);
  if (endpointKeys.length) return [{ kind: "endpoints", selector: readEndpoints(f, scope) }];
  const v = f.get(kinds[0]);
  switch (kinds[0]) {
    case "networks": return [{ kind: "networks", selector: readSelector(v) }];
    case "principals": return readPrincipals(v);
    case "nodes": return [{ kind: "nodes", selector: readSelector(v) }];
    case "domains": return [{ kind: "domains", names: readDomains(v) }];
    case "clusters": return [clusterPeer(v, b)];
    default: return readCidrs(f);
  }
}

/** cidrs + except: each CIDR minus the excepted ones inside it; `outside: true` skips pod and node addresses. */
function readCidrs(f: Field): Peer[] {
  const cidrs = (f.get("cidrs").list({ required: true, min: 1 }) ?? []).map(readCidr);
  const except = (f.get("except").list() ?? []).map(readCidr);
  const outside = f.get("outside").bool() === true;
  except.forEach((x, i) => {
    if (x && !cidrs.some((c) => c && c.family === x.family && c.first <= x.first && x.last <= c.last)) {
      f.get("except").get(i).error("invalid-except", `${JSON.stringify(x.text)} is inside none of the cidrs`);
    }
  });
  return cidrs.filter((c) => c !== undefined).map((cidr) => ({
    kind: "cidr" as const, cidr,
    except: except.filter((x): x is Cidr => x !== undefined && x.family === cidr.family && cidr.first <= x.first && x.last <= cidr.last),
    ...(outside ? { outside } : {}),
  }));
}

/** A Cluster peer: the pod CIDRs and egress NAT addresses of the matching Clusters (resolved once all are read). */
function clusterPeer(f: Field, b: InventoryBuilder): Peer {
  const selector = readSelector(f);
  const peer: Peer = { kind: "networks", selector: { requirements: [{ key: CLUSTER_NETWORK_LABEL, operator: "In", values: [] }] } };
  b.defer(() => {
    const names = b.inv.clusters.filter((c) => matchesSelector(selector, c.labels)).map((c) => c.name).sort();
    if (!names.length) f.warn("no-match", "selects no Cluster in the input: the peer matches nothing");
    (peer as { selector: typeof selector }).selector = { requirements: [{ key: CLUSTER_NETWORK_LABEL, operator: "In", values: names }] };
  });
  return peer;
}

function readPort(f: Field): PortMatch | undefined {
  if (!f.object(true)) return undefined;
  for (const k of f.keys()) if (!["protocol", "port", "endPort"].includes(k)) f.get(k).error("unknown-field", `unknown field ${JSON.stringify(k)} (a port has protocol, port, endPort)`);
  const protocolSet = f.get("protocol").present;
  const protocol = readProtocol(f.get("protocol"));
  const portField = f.get("port"), endField = f.get("endPort");
  if (!portField.present) {
    if (endField.present) endField.error("forbidden", "endPort needs a numeric port");
    if (!protocolSet) return f.error("required", "a port needs a port (number or name) or a protocol");
    return { kind: "protocol", protocol };
  }
  const port = readPortOrName(portField);
  if (port === undefined) return undefined;
  if (typeof port === "string") {
    if (endField.present) endField.error("forbidden", "endPort may not be used with a named port");
    return { kind: "named", name: port, ...(protocolSet ? { protocol } : {}) };
  }
  const end = endField.int({ min: 1, max: 65535 });
  if (end !== undefined && end < port) return endField.error("range", `endPort ${end} must be at least port ${port}`);
  return { kind: "range", protocol, first: port, last: end ?? port };
}

/**
 * principals: identities as a mesh authenticates them, TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT
 * ("spiffe://" optional; "*" for any service account of the namespace). Each picks the pods and
 * Workloads running as that service account in that namespace, when the trust domain is the mesh's
 * (--trust-domain). A mesh enforces identities over mutual TLS only.
 */
function readPrincipals(f: Field): Peer[] {
  return (f.list({ min: 1 }) ?? []).flatMap((item) => {
    const v = item.string({ required: true, nonEmpty: true });
    const m = v === undefined ? null : /^(?:spiffe:\/\/)?([^/*]+)\/ns\/([^/*]+)\/sa\/([^/*]+|\*)$/.exec(v);
    if (!m) { if (v !== undefined) item.error("invalid", `${JSON.stringify(v)} is not a principal (TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT, the service account may be "*")`); return []; }
    const [, trustDomain, namespace, sa] = m;
    return [{ kind: "endpoints" as const, selector: { namespaces: { kind: "name" as const, name: namespace }, labels: EVERYTHING, kinds: ["pod" as const, "workload" as const], ...(sa === "*" ? {} : { serviceAccounts: [sa] }), trustDomain } }];
  });
}
