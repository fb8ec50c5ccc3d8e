// junction test: connectivity assertions checked against the engine.

import { readTextFile } from "../../sources/read.js";
import { formatDiagnostic, type LineLookup } from "../../model/source.js";
import { evaluateExpectations } from "../../analyze/expectations.js";
import { readExpectations, type Expectation, type ExpectationsFile, type RequestExpectation } from "../../sources/expectations.js";
import { decisiveReason, requestTestResult, testResult, type RequestTestResult, type TestResult } from "../../targets/testresult.js";
import { answerData } from "../../targets/request.js";
import { applyMeshOptions, MESH_OPTIONS } from "../mesh-options.js";
import type { Analysis } from "../analysis.js";
import { routeResults } from "./route.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { renderTable } from "../../targets/table.js";
import { EXIT, InputError, UsageError, str, type Command, type Io } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, NAMESPACE_OPTION, loadAnalysis, outputOption } from "../inputs.js";
import type { PolicyEngine } from "../../engine/verdict.js";

export type { TestResult };

export const testCommand: Command = {
  name: "test",
  summary: "Check connectivity and request assertions against the policies.",
  usage: "junction test -f PATH --expect FILE [-o table|json|yaml]",
  description: [
    "FILE is a YAML or JSON list of {from, to, port, protocol, expect: allow|deny} (endpoints as in explain; -n NAMESPACE",
    "for names without one) and of request assertions {from, request: 'METHOD URL', headers?, expect: allow|deny|STATUS}:",
    "the pod `from` sends the request as 'junction route --from' does; allow means the backend answers it, deny that a",
    "layer denies or refuses it, a number the HTTP status. Results and errors number assertions from 1, with FILE:LINE.",
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
    ...MESH_OPTIONS,
  },
  examples: ["junction test -f examples/shop --expect examples/shop.expect.yaml", "junction test -f examples/mesh --expect examples/mesh.expect.yaml"],
  run(values, _pos, io) {
    const file = str(values, "expect");
    if (!file) throw new UsageError("--expect FILE is required");
    const { expectations, requests } = readExpectationFile(file, io);
    const a = loadAnalysis(values, io);
    applyMeshOptions(values, a.loaded.inventory);
    const results = checkExpectations(a.engine, expectations, a.lines, str(values, "namespace"));
    const answered = checkRequests(a, requests);
    const format = str(values, "output");
    if (format === "table") io.out(resultsTable(results, answered));
    else io.out((format === "json" ? renderJson : renderYaml)({ results, ...(answered.length ? { requests: answered } : {}) }));
    return [...results, ...answered].every((r) => r.pass) ? EXIT.ok : EXIT.failed;
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

/** Walks every request assertion (the pod `from` sends it). */
function checkRequests(a: Analysis, requests: RequestExpectation[]): RequestTestResult[] {
  const entries = requests.map((x) => ({ request: { ...x.request, from: x.from }, ...(x.name ? { name: x.name } : {}), ref: x.ref }));
  const answers = routeResults(a, entries, (i) => `${requests[i].ref.file} assertion ${requests[i].position}`);
  return answers.map((ans, i) => requestTestResult(requests[i], ans, answerData(ans, a.lines)));
}

function resultsTable(results: TestResult[], requests: RequestTestResult[]): string {
  const rows = results.map((r) =>
    [r.index, r.from, r.to, `${r.protocol}/${r.port}`, r.expect, r.verdict + (r.mixed ? " (mixed)" : ""), r.pass ? "ok" : "FAIL", decisiveReason(r)]);
  const failed = [...results, ...requests].filter((r) => !r.pass).length;
  const warnings = [...new Set(results.flatMap((r) => r.warnings))].map((w) => `warning: ${w}\n`).join("");
  const flows = rows.length ? renderTable(["#", "FROM", "TO", "PORT", "EXPECT", "VERDICT", "RESULT", "DECIDED BY"], rows) + warnings : "";
  const reqRows = requests.map((r) => [r.index, r.from, r.request, String(r.expect), r.status !== null ? String(r.status) : r.connection ? `connection ${r.connection}` : r.verdict, r.pass ? "ok" : "FAIL", `${r.decidedBy}: ${r.reason}`]);
  const reqs = reqRows.length ? `${flows ? "\n" : ""}${renderTable(["#", "FROM", "REQUEST", "EXPECT", "ANSWER", "RESULT", "DECIDED BY"], reqRows)}` : "";
  return flows + reqs + `\n${results.length + requests.length - failed} passed, ${failed} failed\n`;
}
