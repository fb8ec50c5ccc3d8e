// Default restrictions a KaaS provider deploys (SCS-0219, MAY): the cloud metadata address blocked
// for pods, and traffic between namespaces denied by default. Both are asked of the verdict engine
// about probe pods (pods a command adds to the input, labelled PROBE_LABEL) or the input's own pods;
// each check returns what failed and the policies that decided.

import { parseAddress } from "../model/ip.js";
import { policyName } from "../model/policy.js";
import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import type { Decision, PolicyEngine } from "../engine/verdict.js";

export const METADATA_ADDRESS = "169.254.169.254";
export const PROBE_LABEL = "junction.dev/probe";
/** The probe pods' port. */
export const PROBE_PORT = 80;

export interface RestrictionCheck {
  passed: boolean;
  /** "shop/web -> 169.254.169.254 TCP 80 allowed" */
  failures: string[];
  /** The policies that decided (denied or, on failure, allowed), "AdminNetworkPolicy platform-guardrails". */
  evidence: string[];
}

const who = (e: Endpoint) => `${e.namespace}/${e.name}`;

function decidedBy(d: Decision): string[] {
  return d.policy ? [`${d.policy.kind} ${policyName(d.policy)}`] : d.selecting.map((p) => `${p.kind} ${policyName(p)}`);
}

function check(results: { failure?: string; evidence: string[] }[]): RestrictionCheck {
  const failures = results.flatMap((r) => (r.failure ? [r.failure] : []));
  return { passed: failures.length === 0 && results.length > 0, failures, evidence: [...new Set(results.flatMap((r) => r.evidence))].sort() };
}

/** The pods (not host-network ones: they are the node) whose traffic the checks ask about. */
export function podsOf(inv: Inventory, onlyProbes: boolean): Endpoint[] {
  return inv.endpoints.filter((e) => e.kind === "pod" && !e.hostNetwork && (!onlyProbes || e.labels[PROBE_LABEL] === "true"));
}

/** Every pod's connection to 169.254.169.254 on TCP 80 is denied. */
export function metadataBlocked(engine: PolicyEngine, pods: readonly Endpoint[]): RestrictionCheck {
  const address = parseAddress(METADATA_ADDRESS)!;
  return check(pods.map((e) => {
    const v = engine.evaluate({ src: { endpoint: e }, dst: { address }, protocol: "TCP", port: PROBE_PORT });
    return { failure: v.allowed ? `${who(e)} -> ${METADATA_ADDRESS} TCP ${PROBE_PORT} allowed` : undefined, evidence: v.allowed ? [] : decidedBy(v.egress) };
  }));
}

/** Connections between pods of different namespaces (on the destination's PROBE_PORT) are denied; with `sameAllowed`, those inside a namespace are allowed. */
export function namespacesIsolated(engine: PolicyEngine, pods: readonly Endpoint[], sameAllowed: boolean): RestrictionCheck {
  const results: { failure?: string; evidence: string[] }[] = [];
  for (const a of pods) for (const b of pods) {
    if (a === b) continue;
    const same = a.namespace === b.namespace;
    if (same && !sameAllowed) continue;
    const v = engine.evaluate({ src: { endpoint: a }, dst: { endpoint: b }, protocol: "TCP", port: PROBE_PORT });
    const failure = same ? (v.allowed ? undefined : `${who(a)} -> ${who(b)} TCP ${PROBE_PORT} denied inside its namespace`)
      : (v.allowed ? `${who(a)} -> ${who(b)} TCP ${PROBE_PORT} allowed across namespaces` : undefined);
    const decisive = v.ingress.allowed ? v.egress : v.ingress;
    results.push({ failure, evidence: same ? [] : decidedBy(v.allowed ? v.ingress : decisive) });
  }
  return check(results);
}

/** Probe pods (two per namespace, no other labels than PROBE_LABEL and app) as YAML documents. */
export function probeManifests(namespaces: readonly string[]): string {
  return namespaces.flatMap((ns) => ["probe-a", "probe-b"].map((name) => [
    "apiVersion: v1", "kind: Pod", `metadata: {name: junction-${name}, namespace: "${ns}", labels: {${JSON.stringify(PROBE_LABEL)}: "true", app: junction-probe}}`,
    `spec: {containers: [{name: probe, image: probe, ports: [{containerPort: ${PROBE_PORT}}]}]}`,
  ].join("\n"))).join("\n---\n") + "\n";
}
