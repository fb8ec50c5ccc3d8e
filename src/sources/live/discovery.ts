// Discovery: which of the kinds Junction reads the API server serves, in which version and under
// which resource name. A kind whose group or version is not served (a CRD that is not installed)
// is reported as missing, not guessed.

import { ClusterError, listIn, type ApiClient } from "./client.js";
import { groupOf, readKinds, versionOf, type KindRef } from "./kinds.js";

export interface ServedKind {
  ref: KindRef;
  apiVersion: string;
  resource: string;
}

export interface Discovery { served: ServedKind[]; missing: KindRef[] }

interface ApiResource { name: string; kind: string; namespaced: boolean; verbs?: string[] }

export async function discover(client: ApiClient, kinds: readonly KindRef[] = readKinds()): Promise<Discovery> {
  const groups = await servedVersions(client);
  const resources = new Map<string, Promise<ApiResource[]>>();
  const resourcesOf = (gv: string) => {
    let r = resources.get(gv);
    if (!r) { r = resourceList(client, gv); resources.set(gv, r); }
    return r;
  };
  const served: ServedKind[] = [], missing: KindRef[] = [];
  for (const ref of kinds) {
    const found = await firstServed(ref, groups, resourcesOf);
    if (found) served.push(found); else missing.push(ref);
  }
  return { served, missing };
}

async function firstServed(ref: KindRef, groups: Map<string, Set<string>>, resourcesOf: (gv: string) => Promise<ApiResource[]>): Promise<ServedKind | undefined> {
  for (const apiVersion of ref.apiVersions) {
    if (!groups.get(groupOf(apiVersion))?.has(versionOf(apiVersion))) continue;
    const r = (await resourcesOf(apiVersion)).find((x) => x.kind === ref.kind && !x.name.includes("/"));
    if (r && (r.verbs ?? ["list"]).includes("list")) return { ref, apiVersion, resource: r.name };
  }
  return undefined;
}

/** Group name ("" for core) → the versions it serves. */
async function servedVersions(client: ApiClient): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const core = await client.get("/api");
  if (core.status !== 200) throw new ClusterError(`${client.server}/api: the API server answered ${core.status}${core.body?.message ? ` (${core.body.message})` : ""}`);
  out.set("", new Set(listIn(core.body, "versions", `${client.server}/api`).map(String)));
  const apis = await client.get("/apis");
  if (apis.status !== 200) throw new ClusterError(`${client.server}/apis: the API server answered ${apis.status}`);
  for (const g of listIn(apis.body, "groups", `${client.server}/apis`)) {
    const group = g as { name?: unknown; versions?: unknown };
    if (typeof group?.name !== "string") throw new ClusterError(`${client.server}/apis: a group of the API server's answer has no name`);
    out.set(group.name, new Set(listIn(group, "versions", `${client.server}/apis`).map((v) => String((v as { version?: unknown })?.version))));
  }
  return out;
}

async function resourceList(client: ApiClient, apiVersion: string): Promise<ApiResource[]> {
  const r = await client.get(apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
  if (r.status !== 200) return [];
  // Entries without a string name and kind are not resources Junction could list.
  return listIn(r.body, "resources", `${client.server}/apis/${apiVersion}`).filter((x): x is ApiResource => typeof (x as ApiResource)?.name === "string" && typeof (x as ApiResource).kind === "string");
}

/** The collection path of a served kind, in one namespace or across all. */
export function collectionPath(k: ServedKind, namespace?: string): string {
  const base = k.apiVersion.includes("/") ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  return k.ref.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.resource}` : `${base}/${k.resource}`;
}
