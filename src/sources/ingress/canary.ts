// Turns each path of a host into rules: the main backend, and with a canary Ingress for the same
// path the ingress-nginx canary order, in Gateway API terms. A rule with one header match outranks
// the match-less base rule, and between header rules the first listed wins, so:
//   1. by header: H: always → canary, H: never → main (or H: <value> / H ~ <pattern> → canary);
//   2. by cookie: Cookie ~ "name=always" → canary, Cookie ~ "name=never" → main;
//   3. the base rule: main and canary weighted (total − weight, weight); with header or cookie
//      routing and no weight, the main backend alone.

import type { Canary } from "../../model/nginx.js";
import { nginxIngressOrder } from "../../model/ingress.js";
import type { Contribution, HostGroup, PathEntry } from "./group.js";
import type { BackendRef, HeaderMatch, RuleIR } from "./ir.js";
import type { ConversionReport } from "./report.js";
import { escapeRegex, regexError, REGEX_SEMANTICS } from "../../model/regex.js";

const CANARY_KEYS = ["canary", "canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie"];

/**
 * ingress-nginx's canaries belong to upstreams, not to paths. An upstream is a Service port of a
 * namespace (controller.go upstreamName: "ns-svc-port"), shared by every location of every host that
 * names it. mergeAlternativeBackends, for each path of a canary Ingress, appends the canary's upstream to
 * the AlternativeBackends of the upstream of the host's location with the same path and pathType
 * (mergeAlternativeBackend), and when no location has it ("unable to find real backend for alternative
 * backend %v. Deleting.") deletes the canary's upstream. balancer.lua route_to_alternative_balancer then
 * reads `balancer.alternative_backends[1]` only, and a deleted one is "no alternative balancer": so
 *   - a canary of one path shapes every location whose backend is the same main upstream (other paths
 *     and other hosts of the class included);
 *   - a canary Ingress with a path that no main Ingress of its host has loses its canary everywhere;
 *   - of several canaries merged into one upstream, the first one merged decides.
 * The plan maps a main upstream (per class) to its canary: undefined for none.
 */
export interface CanaryPlan {
  alternative(g: HostGroup, main: Contribution): Contribution | undefined;
}

const upstreamOf = (g: HostGroup, c: Contribution) => JSON.stringify([g.className, c.ingress.namespace, c.ref.name, c.ref.port ?? ""]);

export function planCanaries(groups: readonly HostGroup[]): CanaryPlan {
  const merged = new Map<string, Contribution[]>();
  const deleted = new Set<string>();
  for (const g of groups) {
    // "cannot merge alternative backend %s into hostname %s that does not exist": no server, no deletion.
    if (!g.ingressNginx || !g.entries.some((e) => e.mains.length)) continue;
    for (const e of g.entries) {
      if (!e.match) continue; // the catch-all (spec.defaultBackend) merges into the default server: kept per entry below
      for (const c of e.canaries) {
        if (c.ref.kind) continue; // "does not contain a service backend": skipped
        const main = e.mains[0], alt = upstreamOf(g, c);
        if (!main || c.unmatched) { deleted.add(alt); continue; }
        const pri = upstreamOf(g, main);
        if (pri === alt) continue; // altEqualsPri: neither merged nor deleted
        const list = merged.get(pri) ?? [];
        if (!list.some((x) => upstreamOf(g, x) === alt)) list.push(c);
        merged.set(pri, list);
      }
    }
  }
  // getBackendServers merges the canary Ingresses in ingress-nginx's order (mergeAlternativeBackends per Ingress), whatever
  // the host or path: the first merged into an upstream is the Ingress first in that order.
  for (const list of merged.values()) list.sort((a, b) => nginxIngressOrder(a.ingress, b.ingress));
  return {
    alternative(g, main) {
      const first = merged.get(upstreamOf(g, main))?.[0];
      return first && !deleted.has(upstreamOf(g, first)) ? first : undefined;
    },
  };
}

export function groupRules(g: HostGroup, report: ConversionReport, plan?: CanaryPlan): RuleIR[] {
  return g.entries.flatMap((e) => entryRules(g, e, report, plan));
}

function entryRules(g: HostGroup, e: PathEntry, report: ConversionReport, plan: CanaryPlan | undefined): RuleIR[] {
  const where = `${e.match ? `path ${e.match.value}` : "the default backend"} of ${g.host ?? "every host"}`;
  const main = firstOf(e.mains, where, report);
  for (const u of e.canaries.filter((c) => c.unmatched && main)) {
    report.note(u.ingress, "warning", `canary for ${where} ignored: the main location has pathType ${main!.pathType}, the canary ${u.pathType} (ingress-nginx merges a canary into the location of the same path and pathType only, and deletes the canary's upstream ${u.ref.name}:${u.ref.port ?? ""}, so no other path of it is shaped either)`);
  }
  const own = firstOf(e.canaries.filter((c) => !c.unmatched || !main), where, report);
  if (!main) {
    if (own) report.note(own.ingress, "warning", `canary for ${where} ignored: no main Ingress serves it (ingress-nginx ignores it too${g.ingressNginx && e.match && !own.ref.kind ? `, and deletes the canary's upstream ${own.ref.name}:${own.ref.port ?? ""}, so no other path of it is shaped either` : ""})`);
    return [];
  }
  const perUpstream = g.ingressNginx && plan !== undefined && e.match !== undefined && !main.ref.kind && !own?.ref.kind; // resource backends: no upstream, kept per path
  const canary = perUpstream ? plan.alternative(g, main) : own;
  if (perUpstream && own && canary !== own && canary?.ref.name !== own.ref.name) {
    report.note(own.ingress, "warning", `canary for ${where} is not used: ingress-nginx shapes the upstream ${main.ref.name}:${main.ref.port ?? ""} with ${canary ? `${canary.ref.name} (Ingress ${canary.ingress.namespace}/${canary.ingress.name}), merged first` : "no canary (its upstream was deleted: a path of the canary Ingress has no main location)"}`);
  } else if (perUpstream && canary && !own) {
    report.note(canary.ingress, "warning", `canary ${canary.ref.name} also takes ${where}: ingress-nginx attaches a canary to the main upstream ${main.ref.name}:${main.ref.port ?? ""}, which that path uses too`);
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
  else if (c?.headerPattern && regexError(c.headerPattern, REGEX_SEMANTICS.nginx)) {
    report.annotation(ingress, "canary-by-header-pattern", "translated", `not a pattern PCRE compiles (${regexError(c.headerPattern, REGEX_SEMANTICS.nginx)}): ingress-nginx's balancer sends a request carrying the header to the main backend`);
  } else if (c?.headerPattern) report.annotation(ingress, "canary-by-header-pattern", "translated", REGEX_NOTE);
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
  // balancer.lua route_to_alternative_balancer: `local m, err = ngx.re.match(header, headerPattern) ... elseif err then
  // ... return false`: a pattern PCRE cannot compile sends every request carrying the header to the main backend,
  // before the cookie and the weight (e2e canary.go "should routes to mainline upstream when the given Regex causes error").
  else if (c.header && c.headerPattern && regexError(c.headerPattern, REGEX_SEMANTICS.nginx)) out.push([{ name: c.header, value: ".*", type: "RegularExpression" }, "main"]);
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
