// The status Envoy Gateway (v1.9.0) writes on its ClientTrafficPolicies (internal/gatewayapi/
// clienttrafficpolicy.go ProcessClientTrafficPolicies, per GatewayClass, the policies oldest first, then
// namespace/name): first the targetRefs with a sectionName (a Gateway's or a ListenerSet's listener),
// then the ListenerSets whole, then the Gateways whole (targetRefs and targetSelectors). An ancestor per
// target (the Gateway, or the ListenerSet, with the sectionName), with Accepted True ("Policy has been
// accepted.") or False: TargetNotFound (validateGatewayListenerSectionName, "No section name x found for
// Gateway ns/gw"; a ListenerSet: `ListenerSet ns/ls does not have a listener named "x"`), Conflicted
// ("Unable to target section of NAME, another ClientTrafficPolicy has already attached to it", "Unable
// to target Gateway NAME, ..."), Invalid: the errors of the listeners it is translated for, a line each
// (validatePortOverlapForClientTrafficPolicy's refusal, else translateClientTrafficPolicyForListener's);
// a whole-scope policy is Overridden for the sections claimed before it ("There are existing
// ClientTrafficPolicies that are overriding these sections [a b]"); Warning DeprecatedField. Not
// modelled: the HTTP/3 warning (UnsupportedHTTP3ClientValidation: Junction does not read http3), the
// truncation beyond 16 ancestors.

import { envoyGatewayController, type ClientTrafficPolicy } from "../../model/gateway.js";
import { compareAgeThenName, namespacedName } from "../../model/route.js";
import type { PolicyAncestorStatus } from "./backendtls.js";
import { http10Error, listenerTranslationErrors } from "./client-policy.js";
import type { Problem } from "./conditions.js";
import type { GatewayEngine } from "./engine.js";
import type { GatewayState } from "./gateways.js";
import type { ListenerState } from "./listeners.js";
import type { ListenerSetState } from "./listenersets.js";
import { selected } from "./traffic-policy.js";
import { ancestor, Ancestors, ancestorStatuses, conditionMessage, deprecationMessage, envoyGatewayClasses } from "./traffic-policy-status.js";

type Target = ClientTrafficPolicy["targets"][number];

/** The ClientTrafficPolicies' statuses Envoy Gateway writes (those that reach nothing: none). */
export function clientTrafficPolicyStatuses(engine: GatewayEngine): Map<ClientTrafficPolicy, PolicyAncestorStatus[]> {
  const graph = engine.inv.routing;
  if (!graph.clientTrafficPolicies.length) return new Map();
  const out = new Map<ClientTrafficPolicy, Ancestors>();
  const policies = [...graph.clientTrafficPolicies].sort(compareAgeThenName);
  for (const gateways of envoyGatewayClasses(engine)) translateClass(engine, gateways, policies, out);
  return ancestorStatuses(out, envoyGatewayController(graph));
}

