// The least privilege Junction needs to read a cluster: get, list and watch on every resource a
// front end reads, and nothing else. Derived from the same kind list the live source asks for.

import { groupOf, readKinds, resourceOf } from "./kinds.js";

export interface PolicyRule { apiGroups: string[]; resources: string[]; verbs: string[] }

export function readerRules(): PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const k of readKinds()) for (const av of k.apiVersions) byGroup.set(groupOf(av), (byGroup.get(groupOf(av)) ?? new Set()).add(resourceOf(groupOf(av), k.kind)));
  return [...byGroup.keys()].sort().map((g) => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: ["get", "list", "watch"] }));
}

export function clusterRole(name: string): object {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
    metadata: { name, labels: { "app.kubernetes.io/name": "junction" } },
    rules: readerRules(),
  };
}
