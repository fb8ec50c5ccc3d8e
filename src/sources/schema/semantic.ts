// The API server's validation rules that the OpenAPI schemas do not carry
// (k8s.io/kubernetes pkg/apis/*/validation), keyed by group/kind.

import type { Diagnostics, Path } from "../../model/source.js";
import type { RawObject } from "../documents.js";

type Rule = (obj: Record<string, unknown>, report: (path: Path, code: string, message: string) => void) => void;

const RULES: Record<string, Rule[]> = {};

/** Runs the rules of the object's kind; returns the paths that got an error. */
export function semanticRules(raw: RawObject, diags: Diagnostics): Path[] {
  const group = raw.apiVersion.includes("/") ? raw.apiVersion.slice(0, raw.apiVersion.lastIndexOf("/")) : "";
  const rules = RULES[`${group}/${raw.kind}`];
  if (!rules) return [];
  const failed: Path[] = [];
  for (const rule of rules) rule(raw.obj, (path, code, message) => { failed.push(path); diags.error(code, message, raw.ref, path); });
  return failed;
}
