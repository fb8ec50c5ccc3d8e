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
// only when the hand-over is on. What crosses, and how: handover-codec.ts.

import { Diagnostics } from "../model/source.js";
import { InventoryBuilder } from "./builder.js";
import type { RawObject } from "./documents.js";
import { lower } from "./lowering.js";
import { isHandedPod, type HandedFile, type HandedObject, type HandedPod } from "./handover-codec.js";

/** Whether a value holds a -0 (JSON.stringify writes it 0: such a file is the main thread's). */
function holdsMinusZero(v: unknown): boolean {
  if (typeof v === "number") return Object.is(v, -0);
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) if (holdsMinusZero(v[i])) return true; return false; }
  for (const k in v) if (holdsMinusZero((v as Record<string, unknown>)[k])) return true;
  return false;
}

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
    if (!isPod(raw)) {
      if (holdsMinusZero(raw.obj)) return undefined;
      items.push({ apiVersion: raw.apiVersion, kind: raw.kind, obj: raw.obj });
      continue;
    }
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

/** The worker's encoding of what it lowered (re-exported: the worker loads this module alone, when the hand-over starts). */
export { encodeHanded as encodeLowered } from "./handover-codec.js";
