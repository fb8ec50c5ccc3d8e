// What the nginx target cannot express exactly, as values naming the object, the rule and the
// feature. The target never approximates: a Gateway with a problem is not compiled.

import type { LineLookup, SourceRef } from "../../model/source.js";
import { where } from "../names.js";

export interface NginxProblem {
  /** "HTTPRoute ns/name", "Gateway ns/name", "Service ns/name". */
  object: string;
  src?: SourceRef;
  /** Index in spec.rules, when one rule is concerned. */
  rule?: number;
  ruleName?: string;
  /** Short name of what nginx cannot do, e.g. "timeouts.request". */
  feature: string;
  message: string;
}

/** Thrown while compiling one rule or listener; the caller records it as a problem. */
export class NginxUnsupported extends Error {
  constructor(readonly feature: string, message: string) { super(message); }
}

/** "file:line: HTTPRoute ns/name, rule 1 "name": nginx cannot express FEATURE: message". */
export function formatNginxProblem(p: NginxProblem, lines?: LineLookup): string {
  const line = p.src && lines ? lines(p.src, p.rule === undefined ? undefined : ["spec", "rules", p.rule]) : undefined;
  const loc = where(p.src?.file, line);
  const rule = p.rule === undefined ? "" : `, rule ${p.rule}${p.ruleName ? ` ${JSON.stringify(p.ruleName)}` : ""}`;
  return `${loc ? `${loc}: ` : ""}${p.object}${rule}: nginx cannot express ${p.feature}: ${p.message}`;
}
