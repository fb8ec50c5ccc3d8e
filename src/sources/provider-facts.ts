// Facts about a cluster's provider setup read from raw objects: the CustomResourceDefinitions served
// (name -> served versions), and the NetworkPolicies a Kyverno ClusterPolicy generates in a namespace
// (generate rules for Namespaces whose data is a NetworkPolicy).

import type { RawObject } from "./documents.js";
import { isObject } from "./schema/structural.js";

const obj = (v: unknown): Record<string, any> | undefined => (isObject(v) ? (v as Record<string, any>) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** CustomResourceDefinition name -> the versions it serves. */
export function servedCrds(raws: readonly RawObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of raws) {
    if (r.kind !== "CustomResourceDefinition" || !r.apiVersion.startsWith("apiextensions.k8s.io/")) continue;
    const name = obj(r.obj.metadata)?.name;
    if (typeof name !== "string") continue;
    const versions = arr(obj(r.obj.spec)?.versions).map(obj).filter((v) => v && v.served !== false && typeof v.name === "string").map((v) => v!.name as string);
    out.set(name, versions);
  }
  return out;
}

/** The NetworkPolicies Kyverno generate rules (matching Namespaces, not excluding it by name) create in `namespace`. */
export function kyvernoNetworkPolicies(raws: readonly RawObject[], namespace: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of raws) {
    if (r.kind !== "ClusterPolicy" || !r.apiVersion.startsWith("kyverno.io/")) continue;
    for (const rule of arr(obj(r.obj.spec)?.rules).map(obj)) {
      const gen = obj(rule?.generate);
      const spec = obj(obj(gen?.data)?.spec);
      if (!rule || !gen || gen.kind !== "NetworkPolicy" || !spec || !matchesNamespaces(rule)) continue;
      const excluded = arr(obj(rule.exclude)?.any).flatMap((x) => arr(obj(obj(x)?.resources)?.names));
      if (excluded.includes(namespace)) continue;
      out.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: String(gen.name ?? "kyverno-generated"), namespace }, spec });
    }
  }
  return out;
}

function matchesNamespaces(rule: Record<string, any>): boolean {
  const match = obj(rule.match);
  const any = [...arr(match?.any), ...arr(match?.all), match?.resources ? { resources: match.resources } : undefined];
  return any.some((x) => arr(obj(obj(x)?.resources)?.kinds).includes("Namespace"));
}
