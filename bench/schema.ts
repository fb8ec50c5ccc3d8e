// Schema validation's share of loading (issue 16: at most 20% added to the load time): every
// object of the input validated alone, schemas compiled once per kind as loading does.

import { Diagnostics } from "../src/model/source.js";
import { splitObjects } from "../src/sources/documents.js";
import { readInputs } from "../src/sources/read.js";
import { validateObject } from "../src/sources/schema/validate.js";

/** Milliseconds spent validating every object of `dir` against its schema. */
export function schemaValidationTime(dir: string): number {
  const diags = new Diagnostics();
  const objects = readInputs([dir], diags, undefined, { recursive: true }).flatMap((f) => splitObjects(f, diags));
  const t = performance.now();
  for (const o of objects) validateObject(o, diags);
  return performance.now() - t;
}
