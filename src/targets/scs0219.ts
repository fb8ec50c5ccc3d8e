// The SCS-0219 report: a table (decisions, then each decision's evidence) and Markdown.

import type { ScsDecision } from "../analyze/scs0219/report.js";
import { renderMarkdown, renderTable } from "./table.js";

const RESULT: Record<ScsDecision["result"], string> = { pass: "yes", fail: "NO", unknown: "unknown" };

export function scsTable(decisions: readonly ScsDecision[]): string {
  const rows = decisions.map((d) => [d.level, d.requirement, RESULT[d.result], d.summary]);
  const evidence = decisions.flatMap((d) => (d.evidence.length ? [`${d.id}:`, ...d.evidence.map((e) => `  ${e}`)] : []));
  return [renderTable(["LEVEL", "REQUIREMENT", "MET", "SUMMARY"], rows).trimEnd(), "", "Evidence:", ...evidence, ""].join("\n");
}

export function scsMarkdown(decisions: readonly ScsDecision[]): string {
  const rows = decisions.map((d) => [d.level, d.requirement, RESULT[d.result], d.summary, d.evidence.join("<br>")]);
  return `### SCS-0219 (KaaS networking)\n\n${renderMarkdown(["level", "requirement", "met", "summary", "evidence"], rows)}`;
}
