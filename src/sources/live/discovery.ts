// Discovery: which of the kinds Junction reads the API server serves, in which version and under
// which resource name. A kind whose group or version is not served (a CRD that is not installed)
// is reported as missing, not guessed.

import { ClusterError, type ApiClient } from "./client.js";
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
  out.set("", new Set(core.body?.versions ?? []));
  const apis = await client.get("/apis");
  if (apis.status !== 200) throw new ClusterError(`${client.server}/apis: the API server answered ${apis.status}`);
  for (const g of apis.body?.groups ?? []) out.set(g.name, new Set((g.versions ?? []).map((v: { version: string }) => v.version)));
  return out;
}

async function resourceList(client: ApiClient, apiVersion: string): Promise<ApiResource[]> {
  const r = await client.get(apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
  return r.status === 200 ? r.body?.resources ?? [] : [];
}

/** The collection path of a served kind, in one namespace or across all. */
export function collectionPath(k: ServedKind, namespace?: string): string {
  const base = k.apiVersion.includes("/") ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  return k.ref.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.resource}` : `${base}/${k.resource}`;
}
