// junction lint: what in the policies, routes and Ingresses is wrong or pointless, as findings with a
// stable code, severity, file:line, object and hint (table, json, yaml, SARIF 2.1.0).

import { LINT_CODES, LINT_RULES, LINT_SEVERITIES, atLeast, lint, type LintSeverity } from "../../analyze/lint.js";
import { lintDocument, lintSarif, lintTable, locate } from "../../targets/lint.js";
import { renderJson } from "../../targets/data.js";
import { EXIT, UsageError, list, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, loadAnalysis, outputFormat, outputOption, printOutput } from "../inputs.js";
import { VERSION } from "../version.js";

export const lintCommand: Command = {
  name: "lint",
  summary: "Find what is wrong or pointless in the policies, routes and Ingresses (table, json, yaml, SARIF).",
  usage: "junction lint -f PATH [-o table|json|yaml|sarif] [--disable CODE]... [--fail-on error|warning|note|never]",
  description: [
    "Each finding has a stable code, a severity, the file and line, the object and a hint. Codes:",
    ...LINT_RULES.map((r) => `  ${r.code} (${r.severity}): ${r.summary}`),
    "rule-never-decides and policy-redundant are computed by the engines (every pair explained; the input analysed",
    "again without each policy), never guessed; on large inputs they take a while (--disable them to skip).",
    "-o sarif prints SARIF 2.1.0 for code-scanning integrations (GitHub code scanning reads it), with each result",
    "located at the input file and line.",
    "Exit status: 0, or 1 when a finding is at least as severe as --fail-on (default: error); 2 on invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    ...outputOption(["table", "json", "yaml", "sarif"], "table"),
    disable: { type: "string", multiple: true, arg: "CODE", description: "leave out findings of this code; repeatable" },
    "fail-on": { type: "string", arg: "SEVERITY", choices: [...LINT_SEVERITIES, "never"], default: "error", description: "exit 1 when a finding is at least this severe" },
    ...ENGINE_OPTIONS,
  },
  examples: ["junction lint -f examples/shop-v2", "junction lint -f deploy/ -o sarif", "junction lint -f deploy/ --disable workload-unprotected --fail-on warning"],
  run(values, _pos, io) {
    const disabled = list(values, "disable");
    const unknown = disabled.filter((c) => !LINT_CODES.includes(c));
    if (unknown.length) throw new UsageError(`--disable: unknown code${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")} (codes: ${LINT_CODES.join(", ")})`);
    const a = loadAnalysis(values, io);
    const findings = locate(lint({ inventory: a.inventory, engine: a.engine, connectivity: a.connectivity, gateways: a.gateways, options: engineOptions(values) }, new Set(disabled)), a.lines);
    if (outputFormat(values) === "sarif") io.out(renderJson(lintSarif(findings, VERSION)));
    else printOutput(io, values, () => lintDocument(findings), () => lintTable(findings));
    const failOn = str(values, "fail-on") as LintSeverity | "never";
    return failOn !== "never" && findings.some((f) => atLeast(f, failOn)) ? EXIT.failed : EXIT.ok;
  },
};
