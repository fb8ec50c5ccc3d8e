// Linkerd authorization and the common API: not converted yet. Every object that authorizes
// (Servers, AuthorizationPolicies and ServerAuthorizations, the routes they attach to) and every
// default inbound policy other than all-unauthenticated is reported by name, never dropped silently;
// they stay in force beside the converted policies.

import type { Inventory } from "../model/inventory.js";
import { linkerdDefaultPolicy } from "../model/mesh.js";
import type { MeshProblem } from "./common-istio.js";

const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
const WHY = "Linkerd authorization is not converted to the common API yet; it stays in force as it is";

export function linkerdUnconverted(inv: Inventory): MeshProblem[] {
  const l = inv.mesh.linkerd;
  const out: MeshProblem[] = [];
  const add = (kind: string, o: { namespace?: string; name: string; src?: MeshProblem["src"] }, message = WHY) =>
    out.push({ kind, namespace: o.namespace ?? "", name: o.name, ...(o.src ? { src: o.src } : {}), message });
  for (const s of l.servers) add("Server", s);
  for (const a of l.authorizations) add(a.kind === "AuthorizationPolicy" ? "AuthorizationPolicy (policy.linkerd.io)" : a.kind, a);
  for (const r of l.routes) if (r.servers.length) add(r.kind, r);
  for (const ns of inv.namespaces.values()) {
    const p = linkerdDefaultPolicy(ns.annotations?.[DEFAULT_POLICY]);
    if (p && p !== "all-unauthenticated") add("Namespace", { name: ns.name, ...(ns.src ? { src: ns.src } : {}) }, `the default inbound policy ${p} (${DEFAULT_POLICY}): ${WHY}`);
  }
  const seen = new Set<string>();
  for (const e of inv.endpoints) {
    const p = linkerdDefaultPolicy(e.annotations?.[DEFAULT_POLICY]);
    // Once per object: the replicas of a Deployment share its annotation.
    const key = JSON.stringify(e.src ?? e.name);
    if (seen.has(key)) continue;
    seen.add(key);
    if (p && p !== "all-unauthenticated") add("Pod", { namespace: e.namespace, name: e.name, ...(e.src ? { src: e.src } : {}) }, `the default inbound policy ${p} (${DEFAULT_POLICY}): ${WHY}`);
  }
  if (l.servers.length + l.authorizations.length && inv.mesh.settings.linkerdDefaultPolicy !== "all-unauthenticated") {
    out.push({ kind: "Linkerd", namespace: "", name: "cluster default", message: `the cluster's default inbound policy ${inv.mesh.settings.linkerdDefaultPolicy}: ${WHY}` });
  }
  return out;
}
