// junction test: connectivity assertions checked against the engine.

import { readTextFile } from "../../sources/read.js";
import { formatDiagnostic, type LineLookup } from "../../model/source.js";
import { evaluateExpectations } from "../../analyze/expectations.js";
import { readExpectations, type Expectation, type ExpectationsFile } from "../../sources/expectations.js";
import { decisiveReason, testResult, type TestResult } from "../../targets/testresult.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { renderTable } from "../../targets/table.js";
import { EXIT, InputError, UsageError, str, type Command, type Io } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, NAMESPACE_OPTION, loadEngine, outputOption } from "../inputs.js";
import type { PolicyEngine } from "../../engine/verdict.js";

export type { TestResult };

export const testCommand: Command = {
  name: "test",
  summary: "Check connectivity assertions against the policies.",
  usage: "junction test -f PATH --expect FILE [-o table|json|yaml]",
  description: [
    "FILE is a YAML or JSON list of {from, to, port, protocol, expect: allow|deny} (endpoints as in explain; -n NAMESPACE",
    "for names without one). Results and errors number assertions from 1, with FILE:LINE.",
    "An assertion on a workload or Service with several pods holds for allow only if every pod pair is allowed,",
    "and for deny only if none is.",
    "Exit status: 0 when all assertions hold, 1 when any does not, 2 on invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    expect: { type: "string", short: "e", arg: "FILE", description: "assertions file" },
    ...NAMESPACE_OPTION,
    ...outputOption(["table", "json", "yaml"], "table"),
    ...ENGINE_OPTIONS,
  },
  examples: ["junction test -f examples/shop --expect examples/shop.expect.yaml"],
  run(values, _pos, io) {
    const file = str(values, "expect");
    if (!file) throw new UsageError("--expect FILE is required");
    const { expectations, requests } = readExpectationFile(file, io);
    if (requests.length) throw new InputError(`${file}: request assertions (${requests.length}) need the request walk, which this build does not have yet`);
    const { loaded, engine } = loadEngine(values, io);
    const results = checkExpectations(engine, expectations, loaded.locator.lineOf.bind(loaded.locator), str(values, "namespace"));
    const format = str(values, "output");
    if (format === "table") io.out(resultsTable(results));
    else io.out((format === "json" ? renderJson : renderYaml)({ results }));
    return results.every((r) => r.pass) ? EXIT.ok : EXIT.failed;
  },
};

/** The flow and request assertions of a file. */
export function readExpectationFile(path: string, io: Io): Pick<ExpectationsFile, "expectations" | "requests"> {
  let text: string;
  try { text = path === "-" ? io.stdin() : readTextFile(path); }
  catch (e) { throw new InputError(path === "-" ? `stdin: ${(e as Error).message}` : (e as Error).message); }
  const parsed = readExpectations({ name: path, text });
  if (parsed.diagnostics.hasErrors) throw new InputError(parsed.diagnostics.errors.map(formatDiagnostic).join("\n"));
  return { expectations: parsed.expectations, requests: parsed.requests };
}

/** Evaluates every assertion; endpoints that do not resolve are reported together (exit 2). */
export function checkExpectations(engine: PolicyEngine, expectations: Expectation[], lines: LineLookup, namespace?: string): TestResult[] {
  const { checked, problems } = evaluateExpectations(engine, expectations, namespace);
  if (problems.length) throw new InputError(problems.join("\n"));
  return checked.map((c) => testResult(c, lines));
}

function resultsTable(results: TestResult[]): string {
  const rows = results.map((r) =>
    [r.index, r.from, r.to, `${r.protocol}/${r.port}`, r.expect, r.verdict + (r.mixed ? " (mixed)" : ""), r.pass ? "ok" : "FAIL", decisiveReason(r)]);
  const failed = results.filter((r) => !r.pass).length;
  const warnings = [...new Set(results.flatMap((r) => r.warnings))].map((w) => `warning: ${w}\n`).join("");
  return renderTable(["#", "FROM", "TO", "PORT", "EXPECT", "VERDICT", "RESULT", "DECIDED BY"], rows) + warnings +
    `\n${results.length - failed} passed, ${failed} failed\n`;
}
