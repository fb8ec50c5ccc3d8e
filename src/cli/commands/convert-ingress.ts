// junction convert ingress: Ingress (with ingress-nginx annotations) → Gateway API objects, with a
// per-Ingress report of what was and was not translated.

import { writeNewFile } from "../outputs.js";
import { ingressClassOf } from "../../model/nginx-controller.js";
import { didYouMean } from "../../model/suggest.js";
import { formatDiagnostic } from "../../model/source.js";
import { lowerIngresses } from "../../sources/ingress/lower.js";
import type { IngressReport } from "../../sources/ingress/report.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { where } from "../../targets/names.js";
import { loadFiles, type Loaded } from "../../sources/load.js";
import { deriveRequests, summarize, verifyConversion, withConvertedRoutes } from "../../analyze/ingress-verify.js";
import { GatewayEngine } from "../../engine/gateway/engine.js";
import { INGRESS_CLASS_GATEWAYS } from "../../sources/ingress/lower.js";
import { renderTable } from "../../targets/table.js";
import { EXIT, InputError, UsageError, list, str, type Command, type Io, type Values } from "../command.js";
import { INPUT_OPTIONS, loadInputs, outputOption, printOutput } from "../inputs.js";

export const convertIngressCommand: Command = {
  name: "ingress",
  summary: "Convert Ingresses (and their ingress-nginx annotations) to Gateway API.",
  usage: "junction convert ingress -f PATH [--ingress-class NAME] [-o yaml|json|table] [--report FILE] [--strict] [--verify]",
  description: [
    "One Gateway per (namespace, Ingress class), one HTTPRoute (GRPCRoute for backend-protocol GRPC) per host,",
    "listeners per host (HTTPS where spec.tls names a secret). ingress-nginx annotations are translated as",
    "ingress-nginx means them: canary (weight, header, header value or pattern, cookie), ssl-redirect (on by",
    "default for hosts with TLS), permanent/temporal redirects, app-root, rewrite-target, use-regex,",
    "backend-protocol, upstream-vhost, CORS, timeouts, ssl-passthrough, from-to-www-redirect.",
    "Every annotation that is not translated is reported on stderr (and in --report) for its Ingress.",
    "--verify routes requests derived from every Ingress rule (each path, a sub-path, canary headers and cookies,",
    "default backends, HTTPS for TLS hosts, two labels under a wildcard) through the Ingresses and through the",
    "converted objects, and prints the comparison instead of the objects.",
    "Exit status: 0 converted (and verified), 1 with --strict when something was not translated, or with --verify",
    "when some request is answered differently, 2 invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    output: { ...outputOption(["yaml", "json", "table"], "yaml").output, default: undefined, description: "output format (default: yaml; with --verify, table)" },
    "ingress-class": { type: "string", arg: "NAME", description: "convert only Ingresses of this class (class-less ones count as the default IngressClass's)" },
    "gateway-class": { type: "string", arg: "NAME", description: "gatewayClassName of the Gateways (default: the Ingress class name)" },
    report: { type: "string", arg: "FILE", description: "also write the per-Ingress report as JSON to FILE (which must not exist)" },
    strict: { type: "boolean", description: "exit 1 when an annotation or feature could not be translated" },
    verify: { type: "boolean", description: "route requests derived from the Ingresses before and after conversion; print the differences (exit 1 if any)" },
  },
  examples: [
    "junction convert ingress -f examples/ingress",
    "junction convert ingress -f ingresses.yaml --ingress-class nginx -o json --report \"$out/report.json\"",
    "junction convert ingress -f examples/ingress --verify",
  ],
  run(values, _pos, io) {
    const loaded = loadInputs(values, io);
    const ingressClass = str(values, "ingress-class");
    const ingresses = loaded.inventory.ingress.ingresses;
    if (!ingresses.length) throw new InputError(`no Ingress in the input (${list(values, "file").join(", ")}): nothing to convert`);
    const ofClass = ingresses.filter((i) => ingressClass === undefined || ingressClassOf(i, loaded.inventory) === ingressClass);
    if (!ofClass.length) {
      const found = [...new Set(ingresses.map((i) => ingressClassOf(i, loaded.inventory) ?? "(no class)"))];
      throw new InputError(`no Ingress of class ${JSON.stringify(ingressClass)} in the input (classes found: ${found.join(", ")})${didYouMean(ingressClass!, found)}`);
    }
    const result = lowerIngresses(loaded.inventory, { scope: "namespace", ingressClass, gatewayClass: str(values, "gateway-class"), unknownRisk: "admit" });
    // With --ingress-class the report is about that class's Ingresses; the others are counted once.
    const picked = new Set(ofClass.map((i) => `${i.namespace}/${i.name}`));
    const leftOut = ingresses.length - ofClass.length;
    if (ingressClass !== undefined) {
      result.reports = result.reports.filter((r) => picked.has(`${r.namespace}/${r.name}`));
      if (leftOut && values.quiet !== true) io.err(`note: --ingress-class ${ingressClass}: ${leftOut} Ingress${leftOut === 1 ? "" : "es"} of other classes (or without one) left out\n`);
    }
    if (result.errors.length) {
      loaded.locator.resolve(result.errors);
      throw new InputError(`cannot convert:\n${result.errors.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`);
    }
    for (const w of result.warnings) io.err(`warning: ${w}\n`);
    const incomplete = printReport(result.reports, loaded, io, values.quiet === true) || result.warnings.length > 0;
    writeReport(values, result.reports, loaded, io);
    const objects = [...result.gateways, ...result.routes, ...result.backendTlsPolicies].map((o) => o.manifest);
    if (str(values, "output") === "table" && values.verify !== true) throw new UsageError("-o table shows the comparison of --verify; the converted objects are yaml or json");
    if (values.verify === true) return verify(loaded, result.reports, objects, values, io) || (values.strict === true && incomplete ? EXIT.failed : EXIT.ok);
    io.out(str(values, "output") === "json"
      ? renderJson({ apiVersion: "v1", kind: "List", items: objects })
      : objects.map((o) => renderYaml(o)).join("---\n"));
    return values.strict === true && incomplete ? EXIT.failed : EXIT.ok;
  },
};

