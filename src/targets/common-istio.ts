// Istio authorization (AuthorizationPolicy, read with the PeerAuthentications) as common-API
// policies in the Admin tier, so that what the mesh allows is still ANDed with what the network
// policies allow, as it is in a cluster (Istio decides at the server after the L3/L4 verdict):
//   for each DENY policy:  Deny rules (one per rule and operation)                  priority 100
//   for each ALLOW policy: Pass rules (to the Namespace tier, where NetworkPolicies
//                          decide as before)                                          priority 200
//                          and, for the same workloads, a Deny of every request       priority 300
//                          (`http: [{}]`: a request no ALLOW rule matches is denied,
//                          as Istio denies it when an ALLOW policy applies)
// A first match in one tier is then Istio's order: DENY, then ALLOW, then allowed. Another
// Admin-tier policy selecting the same pods would interleave with it, so it is an error naming both.
// What the common API cannot say is an error naming the policy and rule: CUSTOM, targetRefs
// (waypoints), not-forms, requestPrincipals, remoteIpBlocks, trust domains, a source combining
// fields, `when` keys other than request headers, principals other than TD/ns/NS/sa/SA forms, and
// HTTP fields where Istio reads the port as TCP (it drops such ALLOW rules and broadens such DENY
// rules). Identities hold over mutual TLS only: a rule naming them on a port PeerAuthentication
// leaves PERMISSIVE or DISABLE gets a warning (a plaintext client of that service account would
// match the converted rule, not Istio's).

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { isHttpOnly, istioWildcardText, type Clause, type Condition, type L7Rule, type StringMatch } from "../model/l7.js";
import type { IstioAuthorization } from "../model/mesh.js";
import type { EndpointSelector, Peer, Policy, Rule } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import { EVERYTHING, selector } from "../model/selector.js";
import { adminClash, cidrPeers, denyRest, identityPeer, PRIORITY, Refused, withRequests, type MeshConversion, type MeshProblem } from "./common-mesh.js";
import { istioPortProtocol, trustDomainBundle } from "../engine/l7/istio.js";
import { istioServerMode } from "../engine/l7/transport.js";

const IDENTITY = new Set(["source.principal", "source.namespace", "source.serviceAccount"]);

export type { MeshConversion, MeshProblem };

export function istioToCommon(inv: Inventory, selects: (s: EndpointSelector, e: Endpoint) => boolean): MeshConversion {
  const out: MeshConversion = { policies: [], names: new Map(), read: inv.mesh.istio.authorizations.length, problems: [], warnings: [], notes: [] };
  const add = (p: Policy, name: string) => { out.policies.push(p); out.names.set(p, name); };
  const pods = inv.endpoints.filter((e) => e.kind === "pod");
  for (const ap of inv.mesh.istio.authorizations) {
    const problem = (message: string, rule?: L7Rule): MeshProblem => ({ kind: ap.kind, namespace: ap.namespace, name: ap.name, src: ap.src, ...(rule ? { rule: rule.index, path: rule.path } : {}), message });
    if (ap.dryRun) { out.notes.push(`AuthorizationPolicy ${ap.namespace}/${ap.name} is a dry run (istio.io/dry-run): never enforced, not converted`); continue; }
    if (ap.action === "audit") { out.notes.push(`AUDIT AuthorizationPolicy ${ap.namespace}/${ap.name} only logs: not converted`); continue; }
    if (ap.action === "custom") { out.problems.push(problem(`CUSTOM asks the external authorizer ${ap.provider ?? ""}, which the common API cannot name`)); continue; }
    if (ap.targetRefs) { out.problems.push(problem("targetRefs attach it to waypoints or gateways; the common API decides at the workload")); continue; }
    const subject = subjectOf(ap, inv);
    const selected = pods.filter((e) => selects(subject, e));
    const clash = adminClash(inv, selected, selects);
    if (clash) { out.problems.push(problem(clash)); continue; }
    const tcp = tcpPortOf(inv, selected);
    const rules: Rule[] = [];
    let failed = false;
    for (const r of ap.rules) {
      try {
        if (tcp && ruleUsesHttp(r)) throw new Refused(`Istio reads Service port ${tcp} as TCP, where it ${ap.action === "allow" ? "drops ALLOW rules with HTTP fields" : "keeps only the non-HTTP part of DENY rules"}`);
        rules.push(...lowerRule(r, ap.action === "deny" ? "deny" : "pass", rules.length, trustDomainBundle(inv.mesh.settings)));
        const plaintext = identityRule(r) ? plaintextPort(inv, selected, r) : undefined;
        if (plaintext) out.warnings.push(problem(`names identities, which hold over mutual TLS only, and PeerAuthentication leaves ${plaintext} ${ap.action === "allow" ? "accepting plaintext: a plaintext client running as such an identity is allowed by the conversion, denied by Istio" : "accepting plaintext: a plaintext client running as such an identity is denied by the conversion, not by Istio"}`, r));
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        out.problems.push(problem(e.message, r)); failed = true;
      }
    }
    if (failed) continue;
    // Named as the source (the written object's generated-from annotation), written as istio-NAMESPACE-NAME.
    const base = { kind: ap.kind, name: ap.name, namespace: ap.namespace, tier: "admin" as const, subject, ...(ap.src ? { src: ap.src } : {}) };
    const name = `istio-${ap.namespace}-${ap.name}`;
    if (ap.action === "deny") { add(withRequests({ ...base, priority: PRIORITY.deny }, rules), name); continue; }
    add(withRequests({ ...base, priority: PRIORITY.allow }, rules), name);
    add(denyRest(base, "not-allowed-by-istio"), `${name}-deny-rest`);
  }
  return out;
}

