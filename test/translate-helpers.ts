// Helpers for translation tests: compile/convert an inventory and prove the result equivalent.

import { compareConnectivity, type Equivalence } from "../src/analyze/equivalence.js";
import { PairwiseConnectivity } from "../src/engine/pairwise.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import { POLICY_KINDS } from "../src/sources/kinds.js";
import type { Loaded } from "../src/sources/load.js";
import { reloadWith } from "../src/sources/replace.js";
import { renderDocuments } from "../src/targets/data.js";
import { compileK8s } from "../src/targets/k8s/index.js";
import { trafficPolicies } from "../src/targets/common.js";
import { load } from "./helpers.js";

export function loadOk(files: Record<string, string>): Loaded {
  const l = load(files);
  if (l.diagnostics.hasErrors) throw new Error(l.diagnostics.errors.map((d) => `${d.ref?.file}:${d.line} ${d.message}`).join("\n"));
  return l;
}

function side(l: Loaded) {
  return { inventory: l.inventory, connectivity: new PairwiseConnectivity(new PolicyEngine(l.inventory, DEFAULT_OPTIONS)) };
}

/** The input with its policies replaced by `generated`, compared flow by flow. */
export function equivalence(l: Loaded, generated: string): Equivalence {
  const after = reloadWith(l, (raw) => POLICY_KINDS.has(raw.kind), generated);
  if (after.diagnostics.hasErrors) throw new Error(`generated output does not load: ${after.diagnostics.errors.map((d) => d.message).join("; ")}\n${generated}`);
  return compareConnectivity(side(l), side(after));
}

export function toK8sText(l: Loaded): string {
  const { objects, problems } = compileK8s(l.inventory);
  if (problems.length) throw new Error(problems.map((p) => p.message).join("; "));
  return renderDocuments(objects, "yaml");
}

export function toCommonText(l: Loaded): string {
  return renderDocuments(trafficPolicies(l.inventory.policies), "yaml");
}
