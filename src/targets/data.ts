// JSON and YAML renderings of plain data.

import { yaml } from "../sources/yamllib.js";
import { resolvePlain } from "../sources/kubeyaml.js";
import { hasControls } from "./controls.js";

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/**
 * YAML that kubectl reads back as the same data: YAML 1.1 quoting (so `y`, `on`, `1:20` stay
 * strings), and every other string go-yaml v2 would resolve to a number or bool (`0o17`, `0b1`) quoted.
 * A string holding a character the terminal escapes (U+202E, ESC, ...) is double-quoted: its \uXXXX
 * escape reads back as the character only there (in a plain or block scalar it is literal text).
 */
export function renderYaml(value: unknown): string {
  return yaml().stringify(value, quoteTyped, { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1" });
}

function quoteTyped(_key: unknown, v: unknown): unknown {
  if (typeof v !== "string" || (resolvePlain(v) === v && !hasControls(v))) return v;
  const { Scalar } = yaml();
  const s = new Scalar(v);
  s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

/** Kubernetes objects as multi-document YAML, or as a `kind: List` in JSON: both read back with -f. */
export function renderDocuments(objects: readonly object[], format: "yaml" | "json", header?: string): string {
  if (format === "json") return renderJson({ apiVersion: "v1", kind: "List", items: objects });
  const body = objects.map((o) => renderYaml(o)).join("---\n");
  return (header ? header.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n") + "\n" : "") + body;
}
