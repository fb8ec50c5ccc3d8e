// The kinds a cluster is asked for: every kind a front end reads (src/sources/load.ts FRONT_ENDS),
// so that a kind a new front end adds is listed, watched and granted in `junction rbac` at once.

import { FRONT_ENDS } from "../load.js";

export interface KindRef {
  kind: string;
  /** "" for the core group. */
  group: string;
  /** The versions a front end reads, in its order of preference. */
  versions: string[];
  namespaced: boolean;
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
}

export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.lastIndexOf("/") + 1);
}

/** One entry per (group, kind) that some front end reads. */
export function readKinds(): KindRef[] {
  const out = new Map<string, KindRef>();
  for (const fe of FRONT_ENDS) {
    for (const av of fe.apiVersions) {
      const key = `${fe.kind}.${groupOf(av)}`;
      const k = out.get(key) ?? { kind: fe.kind, group: groupOf(av), versions: [], namespaced: fe.namespaced };
      if (!k.versions.includes(versionOf(av))) k.versions.push(versionOf(av));
      out.set(key, k);
    }
  }
  return [...out.values()];
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
