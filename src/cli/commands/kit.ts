// junction kit: manifests a provider deploys, generated and verified with the engine before printing.
// kit default-restrictions: SCS-0219's default restrictions (metadata blocked, namespaces isolated).

import { loadFiles } from "../../sources/load.js";
import { PolicyEngine } from "../../engine/verdict.js";
import { metadataBlocked, namespacesIsolated, podsOf, probeManifests, type RestrictionCheck } from "../../analyze/restrictions.js";
import { RESTRICTION_STYLES, defaultRestrictions, kyvernoGenerated, type RestrictionStyle } from "../../targets/restrictions.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { EXIT, InputError, UsageError, list, str, type Command } from "../command.js";
import { outputFormat, outputOption } from "../inputs.js";

/** Namespaces the verification adds when fewer than two are given (a cross-namespace check needs two). */
const VERIFY_NAMESPACES = ["junction-verify-a", "junction-verify-b"];
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const defaultRestrictionsCommand: Command = {
  name: "default-restrictions",
  summary: "Generate SCS-0219's default restrictions (metadata blocked, namespaces isolated), verified with the engine.",
  usage: "junction kit default-restrictions [--namespaces NS,...] [--style networkpolicy|kyverno|cnp|anp] [--priority N] [-o yaml|json]",
  description: [
    "Blocks 169.254.169.254 (the cloud metadata address) for every pod and denies ingress from other namespaces by",
    "default, as a provider deploys it:",
    "  networkpolicy: per namespace a NetworkPolicy default-restrictions (ingress from the namespace itself; egress",
    "    to every pod and every address but 169.254.169.254); namespace owners widen it with their own policies;",
    "  kyverno: a Kyverno ClusterPolicy generating that NetworkPolicy in every namespace, existing and new, but",
    "    kube-system, kube-public and kube-node-lease (--namespaces is not needed);",
    "  cnp: ClusterNetworkPolicies (policy.networking.k8s.io/v1alpha2): the metadata block in the Admin tier, per",
    "    namespace a Baseline-tier default that NetworkPolicies override;",
    "  anp: AdminNetworkPolicies (v1alpha1): the metadata block and per namespace Pass from itself, Deny from the",
    "    others; NetworkPolicies cannot open cross-namespace traffic then (AdminNetworkPolicies of higher priority can).",
    "Before printing, the output is loaded with probe pods in each namespace (two more namespaces when fewer than",
    "two are given) and the engine must find: no probe reaches 169.254.169.254, no probe reaches one of another",
    "namespace, every probe reaches the other probe of its namespace. Exit status: 0, 1 when the verification fails",
    "(nothing is printed), 2 on invalid usage.",
  ].join("\n"),
  options: {
    namespaces: { type: "string", multiple: true, arg: "NS,...", description: "the namespaces to restrict (comma-separated or repeated)" },
    style: { type: "string", arg: "STYLE", choices: RESTRICTION_STYLES, default: "networkpolicy", description: "the API the restrictions are written in" },
    priority: { type: "string", arg: "N", default: "10", description: "the priority of the cnp and anp styles' policies (0-1000)" },
    ...outputOption(["yaml", "json"], "yaml"),
  },
  examples: [
    "junction kit default-restrictions --namespaces shop,payments",
    "junction kit default-restrictions --style kyverno",
    "junction kit default-restrictions --style cnp --namespaces team-a,team-b | kubectl apply -f -",
  ],
  run(values, _pos, io) {
    const style = str(values, "style") as RestrictionStyle;
    const namespaces = [...new Set(list(values, "namespaces").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean))];
    const bad = namespaces.find((n) => !NAME.test(n));
    if (bad !== undefined) throw new UsageError(`--namespaces: ${JSON.stringify(bad)} is not a namespace name`);
    if (!namespaces.length && style !== "kyverno") throw new UsageError(`--style ${style} needs --namespaces NS,...`);
    const priority = Number(str(values, "priority"));
    if (!Number.isInteger(priority) || priority < 0 || priority > 1000) throw new UsageError("--priority: an integer from 0 to 1000");
    const objects = defaultRestrictions(style, namespaces, priority);
    const failed = verify(style, namespaces, priority);
    if (failed.length) {
      io.err(`junction kit default-restrictions: the generated ${style} policies do not verify:\n${failed.map((f) => `  ${f}\n`).join("")}`);
      return EXIT.failed;
    }
    io.out(outputFormat(values) === "json" ? renderJson({ apiVersion: "v1", kind: "List", items: objects }) : objects.map((o) => renderYaml(o)).join("---\n"));
    return EXIT.ok;
  },
};

/** The failures of the style's policies on probe pods, as the engine decides them. */
export function verify(style: RestrictionStyle, namespaces: readonly string[], priority: number): string[] {
  const all = namespaces.length >= 2 ? namespaces : [...namespaces, ...VERIFY_NAMESPACES.slice(0, 2 - namespaces.length)];
  const policies = style === "kyverno" ? kyvernoGenerated(all) : defaultRestrictions(style, all, priority);
  const loaded = loadFiles([{ name: "<generated>", text: policies.map((o) => renderYaml(o)).join("---\n") }, { name: "<probes>", text: probeManifests(all) }]);
  if (loaded.diagnostics.hasErrors) throw new InputError(`the generated policies are invalid: ${loaded.diagnostics.errors[0].message}`);
  const engine = new PolicyEngine(loaded.inventory);
  const probes = podsOf(loaded.inventory, true);
  const checks: RestrictionCheck[] = [metadataBlocked(engine, probes), namespacesIsolated(engine, probes, true)];
  return checks.flatMap((c) => (c.passed ? [] : c.failures.length ? c.failures : ["nothing was checked"]));
}

export const kitCommand: Command = {
  name: "kit",
  summary: "Manifests a provider deploys, generated and verified with the engine (default-restrictions).",
  usage: "junction kit default-restrictions [options]",
  options: {},
  subcommands: [defaultRestrictionsCommand],
  run: () => EXIT.invalid,
};
