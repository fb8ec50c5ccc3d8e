// Discovery: which of the kinds Junction reads the API server serves, in which version and under
// which resource name. A kind whose group or version is not served (a CRD that is not installed)
// is reported as missing, not guessed.

import { ClusterError, listIn, serverSaid, type ApiClient } from "./client.js";
import { groupOf, readKinds, versionOf, type KindRef } from "./kinds.js";

export interface ServedKind {
  ref: KindRef;
  apiVersion: string;
  resource: string;
}

/**
 * `missing`: kinds the server does not serve (no objects of them can exist). `failed`: kinds whose
 * API group's discovery failed (an aggregated API that is down answers 503): they may have objects,
 * so they are not absent, only unread.
 */
export interface Discovery { served: ServedKind[]; missing: KindRef[]; failed: { ref: KindRef; why: string }[] }

interface ApiResource { name: string; kind: string; namespaced: boolean; verbs?: string[] }

export async function discover(client: ApiClient, kinds: readonly KindRef[] = readKinds()): Promise<Discovery> {
  const groups = await servedVersions(client);
  const resources = new Map<string, Promise<ApiResource[] | string>>();
  const resourcesOf = (gv: string) => {
    let r = resources.get(gv);
    if (!r) { r = resourceList(client, gv); resources.set(gv, r); }
    return r;
  };
  const served: ServedKind[] = [], missing: KindRef[] = [], failed: Discovery["failed"] = [];
  for (const ref of kinds) {
    const found = await firstServed(ref, groups, resourcesOf);
    if (typeof found === "object") served.push(found); else if (found) failed.push({ ref, why: found }); else missing.push(ref);
  }
  return { served, missing, failed };
}

/** The first served version of a kind; else why a version that may serve it could not be discovered, or undefined (not served). */
async function firstServed(ref: KindRef, groups: Map<string, Set<string>>, resourcesOf: (gv: string) => Promise<ApiResource[] | string>): Promise<ServedKind | string | undefined> {
  let failed: string | undefined;
  for (const apiVersion of ref.apiVersions) {
    if (!groups.get(groupOf(apiVersion))?.has(versionOf(apiVersion))) continue;
    const resources = await resourcesOf(apiVersion);
    if (typeof resources === "string") { failed ??= resources; continue; }
    const r = resources.find((x) => x.kind === ref.kind && !x.name.includes("/"));
    if (r && (r.verbs ?? ["list"]).includes("list")) return { ref, apiVersion, resource: r.name };
  }
  return failed;
}

/** Group name ("" for core) → the versions it serves. */
async function servedVersions(client: ApiClient): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const core = await client.get("/api");
  if (core.status !== 200) throw new ClusterError(`${client.server}/api: the API server answered ${core.status}${serverSaid(core.body?.message)}`);
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

/**
 * The resources of a group version, or why they could not be discovered. A 404 is a version no
 * longer served (a CRD removed since /apis was read); any other failure (kubectl: "couldn't get
 * resource list for metrics.k8s.io/v1beta1: the server is currently unable to handle the request")
 * leaves its kinds unknown, not absent.
 */
async function resourceList(client: ApiClient, apiVersion: string): Promise<ApiResource[] | string> {
  const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const r = await client.get(path);
  if (r.status === 404) return [];
  if (r.status !== 200) return `the discovery of ${apiVersion} failed: the API server answered ${r.status}${serverSaid(r.body?.message)}`;
  // Entries without a string name and kind are not resources Junction could list.
  return listIn(r.body, "resources", `${client.server}/apis/${apiVersion}`).filter((x): x is ApiResource => typeof (x as ApiResource)?.name === "string" && typeof (x as ApiResource).kind === "string");
}

/** The collection path of a served kind, in one namespace or across all. */
export function collectionPath(k: ServedKind, namespace?: string): string {
  const base = k.apiVersion.includes("/") ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  return k.ref.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.resource}` : `${base}/${k.resource}`;
}
