// junction validate: read everything and report every problem, as an API server would.

import { formatDiagnostic, formatPath } from "../../model/source.js";
import { loadPaths, type Loaded } from "../../sources/load.js";
import { clusterOf, loadSources } from "../cluster.js";
import { EXIT, InputError, UsageError, type Command } from "../command.js";
import { INPUT_OPTIONS, filePaths, notes, readOptions, outputFormat, outputOption, printOutput } from "../inputs.js";

/** What `validate -o json` prints (and GET /api/v1/diagnostics serves); messages were capped as Diagnostics.add took them. */
export function validationDocument(loaded: Loaded) {
  const diags = loaded.diagnostics.items;
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  const inv = loaded.inventory;
  const counts = {
    files: loaded.files, objects: loaded.objects, namespaces: inv.namespaces.size,
    pods: inv.endpoints.filter((e) => e.kind === "pod").length, workloads: inv.endpoints.filter((e) => e.kind === "workload").length,
    nodes: inv.endpoints.filter((e) => e.kind === "node").length, services: inv.services.length, networks: inv.networks.length,
    policies: inv.policies.length, ingresses: inv.ingress.ingresses.length, openshiftRoutes: inv.ingress.routes.length,
  };
  return { valid: errors === 0, errors, warnings, counts, diagnostics: diags.map((d) => ({ ...d, ref: undefined, file: d.ref?.file, field: d.field ? formatPath(d.field) : undefined })) };
}

export const validateCommand: Command = {
  name: "validate",
  summary: "Validate manifests as the API server would; report every error with file, line and field.",
  usage: "junction validate -f PATH [-o table|json|yaml]",
  description: "Exit status: 0 when the input is valid (warnings allowed), 1 when it has errors, 2 on usage errors. --lenient does not change the verdict: validate reports what the API server would refuse as errors.",
  options: { ...INPUT_OPTIONS, ...outputOption(["table", "json", "yaml"], "table") },
  examples: ["junction validate -f examples/shop", "kubectl get netpol,anp,banp -A -o yaml | junction validate -f -"],
  run(values, _pos, io) {
    const paths = filePaths(values), cluster = clusterOf(values);
    if (paths.length === 0 && !cluster) throw new UsageError("no input: give at least one -f PATH, or a cluster (--kubeconfig, --context, -A)");
    const options = readOptions(values);
    const loaded = cluster ? loadSources(paths, io, cluster, options) : loadPaths(paths, io.stdin, options);
    // Input that cannot be read at all (syntax, encoding, size) ends the command, each error with its file and line;
    // notes with an input- code (files skipped in a folder) do not.
    const unreadable = loaded.diagnostics.items.filter((d) => d.severity === "error" && d.code.startsWith("input-"));
    if (unreadable.length) throw new InputError(unreadable.map(formatDiagnostic).join("\n"));
    const diags = loaded.diagnostics.items;
    const doc = validationDocument(loaded);
    const { errors, warnings, counts } = doc;
    if (outputFormat(values) !== "table") {
      printOutput(io, values, () => doc, () => "");
    } else {
      for (const d of diags.filter((d) => d.severity !== "info")) io.out(`${d.severity}: ${formatDiagnostic(d)}\n`);
      if (values.quiet !== true) for (const n of notes(loaded, diags)) io.out(`note: ${n}\n`);
      const summary = Object.entries(counts).map(([k, v]) => `${v} ${k === "openshiftRoutes" ? "openshift routes" : k}`).join(", ");
      io.out(`${errors === 0 ? "valid" : "invalid"}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"} (${summary})\n`);
    }
    return errors === 0 ? EXIT.ok : EXIT.failed;
  },
};
