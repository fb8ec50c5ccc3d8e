// The kinds a cluster is asked for: every kind a front end reads (src/sources/load.ts FRONT_ENDS),
// so that a kind a new front end adds is listed, watched and granted in `junction rbac` at once
// (but for a front end marked live: false, core/v1 Endpoints: the cluster has their mirrored slices).

import { FRONT_ENDS } from "../load.js";

export interface KindRef {
  kind: string;
  /** "group/version" (or "v1") a front end reads, in its order of preference; the first served is listed. */
  apiVersions: readonly string[];
  namespaced: boolean;
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
}

export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.lastIndexOf("/") + 1);
}

/**
 * One entry per front end: a kind in the API versions it reads. Alternative groups of one front end
 * (Calico's projectcalico.org and crd.projectcalico.org, apps and extensions) are one entry, so that
 * the same objects are never listed twice.
 */
export function readKinds(): KindRef[] {
  return FRONT_ENDS.filter((fe) => fe.live !== false).map((fe) => ({ kind: fe.kind, apiVersions: fe.apiVersions, namespaced: fe.namespaced }));
}

/** How a kind is named in notes: Kind.group of its preferred version. */
export function kindName(k: KindRef): string {
  const g = groupOf(k.apiVersions[0]);
  return `${k.kind}${g ? `.${g}` : ""}`;
}

/**
 * The CRDs (vendored under schemas/upstream) whose `spec.names.plural` is not the default guess below:
 * a CRD names its resource itself, and the API server serves it only under that name.
 */
const CRD_PLURALS: ReadonlyMap<string, string> = new Map([
  ["gateway.networking.k8s.io/Gateway", "gateways"],
  ["networking.istio.io/Gateway", "gateways"],
  ["k8s.cni.cncf.io/MultiNetworkPolicy", "multi-networkpolicies"],
  ["k8s.cni.cncf.io/NetworkAttachmentDefinition", "network-attachment-definitions"],
]);

/** The resource name a kind of a group is served under: its CRD's plural, else the API server's default guess. */
export function resourceOf(group: string, kind: string): string {
  return CRD_PLURALS.get(`${group}/${kind}`) ?? guessResource(kind);
}

/** The resource name of a kind as the API server names it by default (apimachinery's UnsafeGuessKindToResource). */
export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith("endpoints")) return lower;
  if (lower.endsWith("s")) return `${lower}es`;
  if (lower.endsWith("y")) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** The RBAC rule that lets a reader list and watch a resource. */
export function readRule(group: string, resource: string): { apiGroups: string[]; resources: string[]; verbs: string[] } {
  return { apiGroups: [group], resources: [resource], verbs: ["get", "list", "watch"] };
}
