// `list --explain`: every pair with its ports split into allowed and denied, and for each part the
// decision per direction. The text keeps np-guard's layout (explain_analysis.md: a banner, one block
// per pair "Connections between SRC => DST:" with "Allowed connections:" and "Denied connections:",
// then the pairs that only the system default allowed); the reasons are Junction's explain summaries.

import type { LineLookup } from "../model/source.js";
import { formatConns } from "../model/ports.js";
import type { ExplainedPair, Segment } from "../analyze/explain-all.js";
import { onlyDefault } from "../analyze/explain-all.js";
import { decisionData, type DecisionData } from "./explain.js";
import { connectionsData } from "./connlist.js";
import { partyLabel } from "./names.js";
import { formatRange } from "../model/ip.js";
import type { ListPeer } from "../analyze/connlist.js";

const RULE = "-".repeat(100);

function banner(title: string): string[] {
  const bar = "#".repeat(title.length + 4);
  return [bar, `# ${title} #`, bar];
}

export function renderExplainAll(pairs: readonly ExplainedPair[], lines: LineLookup): string {
  const specific = pairs.filter((p) => !onlyDefault(p)), byDefault = pairs.filter(onlyDefault);
  const out: string[] = [];
  if (specific.length) out.push(...banner("Specific connections and their reasons"));
  for (const p of specific) {
    out.push(RULE, `Connections between ${p.src.id} => ${p.dst.id}:`, "");
    for (const [allowed, title] of [[true, "Allowed connections:"], [false, "Denied connections:"]] as const) {
      const segs = p.segments.filter((s) => s.allowed === allowed);
      if (!segs.length) continue;
      out.push(title);
      for (const s of segs) out.push(...segmentText(p, s, lines), "");
    }
  }
  if (byDefault.length) {
    if (out.length) out.push("");
    out.push(...banner("All Connections due to the system default (Allow all)"), ...byDefault.map((p) => `${p.src.id} => ${p.dst.id}`));
  }
  return out.length ? out.join("\n") + "\n" : "";
}

function segmentText(p: ExplainedPair, s: Segment, lines: LineLookup): string[] {
  const verb = s.allowed ? "Allowed" : "Denied";
  const between = s.members ? ` (${memberNames(p.src, s.members.src)} => ${memberNames(p.dst, s.members.dst)})` : "";
  const e = decide(p, s, "egress", lines), i = decide(p, s, "ingress", lines);
  return [
    `\t${verb} ${formatConns(s.conns)}${between} due to:`,
    `\t\tEgress (${e.allowed ? "Allowed" : "Denied"}): ${e.summary}`,
    `\t\tIngress (${i.allowed ? "Allowed" : "Denied"}): ${i.summary}`,
    ...s.warnings.map((w) => `\t\twarning: ${w.message}`),
  ];
}

function decide(p: ExplainedPair, s: Segment, d: "egress" | "ingress", lines: LineLookup): DecisionData {
  const at = s.members ? (d === "egress" ? s.parties?.src : s.parties?.dst) : undefined;
  return decisionData(s[d], at ? partyLabel(at) : d === "egress" ? p.src.id : p.dst.id, lines);
}

/** Some members of a peer: pods (NAMESPACE/NAME) or the address ranges of an external peer; the first three and a count. */
function memberNames(peer: ListPeer, indexes: readonly number[]): string {
  if (indexes.length === peer.parties.length) return peer.id;
  const names = indexes.map((i) => { const r = peer.partRanges?.[i]; return r ? formatRange(r) : partyLabel(peer.parties[i]); });
  return names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
}

/** -o json|yaml: the same as data. */
export function explainAllDocument(pairs: readonly ExplainedPair[], lines: LineLookup): unknown {
  return pairs.map((p) => ({
    src: p.src.id, dst: p.dst.id, systemDefault: onlyDefault(p),
    segments: p.segments.map((s) => ({
      verdict: s.allowed ? "allow" : "deny", conn: formatConns(s.conns), connections: connectionsData(s.conns),
      ...(s.members ? { between: { src: memberNames(p.src, s.members.src), dst: memberNames(p.dst, s.members.dst) } } : {}),
      egress: decide(p, s, "egress", lines), ingress: decide(p, s, "ingress", lines),
      warnings: s.warnings.map((w) => w.message),
    })),
  }));
}
