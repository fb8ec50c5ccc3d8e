// Kubernetes manifests as text: multi-document block YAML in kubectl's style, or a JSON List.
// A small emitter of plain data (fast enough for 100k-object clusters); strings that a YAML
// parser would read as another type are quoted (under YAML 1.2 and as kubectl reads them).

import { resolvePlain } from "../sources/kubeyaml.js";

export type ManifestFormat = "yaml" | "json";

export function renderManifests(objects: readonly Record<string, unknown>[], format: ManifestFormat): string {
  if (format === "json") return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2) + "\n";
  return objects.map((o) => `---\n${block(o, "")}`).join("");
}

const PLAIN = /^[A-Za-z0-9_./](?:[A-Za-z0-9_./:-]*[A-Za-z0-9_./-])?$/;
const TYPED = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[Tt]rue|TRUE|[Ff]alse|FALSE|[Nn]ull|NULL|~|[yYnN]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$/;

export function scalar(v: unknown): string {
  if (typeof v === "string") return PLAIN.test(v) && !TYPED.test(v) && resolvePlain(v) === v ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "null";
}

function isComposite(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === "object" && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return "[]";
  if (typeof v === "object" && v !== null) return "{}";
  return scalar(v);
}

/** A mapping's entries, one per line, at `pad`. */
function block(o: Record<string, unknown>, pad: string): string {
  let out = "";
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!isComposite(v)) out += `${pad}${scalar(k)}: ${inline(v)}\n`;
    else if (Array.isArray(v)) out += `${pad}${scalar(k)}:\n${sequence(v, pad)}`;
    else out += `${pad}${scalar(k)}:\n${block(v, pad + "  ")}`;
  }
  return out;
}

/** Sequence items at `pad` ("- "), a mapping item's first entry on the dash line. */
function sequence(items: readonly unknown[], pad: string): string {
  let out = "";
  for (const item of items) {
    if (!isComposite(item)) out += `${pad}- ${inline(item)}\n`;
    else if (Array.isArray(item)) out += `${pad}-\n${sequence(item, pad + "  ")}`;
    else out += `${pad}- ${block(item, pad + "  ").slice(pad.length + 2)}`;
  }
  return out;
}
