// Who makes the last hop to an exposed workload, and whether the policies allow it: the pods of a
// Gateway, of an ingress controller or OpenShift router (found by their usual labels, else a
// stand-in pod, as np-guard assumes one), or addresses outside the cluster.

import type { Endpoint } from "../model/endpoint.js";
import type { Protocol } from "../model/ports.js";
import type { Gateway } from "../model/gateway.js";
import type { Inventory } from "../model/inventory.js";
import { policyName } from "../model/policy.js";
import type { Party } from "../engine/match.js";
import type { PolicyEngine, Verdict } from "../engine/verdict.js";
import { GATEWAY_NAME_LABEL, gatewayPods } from "../engine/gateway/pods.js";
import { externalPeers } from "./connlist.js";
import { ingressControllerParty, ingressControllerPods, INGRESS_CONTROLLER_NAMESPACE } from "../engine/endpoints.js";

export { GATEWAY_NAME_LABEL } from "../engine/gateway/pods.js";

export type Hop = "allowed" | "blocked" | "partly allowed";

/** The parties that open connections to the backends, and how they were found. */
export interface HopSource {
  parties: Party[];
  /** "ns/pod, ns/pod" or "assumed: ...". */
  description: string;
}

function podsWith(inv: Inventory, test: (e: Endpoint) => boolean): Endpoint[] {
  return inv.endpoints.filter((e) => e.kind === "pod" && test(e));
}

function source(pods: Endpoint[], fallback: () => HopSource): HopSource {
  if (!pods.length) return fallback();
  const names = [...new Set(pods.map((p) => `${p.namespace}/${p.owner?.name ?? p.name}`))];
  return { parties: pods.map((endpoint) => ({ endpoint })), description: names.join(", ") };
}

const STAND_IN: HopSource = { parties: [ingressControllerParty()], description: `assumed: a pod without labels in namespace ${INGRESS_CONTROLLER_NAMESPACE} (no controller pods in the input)` };

/** The pods of a Gateway (gateway/pods.ts gatewayPods: labelled with its name in its namespace, as Istio and others deploy them, or with Envoy Gateway's owner labels). */
export function gatewaySource(inv: Inventory, gw: Gateway): HopSource {
  const pods = gatewayPods(inv, gw.namespace, gw.name, gw.className);
  return source(pods, () => ({
    parties: [{ endpoint: { id: -1, kind: "pod", name: `${gw.name}-gateway`, namespace: gw.namespace, labels: { [GATEWAY_NAME_LABEL]: gw.name }, addresses: [], ports: [] } }],
    description: `assumed: a pod labelled ${GATEWAY_NAME_LABEL}=${gw.name} in namespace ${gw.namespace} (no Gateway pods in the input)`,
  }));
}

/** The ingress-nginx controller pods (app.kubernetes.io/name=ingress-nginx; with `className`, those of the controller serving the class: endpoints.ts), else np-guard's stand-in. */
export function ingressControllerSource(inv: Inventory, className?: string): HopSource {
  return source(ingressControllerPods(inv, className), () => STAND_IN);
}

/** The OpenShift router pods, else np-guard's stand-in. */
export function routerSource(inv: Inventory): HopSource {
  return source(podsWith(inv, (e) => "ingresscontroller.operator.openshift.io/deployment-ingresscontroller" in e.labels), () => STAND_IN);
}

/** Every external address range the policies distinguish. */
export function outsideSource(inv: Inventory): HopSource {
  return { parties: externalPeers(inv).flatMap((p) => p.parties), description: "outside the cluster" };
}

export interface HopVerdict {
  hop: Hop;
  /** Why some connection is denied: the policy that decided. */
  reason?: string;
}

/** Whether every (source, pod) pair may open `protocol`/`port` on the pod. */
export function hopVerdict(engine: PolicyEngine, from: HopSource, pods: readonly Endpoint[], port: number, protocol: Protocol = "TCP"): HopVerdict {
  return pairsVerdict(engine, from.parties.flatMap((src) => pods.map((pod) => ({ src, pod }))), port, protocol);
}

/**
 * Whether every (source, pod) pair may open `protocol`/`port` on the pod. A pair `forwarded`: its
 * source is what the pod sees of a translated connection (a node that masqueraded it, a proxying load
 * balancer), which forwards it and does not send it: the pod's ingress decides, as `explain` joins it
 * (the client's egress, the endpoint's ingress; engine/query.ts joined), not the node's egress policy.
 */
export function pairsVerdict(engine: PolicyEngine, pairs: readonly { src: Party; pod: Endpoint; forwarded?: boolean }[], port: number, protocol: Protocol = "TCP"): HopVerdict {
  const verdicts = pairs.map(({ src, pod, forwarded }) => {
    const v = engine.evaluate({ src, dst: { endpoint: pod }, protocol, port });
    return forwarded && !v.egress.allowed ? { ...v, allowed: v.ingress.allowed, egress: { ...v.egress, allowed: true } } : v;
  });
  const denied = verdicts.filter((v) => !v.allowed);
  if (!denied.length) return { hop: "allowed" };
  return { hop: denied.length === verdicts.length ? "blocked" : "partly allowed", reason: denialReason(denied[0]) };
}

function denialReason(v: Verdict): string {
  const d = !v.egress.allowed ? v.egress : v.ingress;
  const side = d.direction === "egress" ? "egress of the source" : "ingress of the workload";
  if (d.by === "isolation") return `${side}: isolated by ${d.selecting.map((p) => `${p.kind} ${policyName(p)}`).join(", ")}, no rule allows it`;
  return `${side}: denied by ${d.policy ? `${d.policy.kind} ${policyName(d.policy)}` : d.by}`;
}
