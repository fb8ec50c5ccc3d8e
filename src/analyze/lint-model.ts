// Lint checks that read the model (and the Gateway engine's route status): selectors that select
// nothing, named ports nobody declares, admin policies tied at one priority, routes not accepted or
// partially invalid, Ingress annotations of another controller, Istio authorizations that select or
// allow nothing.

import type { Inventory } from "../model/inventory.js";
import type { Endpoint } from "../model/endpoint.js";
import { policyName, rulesOf, DIRECTIONS, type Direction, type Peer, type Policy, type Rule } from "../model/policy.js";
import { matches } from "../model/selector.js";
import { effectiveClass } from "../model/ingress.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { GatewayEngine } from "../engine/gateway/engine.js";
import { routeStatus } from "../engine/gateway/status.js";
import { finding, type Finding } from "./lint.js";

export function modelChecks(inv: Inventory, engine: PolicyEngine, gateways: GatewayEngine): Finding[] {
  return [
    ...inv.policies.flatMap((p) => policyChecks(inv, engine, p)),
    ...adminOverlaps(inv, engine),
    ...routeChecks(gateways),
    ...ingressAnnotations(inv),
    ...authorizationChecks(inv),
  ];
}

export const policyObject = (p: Policy) => `${p.kind} ${policyName(p)}`;

/** The input's pods and Workloads that a policy's subject selects. */
export function subjects(inv: Inventory, engine: PolicyEngine, p: Policy): Endpoint[] {
  return inv.endpoints.filter((e) => engine.matcher.selects(p.subject, e));
}

function policyChecks(inv: Inventory, engine: PolicyEngine, p: Policy): Finding[] {
  const selected = subjects(inv, engine, p);
  if (!selected.length) return [finding("policy-selects-nothing", policyObject(p), `${policyObject(p)} selects no pod of the input`, p.src, subjectField(p))];
  return DIRECTIONS.flatMap((d) => (rulesOf(p, d) ?? []).flatMap((r) => [...peerChecks(inv, engine, p, d, r), ...portChecks(inv, engine, p, d, r, selected)]));
}

function subjectField(p: Policy): string[] {
  return p.kind === "NetworkPolicy" ? ["spec", "podSelector"] : ["spec", "subject"];
}

/** The field of a rule's i-th peer (NetworkPolicy and the admin policies list them under from/to). */
export function peerField(d: Direction, r: Rule, i: number): (string | number)[] {
  return [...r.path, d === "ingress" ? "from" : "to", i];
}

export function ruleLabel(d: Direction, r: Rule): string {
  return `${d} rule ${r.index}${r.name ? ` "${r.name}"` : ""}`;
}

function peerChecks(inv: Inventory, engine: PolicyEngine, p: Policy, d: Direction, r: Rule): Finding[] {
  return (r.peers ?? []).flatMap((peer, i) => {
    if (!peerMatchesNothing(inv, engine, peer)) return [];
    const what = peer.kind === "networks" ? "no Network of the input" : "no pod of the input";
    return [finding("peer-matches-nothing", policyObject(p), `${ruleLabel(d, r)}: peer ${i} matches ${what}`, p.src, peerField(d, r, i))];
  });
}

/** Whether a selector peer selects nothing that exists (CIDRs, nodes and domains are not checked). */
export function peerMatchesNothing(inv: Inventory, engine: PolicyEngine, peer: Peer): boolean {
  if (peer.kind === "endpoints") return !inv.endpoints.some((e) => engine.matcher.selects(peer.selector, e));
  if (peer.kind === "networks") return !inv.networks.some((n) => matches(peer.selector, n.labels));
  return false;
}

function portChecks(inv: Inventory, engine: PolicyEngine, p: Policy, d: Direction, r: Rule, selected: Endpoint[]): Finding[] {
  const named = (r.ports ?? []).flatMap((m, i) => (m.kind === "named" ? [{ m, i }] : []));
  if (!named.length) return [];
  // Ingress: the policy's own pods are the destinations; egress: the peers' pods (any pod when a peer is an address range or absent).
  const onlyEndpoints = r.peers !== undefined && r.peers.every((x) => x.kind === "endpoints");
  const targets = d === "ingress" ? selected
    : onlyEndpoints ? inv.endpoints.filter((e) => r.peers!.some((x) => x.kind === "endpoints" && engine.matcher.selects(x.selector, e))) : inv.endpoints;
  if (!targets.length) return [];
  return named.filter(({ m }) => !targets.some((e) => e.ports.some((port) => port.name === m.name && (!m.protocol || port.protocol === m.protocol))))
    .map(({ m, i }) => finding("named-port-undeclared", policyObject(p), `${ruleLabel(d, r)}: no destination declares a port named "${m.name}"${m.protocol ? ` (${m.protocol})` : ""}`, p.src, [...r.path, "ports", i]));
}

