// BackendTLSPolicy status: one ancestor entry per Gateway whose routes reach a targeted
// Service, with Accepted (target found, not conflicting, a usable CA) and ResolvedRefs (every
// CA reference resolves).

import type { BackendTlsPolicy } from "../../model/gateway.js";
import { CORE_GROUP, GATEWAY_GROUP } from "../../model/route.js";
import { condition, conditionFrom, type Condition, type Problem } from "./conditions.js";
import type { GatewayEngine } from "./engine.js";
import { findTlsMaterial } from "./tlsrefs.js";

export interface PolicyAncestorStatus { ancestorRef: Record<string, unknown>; controllerName: string; conditions: Condition[] }

function caProblems(engine: GatewayEngine, p: BackendTlsPolicy): Problem[] {
  return p.caCertificateRefs.flatMap((ref) => {
    const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
    if (ref.group !== CORE_GROUP || ref.kind !== "ConfigMap") return [{ reason: "InvalidKind", message: `${what}: only ConfigMaps are supported` }];
    const m = findTlsMaterial(engine.inv.routing, "ConfigMap", ref.namespace, ref.name);
    return !m ? [{ reason: "InvalidCACertificateRef", message: `${what} not found` }] : m.problem ? [{ reason: "InvalidCACertificateRef", message: `${what} ${m.problem}` }] : [];
  });
}

const targets = (p: BackendTlsPolicy, service: string) => p.targets.some((t) => t.group === CORE_GROUP && t.kind === "Service" && t.name === service);

function acceptance(engine: GatewayEngine, p: BackendTlsPolicy, cas: Problem[]): Problem | undefined {
  const services = p.targets.filter((t) => t.group === CORE_GROUP && t.kind === "Service" && engine.inv.services.some((s) => s.namespace === p.namespace && s.name === t.name));
  if (!services.length) return { reason: "TargetNotFound", message: "no targeted Service is in the input" };
  const older = engine.inv.routing.backendTlsPolicies.find((o) => o.order < p.order && o.namespace === p.namespace && services.some((t) => targets(o, t.name)));
  if (older) return { reason: "Conflicted", message: `BackendTLSPolicy ${older.name} already targets the same Service` };
  if (cas.length && cas.length === p.caCertificateRefs.length) return { reason: "NoValidCACertificate", message: cas.map((c) => c.message).join("; ") };
  return undefined;
}

export function backendTlsStatus(engine: GatewayEngine, p: BackendTlsPolicy): { ancestors: PolicyAncestorStatus[] } {
  const cas = caProblems(engine, p);
  const accepted = acceptance(engine, p, cas);
  const seen = new Map<string, string>();
  for (const r of engine.routes) {
    const reaches = [...r.backends.values()].some((b) => b.service && b.service.namespace === p.namespace && targets(p, b.service.name));
    if (!reaches) continue;
    for (const parent of r.parents) if (parent.gateway && !parent.rejected) seen.set(`${parent.ref.namespace}/${parent.ref.name}`, parent.gateway.controllerName);
  }
  const ancestors = [...seen].map(([key, controllerName]) => {
    const [namespace, name] = key.split("/");
    return {
      ancestorRef: { group: GATEWAY_GROUP, kind: "Gateway", namespace, name }, controllerName,
      conditions: [
        accepted ? condition("Accepted", false, accepted.reason, accepted.message, p.generation) : condition("Accepted", true, "Accepted", "accepted", p.generation),
        conditionFrom("ResolvedRefs", cas[0] && { reason: cas[0].reason, message: cas.map((c) => c.message).join("; ") }, "ResolvedRefs", "all references resolved", p.generation),
      ],
    };
  });
  return { ancestors };
}
