// The explanation panel: the verdict per pair and per direction (tier, policy, rule), with the
// deciding policy's source shown and its rule marked.

import { get, ApiError } from "./api.js";
import { $, el, message } from "./dom.js";
import type { GEdge } from "./graph.js";

interface Ref { kind?: string; name?: string; namespace?: string; file?: string; line?: number; index?: number; direction?: string }
interface Decision { direction: string; at: string; allowed: boolean; decidedBy: string; tier?: string; policy?: Ref; rule?: Ref; summary: string }
interface Pair { from: string; to: string; protocol: string; port: number; verdict: string; egress: Decision; ingress: Decision; warnings: string[] }

const panel = () => $("explain");

export async function explain(from: string, to: string, port: string, protocol: string): Promise<void> {
  if (!from || !to || !port) { message(panel(), "Give a source, a destination and a port."); return; }
  message(panel(), `Explaining ${from} → ${to} ${protocol}/${port}…`);
  try {
    const doc = await get<{ verdict: string; pairs: Pair[] }>("/api/v1/explain", { from, to, port, protocol });
    panel().replaceChildren(
      el("h2", {}, `${from} → ${to} ${protocol}/${port}: `, el("span", { class: `verdict-${doc.verdict}` }, doc.verdict === "allow" ? "allowed" : "denied")),
      ...doc.pairs.map(pairView),
    );
    for (const p of doc.pairs) for (const d of [p.egress, p.ingress]) if (d.rule?.file) void showSource(d.rule, `src-${d.direction}-${p.from}-${p.to}`);
  } catch (e) {
    message(panel(), e instanceof ApiError ? e.message : String(e), "verdict-deny");
  }
}

function pairView(p: Pair): HTMLElement {
  return el("div", { class: "pair" },
    el("p", {}, `${p.from} → ${p.to} ${p.protocol}/${p.port}: `, el("span", { class: `verdict-${p.verdict}` }, p.verdict)),
    directionView(p.egress, p), directionView(p.ingress, p),
    ...p.warnings.map((w) => el("p", { class: "sev-warning" }, `warning: ${w}`)));
}

function directionView(d: Decision, p: Pair): HTMLElement {
  const facts = [d.tier ? `tier: ${d.tier}` : "", d.policy ? `policy: ${d.policy.kind} ${d.policy.namespace ? `${d.policy.namespace}/` : ""}${d.policy.name}` : "",
    d.rule ? `rule: ${d.rule.direction} rule ${d.rule.index}${d.rule.file ? ` (${d.rule.file}${d.rule.line ? `:${d.rule.line}` : ""})` : ""}` : ""].filter(Boolean);
  return el("section", { class: "direction", "aria-label": `${d.direction} at ${d.at}` },
    el("h3", {}, `${d.direction} at ${d.at}: `, el("span", { class: d.allowed ? "verdict-allow" : "verdict-deny" }, d.allowed ? "allowed" : "denied")),
    el("p", {}, d.summary),
    facts.length ? el("ul", {}, ...facts.map((f) => el("li", {}, f))) : undefined,
    el("div", { id: `src-${d.direction}-${p.from}-${p.to}` }));
}

/** The rule's file (or cluster object), its lines numbered, the rule marked and scrolled to. */
async function showSource(rule: Ref, target: string): Promise<void> {
  const { text } = await get<{ text: string }>("/api/v1/source", { name: rule.file });
  const lines = text.split("\n");
  const start = (rule.line ?? 1) - 1;
  // The rule is its list item: the lines indented deeper than its "- ".
  const lead = (s: string) => s.length - s.trimStart().length;
  let end = start + 1;
  while (end < lines.length && lines[end].trim() !== "" && lead(lines[end]) > lead(lines[start])) end++;
  const pre = el("pre", { class: "source", tabindex: "0", "aria-label": `source of the deciding rule, ${rule.file} line ${rule.line}` },
    ...lines.map((l, i) => el("span", { "data-line": String(i + 1), ...(i >= start && i < end ? { class: "rule" } : {}) }, l)));
  const box = document.getElementById(target);
  if (!box) return;
  box.replaceChildren(el("p", { class: "hint" }, `${rule.file}:${rule.line}`), pre);
  const first = pre.querySelector("span.rule") as HTMLElement | null;
  if (first) pre.scrollTop = Math.max(0, first.offsetTop - pre.offsetTop - 40);
}

/** The first port an edge allows (explaining it explains the edge). */
export function firstPort(e: GEdge): { port: string; protocol: string } {
  const c = e.connections[0];
  return { port: String(c?.ports[0]?.from ?? ""), protocol: c?.protocol ?? "TCP" };
}
