// The Istio back end: policies as AuthorizationPolicies (security.istio.io/v1), plus a STRICT
// PeerAuthentication where rules name identities (Istio sees a client's namespace and service
// account over mutual TLS only).
//
// Istio decides a request at the server: any DENY rule that matches denies; else, when ALLOW
// policies select the workload, one of their rules must match; else it is allowed. That is the
// engine's walk (first matching rule, a Namespace-tier subject isolated) exactly when Deny rules
// come before every Allow rule that may see the same request, and Allow rules are in the Namespace
// tier. Everything else is an error naming the rule: Allow in the Admin tier, Pass, the Baseline
// tier, egress, a Namespace-tier Deny after an Allow for the same workloads, HTTP rules on a port
// Istio reads as TCP (it drops such ALLOW rules and broadens such DENY rules).

import type { Inventory } from "../../model/inventory.js";
import { requestRulesOf, type Policy, type Rule } from "../../model/policy.js";
import type { NamedPort } from "../../model/ports.js";
import { Unsupported, problemFrom } from "../problems.js";
import { byPriority, Names, type Compiled } from "../k8s/index.js";
import { metadata } from "../k8s/policies.js";
import { IstioContext } from "./context.js";
import { istioOperation, istioPorts } from "./operations.js";
import { istioSources } from "./sources.js";

const API = "security.istio.io/v1";
const OTHER_TIERS = ["the common API (TrafficPolicy)", "AdminNetworkPolicy", "Calico"];

interface Placement { namespace: string; selector?: Record<string, string> }
interface Lowered { rules: object[]; identity: boolean }
interface Seen { policy: Policy; rule: Rule }

export function compileIstio(inv: Inventory): Compiled {
  const ctx = new IstioContext(inv);
  const out: Compiled = { objects: [], problems: [] };
  const names = new Names();
  const allows: Seen[] = [];
  for (const p of [...inv.policies].sort(byPriority)) {
    try { compilePolicy(p, ctx, names, allows, out); } catch (e) { out.problems.push(problemFrom(e, p)); }
  }
  return out;
}

function compilePolicy(p: Policy, ctx: IstioContext, names: Names, allows: Seen[], out: Compiled): void {
  if (p.tier === "baseline") throw new Unsupported("Baseline tier", "Istio has no tier after the namespaces' policies: its ALLOW policies put workloads in default deny", OTHER_TIERS);
  if (p.egress !== undefined) throw new Unsupported("egress", "Istio authorizes requests at the server only; this policy has egress rules", ["NetworkPolicy", "Cilium", "the common API (TrafficPolicy)"]);
  const rules = requestRulesOf(p, "ingress");
  if (rules === undefined) return;
  const places = placements(p, ctx);
  const ports = ctx.selected(p.subject).flatMap((e) => e.ports);
  const allow: Lowered = { rules: [], identity: false }, deny: Lowered = { rules: [], identity: false };
  let failed = false;
  for (const r of rules) {
    try {
      checkOrder(p, r, ctx, allows);
      const l = lowerRule(p, r, ctx, ports);
      const into = r.action === "allow" ? allow : deny;
      into.rules.push(...l.rules);
      into.identity ||= l.identity;
    } catch (e) { out.problems.push(problemFrom(e, p, r)); failed = true; }
    if (r.action === "allow") allows.push({ policy: p, rule: r });
  }
  if (failed) return;
  for (const place of places) {
    const meta = (suffix: string) => metadata(names.take(place.namespace, `${p.name}${suffix}`), place.namespace, [p]);
    const spec = (action: string, l: Lowered) => ({ ...(place.selector ? { selector: { matchLabels: place.selector } } : {}), action, ...(l.rules.length ? { rules: l.rules } : {}) });
    // A Namespace-tier subject is isolated: an ALLOW policy, even without rules (allow nothing).
    if (p.tier === "namespace") out.objects.push({ apiVersion: API, kind: "AuthorizationPolicy", metadata: meta(""), spec: spec("ALLOW", allow) });
    if (deny.rules.length) out.objects.push({ apiVersion: API, kind: "AuthorizationPolicy", metadata: meta("-deny"), spec: spec("DENY", deny) });
    if (allow.identity || deny.identity) {
      out.objects.push({ apiVersion: API, kind: "PeerAuthentication", metadata: meta("-mtls"), spec: { ...(place.selector ? { selector: { matchLabels: place.selector } } : {}), mtls: { mode: "STRICT" } } });
    }
  }
}

