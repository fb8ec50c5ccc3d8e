// Renderings of lint findings: a table for people, json/yaml data, and SARIF 2.1.0 (one run, the
// finding codes as the tool's rules, each result located at its file and line).

import { pathToFileURL } from "node:url";
import { isAbsolute } from "node:path";
import type { LineLookup } from "../model/source.js";
import { LINT_RULES, type Finding, type LintSeverity } from "../analyze/lint.js";
import { renderTable } from "./table.js";

/** A finding with its line resolved. */
export interface LocatedFinding extends Finding { file?: string; line?: number }

export function locate(findings: readonly Finding[], lines: LineLookup): LocatedFinding[] {
  return findings.map((f) => ({ ...f, ...(f.ref ? { file: f.ref.file, line: lines(f.ref, f.field ?? []) } : {}) }));
}

const where = (f: LocatedFinding) => (f.file ? `${f.file}${f.line ? `:${f.line}` : ""}` : "");

export function lintTable(findings: readonly LocatedFinding[]): string {
  if (!findings.length) return "No findings.\n";
  const rows = findings.map((f) => [f.severity, f.code, where(f), f.object, f.message]);
  const count = (s: LintSeverity) => findings.filter((f) => f.severity === s).length;
  const hints = [...new Set(findings.map((f) => f.code))].map((c) => `  ${c}: ${LINT_RULES.find((r) => r.code === c)!.hint}`);
  return [renderTable(["SEVERITY", "CODE", "LOCATION", "OBJECT", "MESSAGE"], rows).trimEnd(), "",
    `${count("error")} error(s), ${count("warning")} warning(s), ${count("note")} note(s). Hints:`, ...hints, ""].join("\n");
}

/** -o json|yaml. */
export function lintDocument(findings: readonly LocatedFinding[]): unknown {
  return {
    findings: findings.map((f) => ({ code: f.code, severity: f.severity, file: f.file ?? null, line: f.line ?? null, object: f.object, message: f.message, hint: f.hint })),
  };
}

/** A SARIF artifact URI: relative paths stay relative (forward slashes, escaped), absolute ones are file: URIs. */
function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(/[\\/]/).map(encodeURIComponent).join("/");
}

const SARIF_LEVEL: Record<LintSeverity, string> = { error: "error", warning: "warning", note: "note" };

export function lintSarif(findings: readonly LocatedFinding[], version: string): unknown {
  const ruleIndex = new Map(LINT_RULES.map((r, i) => [r.code, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "junction", version,
          rules: LINT_RULES.map((r) => ({
            id: r.code, shortDescription: { text: r.summary }, help: { text: r.hint },
            defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
          })),
        },
      },
      results: findings.map((f) => ({
        ruleId: f.code, ruleIndex: ruleIndex.get(f.code), level: SARIF_LEVEL[f.severity],
        message: { text: `${f.message}. ${f.hint}.` },
        locations: [{
          ...(f.file ? { physicalLocation: { artifactLocation: { uri: artifactUri(f.file) }, ...(f.line ? { region: { startLine: f.line } } : {}) } } : {}),
          logicalLocations: [{ fullyQualifiedName: f.object }],
        }],
      })),
    }],
  };
}
