// Turns each path of a host into rules: the main backend, and with a canary Ingress for the same
// path the ingress-nginx canary order, in Gateway API terms. A rule with one header match outranks
// the match-less base rule, and between header rules the first listed wins, so:
//   1. by header: H: always → canary, H: never → main (or H: <value> / H ~ <pattern> → canary);
//   2. by cookie: Cookie ~ "name=always" → canary, Cookie ~ "name=never" → main;
//   3. the base rule: main and canary weighted (total − weight, weight); with header or cookie
//      routing and no weight, the main backend alone.

import type { Canary } from "../../model/nginx.js";
import type { Contribution, HostGroup, PathEntry } from "./group.js";
import type { BackendRef, HeaderMatch, RuleIR } from "./ir.js";
import type { ConversionReport } from "./report.js";
import { escapeRegex } from "../../model/regex.js";

const CANARY_KEYS = ["canary", "canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie"];

export function groupRules(g: HostGroup, report: ConversionReport): RuleIR[] {
  return g.entries.flatMap((e) => entryRules(g, e, report));
}

function entryRules(g: HostGroup, e: PathEntry, report: ConversionReport): RuleIR[] {
  const where = `${e.match ? `path ${e.match.value}` : "the default backend"} of ${g.host ?? "every host"}`;
  const main = firstOf(e.mains, where, report);
  const canary = firstOf(e.canaries, where, report);
  if (!main) {
    if (canary) report.note(canary.ingress, "warning", `canary for ${where} ignored: no main Ingress serves it (ingress-nginx ignores it too)`);
    return [];
  }
  const matches = [{ path: e.match }];
  if (!canary) return [{ matches, filters: [], backends: [main.ref], source: main.ingress }];
  const c = canary.ingress.nginx.canary!;
  reportCanary(canary, report);
  for (const key of CANARY_KEYS) report.annotation(canary.ingress, key, "translated");
  const rule = (headers: HeaderMatch[], backends: BackendRef[]): RuleIR => ({ matches: [{ path: e.match, headers }], filters: [], backends, source: main.ingress });
  const out: RuleIR[] = [];
  for (const [header, to] of headerRules(c)) out.push(rule([header], [to === "canary" ? canary.ref : main.ref]));
  const weight = c.weight ?? 0;
  const userRouted = out.length > 0;
  const base = userRouted && weight === 0 ? [main.ref] : [{ ...main.ref, weight: c.weightTotal - weight }, { ...canary.ref, weight }];
  out.push({ matches, filters: [], backends: base, source: main.ingress });
  return out;
}

const REGEX_NOTE = "as a RegularExpression header match; Gateway API implementations support regular-expression header matches at their discretion";

function reportCanary({ ingress, ingress: { nginx: { canary: c } } }: Contribution, report: ConversionReport): void {
  if (c?.cookie) report.annotation(ingress, "canary-by-cookie", "translated", `${REGEX_NOTE} (Gateway API has no cookie match: the Cookie header is matched)`);
  if (c?.headerPattern && c.headerValue) report.annotation(ingress, "canary-by-header-pattern", "ignored", "canary-by-header-value takes precedence, as in ingress-nginx");
  else if (c?.headerPattern) report.annotation(ingress, "canary-by-header-pattern", "translated", REGEX_NOTE);
  if (c && !c.header && (c.headerValue || c.headerPattern)) {
    for (const k of ["canary-by-header-value", "canary-by-header-pattern"]) report.annotation(ingress, k, "ignored", "needs canary-by-header");
  }
}

/** The first contribution; the others are reported as shadowed, as ingress-nginx keeps only one. */
function firstOf(list: Contribution[], where: string, report: ConversionReport): Contribution | undefined {
  const [first, ...rest] = list;
  for (const other of rest) {
    const what = other.ingress === first.ingress ? "is given twice" : `is also defined by Ingress ${first.ingress.namespace}/${first.ingress.name}, which wins`;
    report.note(other.ingress, "warning", `${where} ${what}; backend ${other.ref.name} is not used`);
  }
  return first;
}

/** The header matches of the canary, in ingress-nginx's order, and where each one sends. */
export function headerRules(c: Canary): [HeaderMatch, "canary" | "main"][] {
  const out: [HeaderMatch, "canary" | "main"][] = [];
  if (c.header && c.headerValue) out.push([{ name: c.header, value: c.headerValue }, "canary"]);
  // ingress-nginx searches the value (PCRE, unanchored); Gateway API regular expressions match the whole value.
  else if (c.header && c.headerPattern) out.push([{ name: c.header, value: `.*(?:${c.headerPattern}).*`, type: "RegularExpression" }, "canary"]);
  else if (c.header) out.push([{ name: c.header, value: "always" }, "canary"], [{ name: c.header, value: "never" }, "main"]);
  if (c.cookie) out.push([cookieMatch(c.cookie, "always"), "canary"], [cookieMatch(c.cookie, "never"), "main"]);
  return out;
}

/** A Cookie header that carries `name=value` (Gateway API has no cookie match; a regular expression of the whole header stands in). */
export function cookieMatch(name: string, value: string): HeaderMatch {
  const esc = escapeRegex(name);
  return { name: "Cookie", value: `(.*;\\s*)?${esc}=${value}(;.*)?`, type: "RegularExpression" };
}
