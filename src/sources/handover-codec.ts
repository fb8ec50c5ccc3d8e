// What crosses from the check-ahead worker to the main thread for a file handed over (handover.ts):
// the types, and their encoding on the hand-over's MessagePort. Loads only Node's modules (the main
// thread's CheckAhead decodes; the worker, once it loaded handover.ts, encodes).

import { deserialize, serialize } from "node:v8";
import type { Path } from "../model/source.js";
import type { NewEndpoint } from "./builder.js";

/** A pod of a handed-over file: its endpoint as the pod front end made it (its `src` set again by the main thread), and its identity. */
export interface HandedPod { pod: NewEndpoint; name: string; namespace: unknown }

/** Another object of a handed-over file: as objectsOf split it, its value as JSON.parse made it (JSON.parse makes it again on the main thread). */
export interface HandedObject { apiVersion: string; kind: string; obj: Record<string, unknown> }

/** A file's objects as the worker lowered them, in the file's order; `paths`: each object's path when the file is not one list (else ["items", i]). */
export interface HandedFile { slot: number; items: (HandedPod | HandedObject)[]; paths?: Path[] }

/**
 * What crosses for one file (on the hand-over's MessagePort): its pods serialized (v8.serialize:
 * bigint addresses, undefined fields and shared objects kept), with which items they are and the
 * paths; its other objects as one JSON text (JSON.parse makes them on the main thread as it makes a
 * file's objects: cheaper than deserializing them, measured, docs/performance.md twenty-second stop).
 * Deserialized when the main thread comes to the file (drained earlier as values, they lived on its
 * heap from then, promoted).
 */
export interface HandedMessage { slot: number; pods: Uint8Array; others: string }

/** The file as it crosses (the worker). */
export function encodeHanded(h: HandedFile): HandedMessage {
  const pods: HandedPod[] = [], others: HandedObject[] = [], kinds = new Uint8Array(h.items.length);
  h.items.forEach((item, i) => { if (isHandedPod(item)) { kinds[i] = 1; pods.push(item); } else others.push(item); });
  return { slot: h.slot, pods: serialize({ pods, kinds, paths: h.paths }), others: JSON.stringify(others) };
}

/** The file as the worker lowered it (the main thread). */
export function decodeHanded(m: HandedMessage): HandedFile {
  const { pods, kinds, paths } = deserialize(m.pods) as { pods: HandedPod[]; kinds: Uint8Array; paths?: Path[] };
  const others = JSON.parse(m.others) as HandedObject[];
  const items: (HandedPod | HandedObject)[] = new Array(kinds.length);
  for (let i = 0, p = 0, o = 0; i < kinds.length; i++) items[i] = kinds[i] ? pods[p++] : others[o++];
  return paths ? { slot: m.slot, items, paths } : { slot: m.slot, items };
}


export function isHandedPod(item: HandedPod | HandedObject): item is HandedPod {
  return (item as HandedPod).pod !== undefined;
}