/** The workloads the policy applies to: its namespace's (every namespace's, in the root namespace) pods with its selector's labels. */
function subjectOf(ap: IstioAuthorization, inv: Inventory): EndpointSelector {
  const root = inv.mesh.settings.istioRootNamespace;
  return { namespaces: ap.namespace === root ? { kind: "any" } : { kind: "name", name: ap.namespace }, labels: ap.selector ? selector(ap.selector) : EVERYTHING, kinds: ["pod"] };
}

function ruleUsesHttp(r: L7Rule): boolean {
  return [...(r.to ?? []).flat(), ...(r.when ?? [])].some(isHttpOnly);
}

function identityRule(r: L7Rule): boolean {
  return (r.from ?? []).flat().some((c) => IDENTITY.has(c.attribute));
}

/** A Service port in front of the pods that Istio reads as TCP (its name or appProtocol). */
function tcpPortOf(inv: Inventory, pods: readonly Endpoint[]): string | undefined {
  for (const s of inv.services) {
    if (!s.selector || !Object.keys(s.selector).length || !pods.some((e) => e.namespace === s.namespace && Object.entries(s.selector!).every(([k, v]) => e.labels[k] === v))) continue;
    const p = s.ports.find((x) => istioPortProtocol(x) === "tcp");
    if (p) return `${s.namespace}/${s.name}:${p.name ?? p.port}`;
  }
  return undefined;
}

/** "pod NS/NAME port P (PERMISSIVE)": a port of a selected pod the rule covers where plaintext is accepted. */
function plaintextPort(inv: Inventory, pods: readonly Endpoint[], r: L7Rule): string | undefined {
  const wanted = (r.to ?? []).flatMap((c) => c.flatMap((x) => (x.attribute === "destination.port" && !x.not ? x.ports : [])));
  for (const e of pods) {
    for (const port of wanted.length ? wanted : e.ports.map((p) => p.port)) {
      const { mode } = istioServerMode(inv.mesh, e, port);
      if (mode !== "STRICT") return `pod ${e.namespace}/${e.name} port ${port} ${mode}`;
    }
  }
  return undefined;
}

/** One common-API rule per operation of the Istio rule (its ports and HTTP fields), with the rule's sources as peers. */
function lowerRule(r: L7Rule, action: "deny" | "pass", first: number, bundle: readonly string[]): Rule[] {
  const peers = r.from?.flatMap((source) => peersOf(source, bundle));
  const headers = (r.when ?? []).map(whenCondition);
  const ops = r.to ?? [[]];
  return ops.map((op, i) => {
    const ports = op.filter((c) => c.attribute === "destination.port");
    const http = op.filter((c) => c.attribute !== "destination.port");
    for (const c of op) if (c.not) throw new Refused(`${notForm(c)} (a not-form) has no common-API equivalent`);
    for (const c of http) if (!["request.method", "request.path", "request.host"].includes(c.attribute)) throw new Refused(`operation field ${c.attribute} has no common-API equivalent`);
    const clause: Clause = [...http, ...headers];
    const portMatches: PortMatch[] | undefined = ports.length > 1 ? refuse("several port lists") : ports[0] && "ports" in ports[0] ? ports[0].ports.map((n) => ({ kind: "range", protocol: "TCP", first: n, last: n })) : undefined;
    return {
      index: first + i, action, path: r.path,
      ...(peers ? { peers } : {}), ...(portMatches ? { ports: portMatches } : {}),
      ...(clause.length ? { http: [clause], httpMode: "match" as const } : {}),
    };
  });
}

function refuse(what: string): never {
  throw new Refused(`${what} cannot be written in the common API`);
}

