// The API server's validation rules that the OpenAPI schemas do not carry
// (k8s.io/kubernetes pkg/apis/*/validation), keyed by group/kind. They run after the schema, on
// objects whose fields have the right types (a field of the wrong type is skipped here).

import type { Diagnostics, Path } from "../../model/source.js";
import { matches } from "../../model/selector.js";
import type { RawObject } from "../documents.js";
import { Field, ObjectContext } from "../fields.js";
import { readCidr, readLabels, readSelector } from "../k8s.js";

type Rule = (root: Field) => void;

/** apps/v1 ValidateDeploymentSpec & co.: a non-empty valid selector that selects the template's labels. */
const selectsTemplate: Rule = (root) => {
  const spec = root.get("spec");
  const sel = spec.get("selector");
  if (!sel.object()) return;
  const before = root.ctx.diags.items.length;
  const s = readSelector(sel);
  if (root.ctx.diags.items.length > before) return;
  if (s.requirements.length === 0) return sel.error("invalid-selector", "empty selector is invalid for this workload (the API server: \"empty selector is invalid for deployment\")") ?? undefined;
  const labels = spec.get("template").get("metadata").get("labels");
  if (!matches(s, readLabels(labels))) labels.error("selector-mismatch", "`selector` does not match template `labels` (the API server refuses the workload)");
};

/** core/v1 ValidateReplicationControllerSpec: a selector, when given, selects the template's labels. */
const rcSelectsTemplate: Rule = (root) => {
  const spec = root.get("spec");
  const sel = spec.get("selector");
  if (!sel.object() || Object.keys(sel.value as object).length === 0) return;
  const want = readLabels(sel);
  const labels = spec.get("template").get("metadata").get("labels");
  const have = readLabels(labels);
  if (Object.entries(want).some(([k, v]) => have[k] !== v)) labels.error("selector-mismatch", "selector does not match template labels (the API server refuses the ReplicationController)");
};

/** core/v1 ValidateService: several ports are named, names are unique, port/protocol pairs are unique. */
const servicePorts: Rule = (root) => {
  const ports = root.get("spec").get("ports");
  const list = Array.isArray(ports.value) ? ports.list() ?? [] : [];
  const names = new Set<string>(), pairs = new Set<string>();
  for (const p of list) {
    if (!p.object()) continue;
    const name = typeof p.get("name").value === "string" ? (p.get("name").value as string) : "";
    if (list.length > 1 && name === "") p.get("name").error("required", "required when a Service has several ports (the API server: Required value)");
    else if (name !== "" && names.has(name)) p.get("name").error("duplicate", `Duplicate value: ${JSON.stringify(name)}`);
    names.add(name);
    const pair = `${String(p.get("port").value)}/${typeof p.get("protocol").value === "string" ? p.get("protocol").value : "TCP"}`;
    if (pairs.has(pair)) p.error("duplicate", `Duplicate value: port ${pair} is listed twice`);
    pairs.add(pair);
  }
};

/** core/v1 ValidateNode: podCIDR and podCIDRs are CIDRs, at most one per family. */
const nodeCidrs: Rule = (root) => {
  const spec = root.get("spec");
  if (typeof spec.get("podCIDR").value === "string" && spec.get("podCIDR").value !== "") readCidr(spec.get("podCIDR"));
  const cidrs = Array.isArray(spec.get("podCIDRs").value) ? spec.get("podCIDRs").list() ?? [] : [];
  const families = new Set<number>();
  for (const f of cidrs) {
    if (typeof f.value !== "string") continue;
    const c = readCidr(f);
    if (c && families.has(c.family)) f.error("invalid-cidr", "may specify no more than one CIDR for each IP family");
    if (c) families.add(c.family);
  }
  if (cidrs.length > 2) spec.get("podCIDRs").error("too-many", "must have at most 2 items (one per IP family)");
};

/** The API server's limit on an object's annotations, keys and values together (apimachinery ValidateAnnotationsSize). */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** apimachinery ValidateObjectMeta: the annotations of any object total at most 256 KiB (UTF-8 bytes). */
const annotationsSize: Rule = (root) => {
  const a = root.get("metadata").get("annotations");
  if (a.value === null || typeof a.value !== "object" || Array.isArray(a.value)) return;
  let size = 0;
  for (const [k, v] of Object.entries(a.value)) size += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : 0);
  if (size > ANNOTATIONS_SIZE_LIMIT) a.error("too-long", `Too long: annotations total ${size} bytes; may not be more than ${ANNOTATIONS_SIZE_LIMIT} bytes (the API server's limit)`);
};

/** A cheap bound (a UTF-16 unit is at most 3 UTF-8 bytes): most objects skip the exact count. */
function mayHaveLargeAnnotations(obj: Record<string, unknown>): boolean {
  const md = obj.metadata as Record<string, unknown> | undefined;
  const a = md !== null && typeof md === "object" ? md.annotations : undefined;
  if (a === null || typeof a !== "object") return false;
  let chars = 0;
  for (const [k, v] of Object.entries(a)) chars += k.length + (typeof v === "string" ? v.length : 0);
  return chars * 3 > ANNOTATIONS_SIZE_LIMIT;
}

/** Rules of every kind. */
const ALL_KINDS: Rule[] = [annotationsSize];

const RULES: Record<string, Rule[]> = {
  "apps/Deployment": [selectsTemplate], "apps/StatefulSet": [selectsTemplate], "apps/DaemonSet": [selectsTemplate],
  "apps/ReplicaSet": [selectsTemplate], "/ReplicationController": [rcSelectsTemplate],
  "/Service": [servicePorts], "/Node": [nodeCidrs],
};

const RULE_KINDS = new Set(Object.keys(RULES).map((k) => k.slice(k.indexOf("/") + 1)));

/** Runs the rules of the object's kind; returns the paths that got an error. */
export function semanticRules(raw: RawObject, diags: Diagnostics): Path[] {
  const slash = raw.apiVersion.lastIndexOf("/");
  // (The kind first: most objects (pods) have no rules, and a key string made per object costs.)
  const kindRules = RULE_KINDS.has(raw.kind) ? RULES[`${slash < 0 ? "" : raw.apiVersion.slice(0, slash)}/${raw.kind}`] ?? [] : [];
  const rules = mayHaveLargeAnnotations(raw.obj) ? [...ALL_KINDS, ...kindRules] : kindRules;
  if (!rules.length) return [];
  const before = diags.items.length;
  const ctx = new ObjectContext(raw.ref, diags, raw.kind, raw.obj);
  for (const rule of rules) rule(Field.root(ctx, raw.obj));
  return diags.items.slice(before).filter((d) => d.severity === "error").map((d) => d.field ?? []);
}