/** Where the policy goes: its subject's namespaces (the root namespace for every namespace) and a matchLabels selector. */
function placements(p: Policy, ctx: IstioContext): Placement[] {
  const s = p.subject;
  if (s.serviceAccounts || s.exceptServiceAccounts) throw new Unsupported("subject by service account", "Istio selects workloads by label only", OTHER_TIERS);
  const vms = s.kinds.includes("workload") ? ctx.k8s.workloads(s) : [];
  if (vms.length || !s.kinds.includes("pod")) throw new Unsupported("Workload subject", `the subject selects Workloads (${vms.map((e) => e.name).join(", ") || "only Workloads"}); Istio policies apply to the mesh's pods (restrict the subject with kinds: [Pod])`, ["nftables (hosts, VMs)", "the common API (TrafficPolicy)"]);
  const labels: Record<string, string> = {};
  for (const r of s.labels.requirements) {
    if (r.operator !== "In" || r.values.length !== 1 || r.key in labels) throw new Unsupported("selector expression", `Istio's selector is matchLabels only; ${r.key} ${r.operator} cannot be written so`, OTHER_TIERS);
    labels[r.key] = r.values[0];
  }
  const selector = Object.keys(labels).length ? labels : undefined;
  return (ctx.namespaceNames(s.namespaces) ?? [ctx.rootNamespace]).map((namespace) => ({ namespace, ...(selector ? { selector } : {}) }));
}

/** Istio evaluates every DENY before any ALLOW: a Deny must not follow an Allow that may see the same workload. */
function checkOrder(p: Policy, r: Rule, ctx: IstioContext, allows: readonly Seen[]): void {
  if (r.action === "pass") throw new Unsupported("pass", "Istio has no tiers to pass to", OTHER_TIERS);
  if (r.action === "allow" && p.tier === "admin") throw new Unsupported("allow in the Admin tier", "an Istio ALLOW does not decide before the namespaces' policies; it puts its workloads in default deny", OTHER_TIERS);
  if (r.action !== "deny" || p.tier !== "namespace") return;
  const before = allows.find((a) => a.policy === p || ctx.overlap(a.policy.subject, p.subject));
  if (before) throw new Unsupported("deny after allow", `Istio evaluates DENY before ALLOW, and this Deny follows ${before.policy.kind} ${before.policy.name} rule ${before.rule.index} (an Allow for the same workloads)`, OTHER_TIERS);
}

/** One Istio rule per HTTP clause (its headers are `when` conditions, which belong to a rule). */
function lowerRule(p: Policy, r: Rule, ctx: IstioContext, destPorts: readonly NamedPort[]): Lowered {
  if (r.http) checkHttpPorts(p, r, ctx);
  const parts = r.peers?.map((peer) => istioSources(peer, ctx));
  const identity = parts?.some((x) => x.identity) ?? false;
  const from = parts?.flatMap((x) => x.sources.map((source) => ({ source })));
  const ports = istioPorts(r.ports, destPorts);
  if ((from && !from.length) || (ports && !ports.length)) return { rules: [], identity };
  const rules = (r.http ?? [[]]).map((clause) => {
    const { operation, when } = istioOperation(clause);
    if (ports) operation.ports = ports;
    return { ...(from ? { from } : {}), ...(Object.keys(operation).length ? { to: [{ operation }] } : {}), ...(when.length ? { when } : {}) };
  });
  return { rules, identity };
}

function checkHttpPorts(p: Policy, r: Rule, ctx: IstioContext): void {
  const tcp = ctx.tcpPorts(p.subject).filter((t) => !r.ports || r.ports.some((m) => m.kind !== "range" || (m.first <= t.target && t.target <= m.last)));
  if (tcp.length) throw new Unsupported("HTTP rule on a TCP port", `Service port ${tcp[0].name} is TCP for Istio (its name or appProtocol), where Istio ${r.action === "allow" ? "drops ALLOW rules with HTTP fields" : "keeps only the non-HTTP part of DENY rules"}`, ["the common API (TrafficPolicy)", "Cilium (L7 http rules)"]);
}
