// `list --explain`: every pair with its ports split into allowed and denied, and for each part the
// decision per direction. The text keeps np-guard's layout (explain_analysis.md: a banner, one block
// per pair "Connections between SRC => DST:" with "Allowed connections:" and "Denied connections:",
// then the pairs that only the system default allowed); the reasons are Junction's explain summaries.

import type { LineLookup } from "../model/source.js";
import { formatConns } from "../model/ports.js";
import type { ExplainedPair, Segment } from "../analyze/explain-all.js";
import { onlyDefault } from "../analyze/explain-all.js";
import { decisionData, type DecisionData } from "./explain.js";
import { connectionsData, sectionTitle } from "./connlist.js";
import { networkLabel, POD_NETWORK } from "../model/networks.js";
import { partyLabel } from "./names.js";
import { formatRange } from "../model/ip.js";
import type { ListPeer } from "../analyze/connlist.js";
import { append } from "../model/arrays.js";

const RULE = "-".repeat(100);

function banner(title: string): string[] {
  const bar = "#".repeat(title.length + 4);
  return [bar, `# ${title} #`, bar];
}

/** `where`: the network the pairs are on, added to the banners as np-guard does with multiple networks (" in pod-network"). */
export function renderExplainAll(pairs: readonly ExplainedPair[], lines: LineLookup, where = ""): string {
  const specific = pairs.filter((p) => !onlyDefault(p)), byDefault = pairs.filter(onlyDefault);
  const out: string[] = [];
  if (specific.length) out.push(...banner(`Specific connections and their reasons${where}`));
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
    append(out, banner(`All Connections due to the system default (Allow all)${where}`));
    append(out, byDefault.map((p) => `${p.src.id} => ${p.dst.id}`));
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
  return decisionData(s[d], at ? partyLabel(at) : d === "egress" ? p.src.id : p.dst.id, lines, at?.endpoint);
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

/** The pairs explained on one network of a per-network list. */
export interface NetworkExplained { network: string; pairs: ExplainedPair[] }

/**
 * np-guard's explanation with multiple networks: per network (in its section order) the banners
 * name the network ("... in pod-network", "... in primary UDN blue"), and a closing note says that
 * pairs on separate isolated networks are not listed. `named`: the input has user-defined or
 * secondary networks (an input whose only extra is VMs on the pod network prints no network names).
 */
export function renderNetworkExplain(sections: readonly NetworkExplained[], lines: LineLookup, named: boolean, isolatedPairs: boolean): string {
  const where = (n: string) => (named ? ` in ${n === POD_NETWORK ? POD_NETWORK : sectionTitle(n)}` : "");
  const text = sections.map((s) => renderExplainAll(s.pairs, lines, where(s.network))).filter(Boolean).join("\n");
  return text + (isolatedPairs ? "\n*** Note: Connections between any peers from separate isolated networks are denied by default and therefore not listed in this report.\n" : "");
}

/** -o json|yaml with multiple networks: the pairs of every network, each with its network's name. */
export function networkExplainDocument(sections: readonly NetworkExplained[], lines: LineLookup): unknown[] {
  return sections.flatMap((s) => (explainAllDocument(s.pairs, lines) as object[]).map((d) => ({ network: networkLabel(s.network), ...d })));
}
