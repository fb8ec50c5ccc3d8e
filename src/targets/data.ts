// JSON and YAML renderings of plain data.

import { stringify } from "yaml";

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Kubernetes objects as multi-document YAML, or as a `kind: List` in JSON: both read back with -f. */
export function renderDocuments(objects: readonly object[], format: "yaml" | "json", header?: string): string {
  if (format === "json") return renderJson({ apiVersion: "v1", kind: "List", items: objects });
  const body = objects.map((o) => renderYaml(o)).join("---\n");
  return (header ? header.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n") + "\n" : "") + body;
}