function translateClass(engine: GatewayEngine, gateways: GatewayState[], policies: ClientTrafficPolicy[], out: Map<ClientTrafficPolicy, Ancestors>): void {
  const gwMap = new Map(gateways.map((g) => [namespacedName(g.gateway), g]));
  const sets = new Map(engine.listenerSets.filter((s) => s.set.parentRef.kind === "Gateway" && gwMap.has(namespacedName(s.set.parentRef))).map((s) => [namespacedName(s.set), s]));
  const sections = new Map<string, Set<string>>(), scopes = new Map<string, Set<string>>();
  const claimed = (m: Map<string, Set<string>>, gw: string) => { let c = m.get(gw); if (!c) m.set(gw, c = new Set()); return c; };
  const status = (p: ClientTrafficPolicy) => { let a = out.get(p); if (!a) out.set(p, a = new Ancestors(p.generation)); return a; };
  // The GatewayContext's listeners: its own, then those of the ListenerSets attached to it.
  const listenersOf = (g: GatewayState) => [...g.listeners, ...engine.listenerSets.filter((s) => s.gateway === g && !s.rejected).flatMap((s) => s.listeners)];

  /** resolveClientTrafficPolicyTargetRef: the Gateway (and ListenerSet) the target names, or nothing; a section it lacks is TargetNotFound. */
  const resolve = (ns: string, t: Target): { g: GatewayState; ls?: ListenerSetState; problem?: Problem } | undefined => {
    if (t.kind === "ListenerSet") {
      const ls = sets.get(`${ns}/${t.name}`), g = ls && gwMap.get(namespacedName(ls.set.parentRef));
      if (!ls || !g) return undefined;
      const problem = t.sectionName !== undefined && !ls.set.listeners.some((l) => l.name === t.sectionName) ? { reason: "TargetNotFound", message: `ListenerSet ${namespacedName(ls.set)} does not have a listener named ${JSON.stringify(t.sectionName)}` } : undefined;
      return { g, ls, problem };
    }
    const g = gwMap.get(`${ns}/${t.name}`);
    if (!g) return undefined;
    const problem = t.sectionName !== undefined && !listenersOf(g).some((l) => l.listener.name === t.sectionName) ? { reason: "TargetNotFound", message: `No section name ${t.sectionName} found for Gateway ${namespacedName(g.gateway)}` } : undefined;
    return { g, problem };
  };

  /** What fails for the policy on one listener: the same-port refusal, else the translation's errors (a listener that is not ready has no IR: none). */
  const errorsFor = (p: ClientTrafficPolicy, l: ListenerState, g: GatewayState, scope: "section" | "Gateway" | "ListenerSet"): { refused: boolean; errors: string[] } => {
    if (l.accepted) return { refused: false, errors: [] };
    const overlap = engine.clientPolicies.portOverlap(l.gateway, l.listener, l.set, scope, g.envoy?.listeners.filter((o) => !o.accepted));
    if (overlap) return { refused: true, errors: [overlap] };
    const http = l.listener.protocol === "HTTP" || l.listener.protocol === "HTTPS";
    const tls = l.listener.protocol === "HTTPS" || (l.listener.protocol === "TLS" && l.listener.tls?.mode === "Terminate");
    const http1 = http && p.http10DefaultHost ? http10Error(l, engine.attached(l), g.merged) : undefined;
    return { refused: false, errors: listenerTranslationErrors(p, { http, tls, http1 }, engine.inv.routing) };
  };
  const finish = (p: ClientTrafficPolicy, st: Ancestors, ref: ReturnType<typeof ancestor>, errors: string[]) => {
    if (errors.length) st.set(ref, "Accepted", false, "Invalid", conditionMessage(errors));
    st.accept(ref);
    if (p.deprecatedFields?.length) st.set(ref, "Warning", true, "DeprecatedField", deprecationMessage(p.deprecatedFields));
  };

  // 1. Sections.
  for (const p of policies) {
    for (const t of p.targets) {
      if (t.sectionName === undefined) continue;
      const r = resolve(p.namespace, t);
      if (!r) continue;
      const st = status(p);
      const ref = r.ls ? ancestor("ListenerSet", namespacedName(r.ls.set), t.sectionName) : ancestor("Gateway", namespacedName(r.g.gateway), t.sectionName);
      if (r.problem) { st.set(ref, "Accepted", false, r.problem.reason, r.problem.message); continue; }
      const taken = claimed(sections, namespacedName(r.g.gateway)), key = r.ls ? `${namespacedName(r.ls.set)}/${t.sectionName}` : t.sectionName;
      if (taken.has(key)) { st.set(ref, "Accepted", false, "Conflicted", `Unable to target section of ${t.name}, another ClientTrafficPolicy has already attached to it`); continue; }
      taken.add(key);
      const l = listenersOf(r.g).find((x) => (!r.ls || x.set === r.ls.set) && x.listener.name === t.sectionName);
      finish(p, st, ref, l ? errorsFor(p, l, r.g, "section").errors : []);
    }
  }
  // 2. ListenerSets whole, then Gateways whole.
  for (const kind of ["ListenerSet", "Gateway"] as const) {
    for (const p of policies) {
      const seen = new Set<string>();
      const targets = [...selected(engine.inv.routing, p, (ns) => engine.index.namespaceLabels(ns), "ClientTrafficPolicy"), ...p.targets.map((t) => ({ ns: p.namespace, t }))];
      for (const { ns, t } of targets) {
        if (t.sectionName !== undefined || t.kind !== kind || seen.has(`${ns}/${t.name}`)) continue;
        seen.add(`${ns}/${t.name}`);
        const r = resolve(ns, t);
        if (!r) continue;
        const st = status(p), gw = namespacedName(r.g.gateway);
        const ref = r.ls ? ancestor("ListenerSet", namespacedName(r.ls.set)) : ancestor("Gateway", gw);
        const scopeKey = r.ls ? `listenerset/${namespacedName(r.ls.set)}` : "/entireGatewayScope";
        if (claimed(scopes, gw).has(scopeKey)) { st.set(ref, "Accepted", false, "Conflicted", `Unable to target ${kind} ${t.name}, another ClientTrafficPolicy has already attached to it`); continue; }
        const taken = claimed(sections, gw);
        const prefix = r.ls ? `${namespacedName(r.ls.set)}/` : "";
        const overriding = [...taken].flatMap((k) => (r.ls ? (k.startsWith(prefix) ? [k.slice(prefix.length)] : []) : [k.slice(k.lastIndexOf("/") + 1)])).sort();
        if (overriding.length) st.set(ref, "Overridden", true, "Overridden", `There are existing ClientTrafficPolicies that are overriding these sections [${overriding.join(" ")}]`);
        claimed(scopes, gw).add(scopeKey);
        const errors: string[] = [];
        for (const l of listenersOf(r.g)) {
          if (r.ls && l.set !== r.ls.set) continue;
          const key = l.set ? `${namespacedName(l.set)}/${l.listener.name}` : l.listener.name;
          if (taken.has(key)) continue;
          const e = errorsFor(p, l, r.g, kind);
          errors.push(...e.errors);
          if (r.ls && !e.refused) taken.add(key);
        }
        finish(p, st, ref, errors);
      }
    }
  }
}
