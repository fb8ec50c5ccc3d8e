// Loading the user's inputs again with some objects swapped for generated ones: how a translation
// (compile, convert) is checked end to end through the same front ends.

import { splitObjects, type RawObject } from "./documents.js";
import { Diagnostics } from "../model/source.js";
import { loadFiles, type Loaded } from "./load.js";
import type { InputFile } from "./read.js";
import type { SourceRef } from "../model/source.js";

export const GENERATED_FILE = "<generated>";

/** The inputs of `loaded` without the objects `replaced` picks, plus `generated` (YAML or JSON text). */
export function reloadWith(loaded: Loaded, replaced: (raw: RawObject) => boolean, generated: string): Loaded {
  const files: InputFile[] = [...loaded.inputs, { name: GENERATED_FILE, text: generated }];
  return loadFiles(files, undefined, { exclude: (raw) => raw.ref.file !== GENERATED_FILE && replaced(raw) });
}

export function sameRef(a: SourceRef | undefined, b: SourceRef): boolean {
  return a !== undefined && a.file === b.file && a.doc === b.doc && a.path.length === b.path.length && a.path.every((k, i) => k === b.path[i]);
}

/** The raw objects of the inputs whose kind is in `kinds`. */
export function objectsOfKinds(loaded: Loaded, kinds: ReadonlySet<string>): RawObject[] {
  return loaded.inputs.flatMap((f) => splitObjects(f, new Diagnostics())).filter((raw) => kinds.has(raw.kind));
}
