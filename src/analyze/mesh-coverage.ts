// Mesh coverage: where the mesh's L7 authorization does not do what its objects suggest.
//   no-proxy              a workload without a mesh proxy: nothing enforces L7 policy at it
//   plaintext-accepted    Istio sidecars of a namespace accept plaintext (PeerAuthentication
//                         PERMISSIVE, the default, or DISABLE): such clients have no identity
//   selects-nothing       an AuthorizationPolicy whose selector picks no pod of the input
//   allow-nothing         an ALLOW AuthorizationPolicy without rules: every request is denied
//   http-rule-on-tcp-port an AuthorizationPolicy rule with HTTP-only fields on a workload behind a
//                         Service port Istio reads as TCP: istiod drops the ALLOW rule, and keeps
//                         only the non-HTTP part of a DENY rule (broader)

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { isHttpOnly, type L7Rule } from "../model/l7.js";
import type { IstioAuthorization } from "../model/mesh.js";
import type { SourceRef } from "../model/source.js";
import { selector as labelSelector, matches } from "../model/selector.js";
import { targetPortOn, workloadOf } from "../model/service-endpoints.js";
import { IstioPolicies, istioPortProtocol } from "../engine/l7/istio.js";
import { istioServerMode } from "../engine/l7/transport.js";
import { MeshMembership } from "../engine/mesh/membership.js";

export type MeshFindingKind = "no-proxy" | "plaintext-accepted" | "selects-nothing" | "allow-nothing" | "http-rule-on-tcp-port";

export interface MeshFinding {
  kind: MeshFindingKind;
  /** The workload ("ns/name"), namespace, or policy ("ns/name") concerned. */
  subject: string;
  message: string;
  /** The object that causes it, when there is one (with its rule's field path). */
  src?: SourceRef;
  path?: (string | number)[];
}

/** Whether the input has a mesh at all: injection or proxies visible, or mesh policies. */
export function hasMesh(inv: Inventory, membership = new MeshMembership(inv)): boolean {
  const m = inv.mesh;
  return membership.visible || m.istio.authorizations.length + m.istio.peerAuthentications.length + m.linkerd.servers.length + m.linkerd.authorizations.length > 0;
}

export function meshCoverage(inv: Inventory): MeshFinding[] {
  const membership = new MeshMembership(inv);
  if (!hasMesh(inv, membership)) return [];
  const pods = inv.endpoints.filter((e) => e.kind === "pod" && !e.hostNetwork);
  return [...noProxy(pods, membership), ...plaintext(inv, pods, membership), ...istioPolicies(inv, pods)];
}

function noProxy(pods: readonly Endpoint[], membership: MeshMembership): MeshFinding[] {
  const seen = new Map<string, MeshFinding>();
  for (const e of pods) {
    const m = membership.of(e);
    const subject = `${e.namespace}/${workloadOf(e)}`;
    if (!m.inMesh && !seen.has(subject)) seen.set(subject, { kind: "no-proxy", subject, message: `no mesh proxy (${m.why}): nothing enforces L7 policy there, and its requests carry no identity` });
  }
  return [...seen.values()];
}

/** Per namespace: the Istio sidecar workloads that accept plaintext on some declared port (or on any port when none is declared). */
function plaintext(inv: Inventory, pods: readonly Endpoint[], membership: MeshMembership): MeshFinding[] {
  const byNs = new Map<string, { names: Set<string>; mode: string }>();
  for (const e of pods) {
    const m = membership.of(e);
    if (!m.inMesh || m.mesh !== "istio" || m.dataplane === "ambient") continue;
    const ports = e.ports.length ? e.ports.map((p) => p.port) : [0];
    const open = ports.map((p) => istioServerMode(inv.mesh, e, p)).find((x) => x.mode !== "STRICT");
    if (!open) continue;
    const at = byNs.get(e.namespace ?? "") ?? { names: new Set<string>(), mode: open.mode };
    at.names.add(workloadOf(e));
    byNs.set(e.namespace ?? "", at);
  }
  return [...byNs].map(([ns, { names, mode }]) => ({
    kind: "plaintext-accepted" as const, subject: ns,
    message: `Istio sidecars accept plaintext (PeerAuthentication ${mode === "DISABLE" ? "DISABLE" : "PERMISSIVE, the default"}) at ${[...names].sort().join(", ")}: a plaintext client has no principal or namespace`,
  }));
}

function istioPolicies(inv: Inventory, pods: readonly Endpoint[]): MeshFinding[] {
  const lookup = new IstioPolicies(inv.mesh);
  const out: MeshFinding[] = [];
  for (const p of inv.mesh.istio.authorizations) {
    const subject = `${p.namespace}/${p.name}`, base = { subject, ...(p.src ? { src: p.src } : {}) };
    if (p.targetRefs) continue;
    const selected = pods.filter((e) => lookup.for(e).includes(p));
    if (!selected.length) out.push({ ...base, kind: "selects-nothing", message: `AuthorizationPolicy ${subject} selects no pod of the input${p.selector ? ` (selector ${Object.entries(p.selector).map(([k, v]) => `${k}=${v}`).join(",")})` : ""}` });
    if (p.action === "allow" && !p.rules.length && !p.dryRun) out.push({ ...base, kind: "allow-nothing", message: `ALLOW AuthorizationPolicy ${subject} has no rules: it denies every request to ${selected.length ? names(selected) : "the workloads it selects"}` });
    if (p.action === "allow" || p.action === "deny") out.push(...tcpPortRules(inv, p, selected));
  }
  return out;
}

/** Rules with HTTP-only fields at workloads behind a Service port Istio reads as TCP. */
function tcpPortRules(inv: Inventory, p: IstioAuthorization, selected: readonly Endpoint[]): MeshFinding[] {
  const tcp = tcpServicePorts(inv, selected);
  if (!tcp.length) return [];
  return p.rules.filter(usesHttp).map((r) => ({
    kind: "http-rule-on-tcp-port" as const, subject: `${p.namespace}/${p.name}`, ...(p.src ? { src: p.src } : {}), path: [...r.path],
    message: `rule ${r.index} uses HTTP-only fields, and ${tcp.join(", ")} ${tcp.length === 1 ? "is" : "are"} TCP for Istio (name or appProtocol): ${p.action === "allow" ? "istiod drops the ALLOW rule there" : "istiod keeps only its non-HTTP part there, so it denies more"}`,
  }));
}

function usesHttp(r: L7Rule): boolean {
  return [...(r.from ?? []).flat(), ...(r.to ?? []).flat(), ...(r.when ?? [])].some(isHttpOnly);
}

function tcpServicePorts(inv: Inventory, pods: readonly Endpoint[]): string[] {
  return inv.services.flatMap((s) => s.ports.filter((sp) => istioPortProtocol(sp) === "tcp" && s.selector
    && pods.some((e) => e.namespace === s.namespace && matches(labelSelector(s.selector), e.labels) && targetPortOn(sp, e) !== undefined))
    .map((sp) => `Service ${s.namespace}/${s.name} port ${sp.port}`));
}

function names(pods: readonly Endpoint[]): string {
  return [...new Set(pods.map((e) => `${e.namespace}/${workloadOf(e)}`))].sort().join(", ");
}
