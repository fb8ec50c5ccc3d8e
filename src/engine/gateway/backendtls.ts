// BackendTLSPolicy: TLS from the Gateway to a Service. Policies that select the same target and
// sectionName conflict: "the older policy by creation timestamp takes precedence", then
// namespace/name; the others are Accepted False/Conflicted. A port-specific policy (sectionName)
// applies before a Service-wide one. CA references resolve to ConfigMaps (ca.crt); when all are
// invalid the policy is Accepted False/NoValidCACertificate. Status: one ancestor entry per Gateway
// whose routes reach a targeted Service.

import type { ServicePort } from "../../model/endpoint.js";
import type { BackendTlsPolicy, RouteGraph } from "../../model/gateway.js";
import type { Inventory } from "../../model/inventory.js";
import { compareAgeThenName, CORE_GROUP, GATEWAY_GROUP } from "../../model/route.js";
import { conditionFrom, type Condition, type Problem } from "./conditions.js";
import type { GatewayEngine } from "./engine.js";
import { findTlsMaterial } from "./tlsrefs.js";

export interface PolicyAncestorStatus { ancestorRef: Record<string, unknown>; controllerName: string; conditions: Condition[] }

export interface BackendTlsState {
  policy: BackendTlsPolicy;
  /** Accepted=False when set: TargetNotFound, Conflicted, NoValidCACertificate. */
  rejected?: Problem;
  /** ResolvedRefs=False: one problem per invalid CA reference. */
  caProblems: Problem[];
  /** The PEM CA certificates of the references that resolved. */
  cas: string[];
}

type Target = BackendTlsPolicy["targets"][number];
const isService = (t: Target) => t.group === CORE_GROUP && t.kind === "Service";

function caRefs(graph: RouteGraph, p: BackendTlsPolicy): { problems: Problem[]; cas: string[] } {
  const problems: Problem[] = [];
  const cas: string[] = [];
  for (const ref of p.caCertificateRefs) {
    const what = `${ref.group ? `${ref.group}/` : ""}${ref.kind} ${ref.namespace}/${ref.name}`;
    if (ref.group !== CORE_GROUP || ref.kind !== "ConfigMap") { problems.push({ reason: "InvalidKind", message: `${what}: only ConfigMaps are supported` }); continue; }
    const m = findTlsMaterial(graph, "ConfigMap", ref.namespace, ref.name);
    if (!m || m.problem) problems.push({ reason: "InvalidCACertificateRef", message: `${what} ${m ? m.problem : "not found"}` });
    else cas.push(...m.certificates);
  }
  return { problems, cas };
}

/** Every policy's state, conflicts resolved. */
export class BackendTlsIndex {
  readonly states: BackendTlsState[];

  constructor(private readonly inv: Inventory) {
    const graph = inv.routing;
    const winners = new Map<string, BackendTlsPolicy>();
    for (const p of [...graph.backendTlsPolicies].sort(compareAgeThenName)) {
      for (const t of p.targets.filter(isService)) {
        const key = `${p.namespace}/${t.name}/${t.sectionName ?? ""}`;
        if (!winners.has(key)) winners.set(key, p);
      }
    }
    this.states = graph.backendTlsPolicies.map((policy) => {
      const { problems, cas } = caRefs(graph, policy);
      const winner = policy.targets.filter(isService).map((t) => winners.get(`${policy.namespace}/${t.name}/${t.sectionName ?? ""}`)).find((w) => w !== policy);
      const found = policy.targets.some((t) => isService(t) && inv.services.some((s) => s.namespace === policy.namespace && s.name === t.name));
      const rejected: Problem | undefined = !found ? { reason: "TargetNotFound", message: "no targeted Service is in the input" }
        : winner ? { reason: "Conflicted", message: `BackendTLSPolicy ${winner.namespace}/${winner.name} takes precedence for the same target` }
        : problems.length && problems.length === policy.caCertificateRefs.length ? { reason: "NoValidCACertificate", message: problems.map((x) => x.message).join("; ") }
        : undefined;
      return { policy, rejected, caProblems: problems, cas };
    });
  }

  /** The policy for a Service port: one naming the port (sectionName) first, else a Service-wide one; conflicted policies never apply. */
  forPort(namespace: string, service: string, port: ServicePort): BackendTlsState | undefined {
    const applies = (s: BackendTlsState, section: (t: Target) => boolean) => s.policy.namespace === namespace && s.rejected?.reason !== "Conflicted"
      && s.policy.targets.some((t) => isService(t) && t.name === service && section(t));
    return this.states.find((s) => applies(s, (t) => t.sectionName !== undefined && t.sectionName === port.name))
      ?? this.states.find((s) => applies(s, (t) => t.sectionName === undefined));
  }

  state(p: BackendTlsPolicy): BackendTlsState {
    return this.states.find((s) => s.policy === p)!;
  }
}

/** Whether a policy targets the Service (and, with a sectionName, the port of that name). */
function targetsPort(p: BackendTlsPolicy, namespace: string, service: string, port?: ServicePort): boolean {
  return p.namespace === namespace && p.targets.some((t) => isService(t) && t.name === service && (t.sectionName === undefined || t.sectionName === port?.name));
}

export function backendTlsStatus(engine: GatewayEngine, p: BackendTlsPolicy): { ancestors: PolicyAncestorStatus[] } {
  const s = engine.backendTls.state(p);
  const seen = new Map<string, string>();
  for (const r of engine.routes) {
    const reaches = [...r.backends.values()].some((b) => b.service && targetsPort(p, b.service.namespace, b.service.name, b.servicePort));
    if (!reaches) continue;
    for (const parent of r.parents) {
      const g = parent.gateway?.gateway;
      if (g && !parent.rejected) seen.set(`${g.namespace}/${g.name}`, parent.gateway!.controllerName);
    }
  }
  const gen = p.generation;
  const resolved = s.caProblems[0] && { reason: s.caProblems[0].reason, message: s.caProblems.map((c) => c.message).join("; ") };
  const ancestors = [...seen].map(([key, controllerName]) => {
    const [namespace, name] = key.split("/");
    return {
      ancestorRef: { group: GATEWAY_GROUP, kind: "Gateway", namespace, name }, controllerName,
      conditions: [conditionFrom("Accepted", s.rejected, "Accepted", "accepted", gen), conditionFrom("ResolvedRefs", resolved, "ResolvedRefs", "all references resolved", gen)],
    };
  });
  return { ancestors };
}

