// The composition of the sources layer: read inputs, split them into objects, dispatch each object
// to the front end of its kind, and finish the inventory.

import { Diagnostics, type SourceRef } from "../model/source.js";
import type { Inventory } from "../model/inventory.js";
import { InventoryBuilder } from "./builder.js";
import { splitObjects, type RawObject } from "./documents.js";
import { Field, ObjectContext } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { Locator } from "./locate.js";
import { readInputs, type InputFile } from "./read.js";
import { coreFrontEnds } from "./core.js";
import { networkPolicyFrontEnd } from "./networkpolicy.js";
import { adminPolicyFrontEnds } from "./adminpolicy.js";
import { clusterPolicyFrontEnds } from "./clusterpolicy.js";
import { commonFrontEnds } from "./common.js";
import { ingressFrontEnds } from "./ingress/frontend.js";
import { openshiftFrontEnds } from "./openshift.js";
import { addIngressRoutes } from "./ingress/lower.js";
import { gatewayApiFrontEnds } from "./gateway/index.js";
import { objectKey } from "../model/gateway.js";
import { trafficPolicyFrontEnd } from "./trafficpolicy.js";
import { calicoFrontEnds } from "./calico/index.js";
import { ciliumFrontEnds } from "./cilium.js";
import { checkObject } from "./schema/index.js";

export const FRONT_ENDS: readonly FrontEnd[] = [
  ...coreFrontEnds,
  networkPolicyFrontEnd,
  ...adminPolicyFrontEnds,
  ...clusterPolicyFrontEnds,
  ...commonFrontEnds,
  ...ingressFrontEnds,
  ...openshiftFrontEnds,
  ...gatewayApiFrontEnds,
  trafficPolicyFrontEnd,
  ...calicoFrontEnds,
  ...ciliumFrontEnds,
];

const byKind = new Map<string, FrontEnd[]>();
for (const f of FRONT_ENDS) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);

export interface Loaded {
  inventory: Inventory;
  diagnostics: Diagnostics;
  locator: Locator;
  files: number;
  objects: number;
  /** The files read, to load them again (e.g. with converted objects swapped in). */
  inputs: readonly InputFile[];
}

export interface LoadOptions {
  /** Objects to leave out, e.g. the policies a conversion replaces. */
  exclude?: (raw: RawObject) => boolean;
  /** Objects read elsewhere (a cluster), loaded after the files; `text` renders one for line lookups. */
  objects?: readonly RawObject[];
  text?: (raw: RawObject) => string;
}

/** Loads every path (file, folder, or "-" for stdin) into one inventory. */
export function loadPaths(paths: readonly string[], stdin?: () => string): Loaded {
  const diags = new Diagnostics();
  const files = readInputs(paths, diags, stdin);
  return loadFiles(files, diags);
}

export function loadFiles(files: readonly InputFile[], diags = new Diagnostics(), options: LoadOptions = {}): Loaded {
  const b = new InventoryBuilder(diags);
  const seen = new Map<string, SourceRef>();
  let objects = 0;
  const take = (raw: RawObject) => {
    if (options.exclude?.(raw)) return;
    objects++;
    if (isDuplicate(raw, seen, diags)) return;
    const checked = checkObject(raw, diags);
    dispatch(raw, b, diags);
    checked.finish();
  };
  for (const file of files) for (const raw of splitObjects(file, diags)) take(raw);
  for (const raw of options.objects ?? []) take(raw);
  const locator = new Locator(files);
  const text = options.text;
  if (text) for (const raw of options.objects ?? []) locator.addLazy(raw.ref.file, () => text(raw));
  const inventory = b.finish();
  addIngressRoutes(inventory);
  locator.resolve(diags.items);
  return { inventory, diagnostics: diags, locator, files: files.length, objects, inputs: files };
}

/** The same object twice (e.g. a manifest and a cluster dump): the first definition is used. */
function isDuplicate(raw: RawObject, seen: Map<string, SourceRef>, diags: Diagnostics): boolean {
  const md = raw.obj.metadata as { name?: unknown; namespace?: unknown } | undefined;
  if (typeof md?.name !== "string") return false;
  const namespaced = byKind.get(raw.kind)?.[0]?.namespaced ?? true;
  // The API group is part of the identity: a Calico NetworkPolicy is not a Kubernetes one.
  const group = raw.apiVersion.includes("/") ? raw.apiVersion.split("/")[0] : "";
  const key = `${raw.kind}${group ? `.${group}` : ""}/${namespaced ? (typeof md.namespace === "string" ? md.namespace : "default") : ""}/${md.name}`;
  const first = seen.get(key);
  if (!first) { seen.set(key, raw.ref); return false; }
  diags.warn("duplicate", `${raw.kind} ${key.split("/").slice(1).filter(Boolean).join("/")} is defined again (first in ${first.file}); this definition is ignored`, raw.ref);
  return true;
}

function dispatch(raw: RawObject, b: InventoryBuilder, diags: Diagnostics): void {
  noteObject(raw, b);
  const candidates = byKind.get(raw.kind);
  if (!candidates) { b.countUnknown(raw.kind); return; }
  const ctx = new ObjectContext(raw.ref, diags, raw.kind, raw.obj);
  const fe = raw.apiVersion === "" ? candidates[0] : candidates.find((f) => f.apiVersions.includes(raw.apiVersion));
  if (!fe) {
    const served = candidates.flatMap((f) => f.apiVersions);
    ctx.error(["apiVersion"], "unsupported-version", `${raw.kind} ${JSON.stringify(raw.apiVersion)} is not supported (supported: ${served.join(", ")})`);
    return;
  }
  fe.read(Field.root(ctx, raw.obj), ctx, b);
}

/** Records that the object exists, so that references to kinds no front end reads can be resolved. */
function noteObject(raw: RawObject, b: InventoryBuilder): void {
  const md = raw.obj.metadata as Record<string, unknown> | undefined;
  if (typeof md?.name !== "string") return;
  const group = raw.apiVersion.includes("/") ? raw.apiVersion.slice(0, raw.apiVersion.lastIndexOf("/")) : "";
  b.inv.routing.objectKeys.add(objectKey(group, raw.kind, typeof md.namespace === "string" ? md.namespace : undefined, md.name));
}
