// The hand-over of lowered workloads (docs/performance.md, "Handing the lowered workloads over",
// twenty-first and twenty-second stops): the check-ahead worker, with time to spare, lowers a file
// it judged clean through the same lowering the main thread runs (lowering.ts `lower`, the pod front
// end), and the main thread, reaching that file, adds the pods the worker made instead of decoding,
// parsing and lowering their text; the file's other objects (controllers, Services) it lowers itself,
// from the worker's copies of their parsed values. Exact or nothing: a file is handed over only when
// everything the main thread would have done with it is in what crosses (the pods' endpoints as the
// pod front end made them, the other objects as JSON.parse made them), so the inventory, the
// diagnostics and the answers are the same whether a file is handed over or not.
//
// The worker side (lowerForHandOver) loads every front end: checkahead-thread.ts imports this module
// only when the hand-over is on.

import { Diagnostics, type Path } from "../model/source.js";
import { InventoryBuilder, type NewEndpoint } from "./builder.js";
import type { RawObject } from "./documents.js";
import { lower } from "./lowering.js";

/** A pod of a handed-over file: its endpoint as the pod front end made it (its `src` set again by the main thread), and its identity. */
export interface HandedPod { pod: NewEndpoint; name: string; namespace: unknown }

/** Another object of a handed-over file: as objectsOf split it, its value as JSON.parse made it (a structured clone of it). */
export interface HandedObject { apiVersion: string; kind: string; obj: Record<string, unknown> }

/** What crosses for one file (on the hand-over's MessagePort), its objects in the file's order; `paths`: each object's path when the file is not one list (else ["items", i]). */
export interface HandedFile { slot: number; items: (HandedPod | HandedObject)[]; paths?: Path[] }

/**
 * The worker's side: the objects of a file judged clean (checkahead.ts judgeObjects, `split` what
 * splitting it reported), lowered as the main thread would lower them; undefined unless the file may
 * be handed over: it holds a v1 Pod, splitting it reported nothing, every object is a document of
 * its own or an item of its one list (doc 0), and lowering its pods reported nothing and touched
 * nothing of the load but the pods themselves (a finished pod's note, a podIPs mismatch, a
 * host-network pod waiting for its node's addresses, kube-system's static kube-proxy: the main
 * thread's), each pod one endpoint.
 */
export function lowerForHandOver(slot: number, objects: RawObject[], split: Diagnostics): HandedFile | undefined {
  if (split.items.length || !objects.some(isPod)) return undefined;
  const listed = objects.length > 0 && objects.every((raw, i) => raw.ref.doc === 0 && raw.ref.path.length === 2 && raw.ref.path[0] === "items" && raw.ref.path[1] === i);
  if (!listed && !(objects.length === 1 && objects[0].ref.doc === 0 && objects[0].ref.path.length === 0)) return undefined;
  const diags = new Diagnostics(), b = new InventoryBuilder(diags);
  const items: (HandedPod | HandedObject)[] = [];
  for (const raw of objects) {
    if (!isPod(raw)) { items.push({ apiVersion: raw.apiVersion, kind: raw.kind, obj: raw.obj }); continue; }
    const md = raw.obj.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof md?.name !== "string" || md.namespace === "kube-system") return undefined;
    const n = b.inv.endpoints.length;
    // (Judged clean: the checks ran on this very object and report nothing, as on the main thread.)
    raw.checked = true;
    lower(raw, b, diags);
    if (diags.items.length || b.inv.endpoints.length !== n + 1) return undefined;
    items.push({ pod: b.inv.endpoints[n], name: md.name, namespace: md.namespace });
  }
  if (!b.onlyEndpoints()) return undefined;
  return listed ? { slot, items } : { slot, items, paths: [[]] };
}

function isPod(raw: RawObject): boolean {
  return raw.kind === "Pod" && raw.apiVersion === "v1";
}

export function isHandedPod(item: HandedPod | HandedObject): item is HandedPod {
  return (item as HandedPod).pod !== undefined;
}