const NOT_FIELD: Record<string, string> = {
  "source.principal": "notPrincipals", "source.namespace": "notNamespaces", "source.serviceAccount": "notServiceAccounts", "source.ip": "notIpBlocks",
  "remote.ip": "notRemoteIpBlocks", "request.auth": "notRequestPrincipals", "request.method": "notMethods", "request.path": "notPaths", "request.host": "notHosts", "destination.port": "notPorts",
};

function notForm(c: Condition): string {
  return NOT_FIELD[c.attribute] ?? `not ${c.attribute}`;
}

/** `when` conditions: request headers with a value or "*" become part of each HTTP match; the common API has no other key. */
function whenCondition(c: Condition): Condition {
  if (c.attribute !== "request.header") throw new Refused(`the when key ${c.attribute === "request.auth" ? "request.auth.*" : c.attribute} has no common-API equivalent (only request.headers[NAME] does)`);
  if (c.not) throw new Refused(`when notValues on request.headers[${c.name}] has no common-API equivalent`);
  if (c.values.some((v) => v.kind !== "exact" && v.kind !== "present")) throw new Refused(`when request.headers[${c.name}] with a prefix or suffix value has no common-API equivalent (exact values or "*")`);
  return c;
}

/** One `from` source (its fields ANDed) as common-API peers (its values ORed). */
function peersOf(source: Clause, bundle: readonly string[]): Peer[] {
  if (source.length !== 1) throw new Refused(source.length ? `a source combining ${source.map((c) => c.attribute).join(" and ")} has no common-API equivalent (one field per source)` : "an empty source");
  const c = source[0];
  if (c.not) throw new Refused(`${notForm(c)} (a not-form) has no common-API equivalent`);
  if (c.attribute === "source.ip" && "cidrs" in c) return cidrPeers(c);
  if (c.attribute === "remote.ip") throw new Refused("remoteIpBlocks (the original client behind proxies) have no common-API equivalent");
  if (!("values" in c)) throw new Refused(`${c.attribute} has no common-API equivalent`);
  switch (c.attribute) {
    case "source.principal": return c.values.map((v) => principalPeer(v, bundle));
    case "source.namespace": return c.values.map((v) => identityPeer(namespaceOf(v), undefined));
    case "source.serviceAccount": return c.values.map((v) => { const [ns, sa] = (v as { value: string }).value.split("/"); return identityPeer({ kind: "name", name: ns }, sa); });
    case "request.auth": throw new Refused("requestPrincipals (JWT) have no common-API equivalent");
    case "source.trustDomain": throw new Refused("trustDomains have no common-API equivalent");
    default: throw new Refused(`${c.attribute} has no common-API equivalent`);
  }
}

function namespaceOf(v: StringMatch): EndpointSelector["namespaces"] {
  if (v.kind === "exact") return { kind: "name", name: v.value };
  if (v.kind === "present") return { kind: "any" };
  throw new Refused("a namespace pattern other than a name or \"*\" has no common-API equivalent");
}

// The principal forms with a common-API meaning: TD/ns/NS/sa/SA, TD/ns/NS/sa/<any> (or TD/ns/NS/<any>),
// <any>/ns/NS/sa/SA, <any>/sa/SA and "*" (any identity), TD being the mesh's trust domain, one of its
// aliases or cluster.local, which istiod rewrites to the mesh's (engine/l7/istio.ts migrateTrustDomain).
function principalPeer(v: StringMatch, bundle: readonly string[]): Peer {
  if (v.kind === "present") return identityPeer({ kind: "any" }, undefined);
  const text = istioWildcardText(v) ?? "";
  const m = /^([^/*]+|\*)\/ns\/([^/*]+)\/(?:sa\/([^/*]+|\*)|\*)$/.exec(text);
  if (m && m[1] !== "*" && m[1] !== "cluster.local" && !bundle.includes(m[1])) throw new Refused(`the principal ${JSON.stringify(text)} is in the trust domain ${m[1]}, not the mesh's (${bundle.join(", ")}: meshConfig trustDomain and trustDomainAliases, --trust-domain): no client of this mesh has it`);
  if (m && (m[1] !== "*" || (m[3] && m[3] !== "*"))) return identityPeer({ kind: "name", name: m[2] }, m[3] && m[3] !== "*" ? m[3] : undefined);
  const sa = /^\*\/sa\/([^/*]+)$/.exec(text);
  if (sa) return identityPeer({ kind: "any" }, sa[1]);
  throw new Refused(`the principal ${JSON.stringify(text)} is not TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT (or */ns/NS/sa/SA, */sa/SA, *): no common-API equivalent`);
}