/** Admin-tier policies of one kind at one priority whose subjects share a pod. */
function adminOverlaps(inv: Inventory, engine: PolicyEngine): Finding[] {
  const admin = inv.policies.filter((p) => p.tier === "admin");
  const out: Finding[] = [];
  admin.forEach((a, i) => admin.slice(i + 1).forEach((b) => {
    if (a.kind !== b.kind || a.priority !== b.priority) return;
    const shared = inv.endpoints.find((e) => engine.matcher.selects(a.subject, e) && engine.matcher.selects(b.subject, e));
    if (!shared) return;
    const who = `${shared.namespace ? `${shared.namespace}/` : ""}${shared.name}`;
    out.push(finding("admin-priority-overlap", policyObject(b), `${policyObject(b)} and ${policyName(a)} both have priority ${a.priority} and both select ${who}`, b.src, ["spec", "priority"]));
  }));
  return out;
}

/** Routes of the input (not those lowered from Ingresses) that no parent accepts, or accepted only in part. */
function routeChecks(gateways: GatewayEngine): Finding[] {
  return gateways.routes.filter((r) => !r.route.derivedFrom).flatMap((r) => {
    const object = `${r.route.kind} ${r.route.namespace}/${r.route.name}`;
    const parents = routeStatus(r).parents;
    const accepted = parents.filter((p) => p.conditions.some((c) => c.type === "Accepted" && c.status === "True"));
    if (!accepted.length) {
      const why = parents.flatMap((p) => p.conditions.filter((c) => c.type === "Accepted").map((c) => `${c.reason}: ${c.message}`));
      return [finding("route-not-accepted", object, `${object} is attached to no parent${why.length ? ` (${[...new Set(why)].join("; ")})` : ""}`, r.route.src, ["spec", "parentRefs"])];
    }
    const bad = parents.flatMap((p) => p.conditions.filter((c) => (c.type === "ResolvedRefs" && c.status === "False") || (c.type === "PartiallyInvalid" && c.status === "True")));
    const dropped = [...r.dropped.values()];
    if (!bad.length && !dropped.length) return [];
    const why = [...new Set([...bad.map((c) => `${c.reason}: ${c.message}`), ...dropped])];
    return [finding("route-partially-invalid", object, `${object} is partially invalid (${why.join("; ")})`, r.route.src, ["spec", "rules"])];
  });
}

/** Annotation prefixes of Ingress controllers, and a word their IngressClass spec.controller contains. */
const CONTROLLER_PREFIXES: readonly [string, string, string][] = [
  ["nginx.ingress.kubernetes.io/", "ingress-nginx", "ingress-nginx"],
  ["nginx.org/", "nginx.org", "NGINX Inc.'s controller"],
  ["traefik.ingress.kubernetes.io/", "traefik", "Traefik"],
  ["haproxy.org/", "haproxy", "HAProxy"],
  ["alb.ingress.kubernetes.io/", "ingress.k8s.aws", "the AWS Load Balancer Controller"],
  ["appgw.ingress.kubernetes.io/", "application-gateway", "Azure Application Gateway"],
  ["konghq.com/", "konghq.com", "Kong"],
  ["projectcontour.io/", "contour", "Contour"],
];

/** Ingress annotations of a controller other than the one serving the Ingress's class (when its IngressClass is in the input). */
function ingressAnnotations(inv: Inventory): Finding[] {
  const classes = inv.ingress.classes;
  return inv.ingress.ingresses.flatMap((ing) => {
    const cls = classes.find((c) => c.name === effectiveClass(ing, classes));
    if (!cls) return [];
    return Object.keys(ing.annotations).flatMap((key) => {
      const family = CONTROLLER_PREFIXES.find(([prefix]) => key.startsWith(prefix));
      if (!family || cls.controller.includes(family[1])) return [];
      return [finding("ingress-annotation-unread", `Ingress ${ing.namespace}/${ing.name}`,
        `annotation ${key} is read by ${family[2]}, but class ${cls.name} is served by ${cls.controller}`, ing.src, ["metadata", "annotations", key])];
    });
  });
}

function authorizationChecks(inv: Inventory): Finding[] {
  const root = inv.mesh.settings.istioRootNamespace;
  return inv.mesh.istio.authorizations.flatMap((a) => {
    const object = `AuthorizationPolicy ${a.namespace}/${a.name}`;
    const out: Finding[] = [];
    const selected = (e: Endpoint) => e.kind === "pod" && (a.namespace === root || e.namespace === a.namespace) && Object.entries(a.selector ?? {}).every(([k, v]) => e.labels[k] === v);
    if (a.selector && !a.targetRefs && !inv.endpoints.some(selected)) out.push(finding("authorization-selects-nothing", object, `${object}: selector matches no pod${a.namespace === root ? " of the mesh" : ` in namespace ${a.namespace}`}`, a.src, ["spec", "selector"]));
    if (a.action === "allow" && !a.rules.length && !a.dryRun) out.push(finding("authorization-allows-nothing", object, `${object} is an ALLOW policy without rules: every request to the workloads it selects is denied`, a.src, ["spec"]));
    return out;
  });
}
