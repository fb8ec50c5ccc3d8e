// junction lint: what in the policies, routes and Ingresses is wrong or pointless. Each finding has a
// stable code, a severity, the object (with its source reference for file:line) and a hint. The
// checks that need the engines (a rule that never decides, a policy whose removal changes nothing,
// DNS that isolated pods cannot reach) ask them; the others read the model (lint-model.ts).

import type { Path, SourceRef } from "../model/source.js";
import type { Inventory } from "../model/inventory.js";
import type { EngineOptions } from "../engine/options.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { FastConnectivity } from "../engine/fast/connectivity.js";
import type { GatewayEngine } from "../engine/gateway/engine.js";
import { modelChecks } from "./lint-model.js";
import { engineChecks } from "./lint-engine.js";

export type LintSeverity = "error" | "warning" | "note";
export const LINT_SEVERITIES: readonly LintSeverity[] = ["error", "warning", "note"];

export interface LintRule {
  code: string;
  severity: LintSeverity;
  summary: string;
  hint: string;
}

/** Every finding code, in the order they are documented. */
export const LINT_RULES: readonly LintRule[] = [
  { code: "policy-selects-nothing", severity: "warning", summary: "a policy whose subject selects no pod of the input", hint: "check the podSelector / subject labels and namespaces, or remove the policy" },
  { code: "peer-matches-nothing", severity: "warning", summary: "a rule peer whose selectors match nothing in the input (a namespace or label that does not exist)", hint: "check the peer's namespace and pod labels; a typo here silently allows or denies nothing" },
  { code: "named-port-undeclared", severity: "warning", summary: "a named port that no destination declares", hint: "name the port as the destination's containers do, or use its number" },
  { code: "rule-never-decides", severity: "warning", summary: "a rule that never decides anything: every connection it matches is decided before it, by an earlier rule or tier", hint: "remove the rule or move it before the rule that shadows it" },
  { code: "policy-redundant", severity: "note", summary: "a policy whose removal changes no connection of the input", hint: "remove it, or keep it deliberately (e.g. a default deny that other policies already imply)" },
  { code: "admin-priority-overlap", severity: "error", summary: "two admin policies at one priority that select the same pods (which one wins is undefined)", hint: "give each AdminNetworkPolicy that can select the same pods its own priority" },
  { code: "dns-unreachable", severity: "warning", summary: "egress-isolated pods that cannot reach cluster DNS", hint: "allow egress to kube-system pods with k8s-app=kube-dns on UDP and TCP 53" },
  { code: "workload-unprotected", severity: "note", summary: "a workload no policy selects (in a direction)", hint: "add a default-deny NetworkPolicy to its namespace, or a policy selecting it" },
  { code: "route-not-accepted", severity: "error", summary: "a route that no parent accepts (not attached)", hint: "see junction status for the parent's reason" },
  { code: "route-partially-invalid", severity: "warning", summary: "a route with unresolved references or dropped rules", hint: "see junction status for the references that do not resolve" },
  { code: "ingress-annotation-unread", severity: "warning", summary: "an Ingress annotation that the controller of its class does not read", hint: "use the annotations of the controller that serves the Ingress's class" },
  { code: "authorization-selects-nothing", severity: "warning", summary: "an Istio AuthorizationPolicy whose selector matches no pod", hint: "check the selector labels and the namespace" },
  { code: "authorization-allows-nothing", severity: "note", summary: "an Istio ALLOW AuthorizationPolicy without rules: it denies every request to the selected workloads", hint: "intended for Istio's allow-nothing idiom; otherwise add rules" },
];

export const LINT_CODES = LINT_RULES.map((r) => r.code);

export interface Finding {
  code: string;
  severity: LintSeverity;
  message: string;
  /** "NetworkPolicy shop/web", "HTTPRoute shop/store", "shop/api[Deployment]". */
  object: string;
  hint: string;
  ref?: SourceRef;
  /** The field inside the object the finding is about. */
  field?: Path;
}

export interface LintInput {
  inventory: Inventory;
  engine: PolicyEngine;
  connectivity: FastConnectivity;
  gateways: GatewayEngine;
  options: EngineOptions;
}

/** Makes a finding of a code with its severity and hint. */
export function finding(code: string, object: string, message: string, ref?: SourceRef, field?: Path): Finding {
  const rule = LINT_RULES.find((r) => r.code === code)!;
  return { code, severity: rule.severity, message, object, hint: rule.hint, ...(ref ? { ref } : {}), ...(field ? { field } : {}) };
}

/** Every finding whose code is not disabled, by file, then object, then code. */
export function lint(a: LintInput, disabled: ReadonlySet<string> = new Set()): Finding[] {
  const model = modelChecks(a.inventory, a.engine, a.gateways);
  const engine = engineChecks(a, model);
  const all = [...model, ...engine].filter((f) => !disabled.has(f.code));
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return all.sort((x, y) => cmp(x.ref?.file ?? "", y.ref?.file ?? "") || (x.ref?.doc ?? 0) - (y.ref?.doc ?? 0) || cmp(x.object, y.object) || LINT_CODES.indexOf(x.code) - LINT_CODES.indexOf(y.code));
}

/** Whether a finding is at least as severe as `level`. */
export function atLeast(f: Finding, level: LintSeverity): boolean {
  return LINT_SEVERITIES.indexOf(f.severity) <= LINT_SEVERITIES.indexOf(level);
}