/** One stderr line per untranslated annotation or note; returns whether anything was not translated or approximated. */
function printReport(reports: readonly IngressReport[], loaded: Loaded, io: Io, quiet: boolean): boolean {
  let incomplete = false;
  for (const r of reports) {
    const at = r.src ? ` (${where(r.src.file, loaded.locator.lineOf(r.src))})` : "";
    const head = `Ingress ${r.namespace}/${r.name}${at}`;
    for (const n of r.notes) {
      if (n.severity !== "info") incomplete = true;
      if (n.severity !== "info" || !quiet) io.err(`${n.severity === "info" ? "note" : n.severity}: ${head}: ${n.message}\n`);
    }
    for (const a of r.annotations) {
      if (a.status === "not-translated") { incomplete = true; io.err(`warning: ${head}: ${a.key} not translated: ${a.message}\n`); }
      else if (!quiet && a.message) io.err(`note: ${head}: ${a.key} ${a.status}: ${a.message}\n`);
    }
  }
  return incomplete;
}

function writeReport(values: Values, reports: readonly IngressReport[], loaded: Loaded, io: Io): void {
  const file = str(values, "report");
  if (!file) return;
  const data = reports.map(({ src, ...r }) => ({ ...r, file: src?.file, line: src ? loaded.locator.lineOf(src) : undefined }));
  writeNewFile("--report", file, io.cwd, renderJson({ ingresses: data }));
}

/** Routes the derived requests before and after; prints the comparison; returns 1 when some differ. */
function verify(loaded: Loaded, reports: readonly IngressReport[], objects: unknown[], values: Values, io: Io): number {
  const converted = loadFiles([{ name: "<converted>", text: objects.map((o) => renderYaml(o)).join("---\n") }]);
  if (converted.diagnostics.hasErrors) {
    throw new InputError(`the converted objects do not read back as valid Gateway API:\n${converted.diagnostics.errors.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`);
  }
  const inv = loaded.inventory;
  const done = new Set(reports.filter((r) => r.converted).map((r) => `${r.namespace}/${r.name}`));
  const requests = deriveRequests(inv.ingress.ingresses.filter((i) => done.has(`${i.namespace}/${i.name}`)), inv.ingress.classes);
  const results = verifyConversion(new GatewayEngine(inv), new GatewayEngine(withConvertedRoutes(inv, converted.inventory.routing)), requests, (cls) => `${INGRESS_CLASS_GATEWAYS}/${cls}`);
  const differ = results.filter((r) => !r.same).length;
  if ((str(values, "output") ?? "table") !== "table") printOutput(io, values, () => ({ requests: results.length, differ, results }), () => "");
  else {
    const rows = results.map((r) => [r.same ? "same" : "DIFFERENT", r.request, r.from, summarize(r.ingress), summarize(r.gatewayApi)]);
    io.out(renderTable(["RESULT", "REQUEST", "INGRESS", "BEFORE (Ingress)", "AFTER (Gateway API)"], rows));
    io.out(`\n${results.length} request${results.length === 1 ? "" : "s"} derived from ${done.size} Ingress${done.size === 1 ? "" : "es"}: ${differ ? `${differ} answered differently after conversion` : "every answer is the same after conversion"}\n`);
  }
  return differ ? EXIT.failed : EXIT.ok;
}
