// Regular expressions, read the way each API's data plane reads them. Every front end and engine
// compiles patterns here, never with `new RegExp` (JavaScript's dialect and its backtracking
// matcher are neither RE2 nor PCRE, and a hostile pattern could hang it).
//   re2   Gateway API (Envoy), Istio, Cilium, Calico: RE2 syntax, checked as Go's regexp checks it
//         (the controllers validate with it), matched by re2js in time linear in the input.
//   pcre  nginx (ingress-nginx): PCRE. Read as RE2 when RE2 accepts the pattern (the same answer
//         for that syntax, in linear time); otherwise (lookarounds, backreferences) with
//         JavaScript's engine under a time limit, and only with escapes both dialects read alike.

import { createRequire } from "node:module";
import { createContext, Script } from "node:vm";
import type * as Re2js from "re2js";

let re2lib: typeof Re2js | undefined;

/**
 * re2js, loaded when a first pattern is compiled: most inputs hold none, and importing it took 17-22 ms
 * of CPU at every command's start (docs/performance.md, "Start-up"). Only this module loads it, so its
 * CommonJS build (what `require` resolves) is the one copy.
 */
function re2(): typeof Re2js.RE2JS {
  return (re2lib ??= createRequire(import.meta.url)("re2js") as typeof Re2js).RE2JS;
}

export type RegexDialect = "re2" | "pcre";

/**
 * "full": the whole input must match (Envoy's safe_regex); "search": a match anywhere (patterns anchor
 * themselves); "first": the leftmost-first match must be the whole input (Linkerd's proxy).
 */
export type RegexAnchor = "full" | "search" | "first";

export interface RegexSemantics {
  dialect: RegexDialect;
  anchor: RegexAnchor;
}

/**
 * How each API matches: the one table the front ends and engines read.
 *   gatewayApi:   Envoy-based implementations (Envoy Gateway, Istio, Cilium, Contour): RE2 safe_regex,
 *                 a full match of the path without its query, of a header or query value, of a gRPC
 *                 service or method. (Gateway API leaves the dialect to the implementation.)
 *   ciliumHttp:   Cilium's Envoy filter matches `:path` (path and query), `:method` and `:authority`
 *                 as whole header values with RE2.
 *   istio:        StringMatch `regex`: RE2, the whole value (Envoy safe_regex).
 *   trafficPolicy: Junction's common API: RE2 over the whole path, as Cilium (its L7 back end) reads it.
 *   nginx:        ingress-nginx locations and canary header patterns: PCRE; the lowering writes the
 *                 anchoring into the pattern, so the match is over the whole value.
 *   linkerd:      Linkerd's proxy (Rust regex, RE2-like syntax) takes the leftmost-first match of a
 *                 path, header or query value and requires it to span the value (http/route match/).
 */
export const REGEX_SEMANTICS = {
  gatewayApi: { dialect: "re2", anchor: "full" },
  ciliumHttp: { dialect: "re2", anchor: "full" },
  istio: { dialect: "re2", anchor: "full" },
  trafficPolicy: { dialect: "re2", anchor: "full" },
  nginx: { dialect: "pcre", anchor: "full" },
  linkerd: { dialect: "re2", anchor: "first" },
} as const satisfies Record<string, RegexSemantics>;

/** Longer patterns are not compiled (re2js took 1.4 s and 250 MB for one of 1M characters, and did not finish one of 10M). */
export const MAX_PATTERN = 100_000;
/** Matching would cost more than this (program size × input length): refused rather than risk a hang. */
export const MATCH_BUDGET = 30_000_000;
/** JavaScript's backtracking engine (PCRE fallback only) gets this long per match. */
export const BACKTRACK_TIMEOUT_MS = 200;

/** A match that Junction refuses to run to the end (see MATCH_BUDGET, BACKTRACK_TIMEOUT_MS). */
export class RegexLimitError extends Error {
  constructor(readonly pattern: string, why: string) {
    super(`regular expression ${JSON.stringify(pattern)}: ${why}`);
    this.name = "RegexLimitError";
  }
}

export interface CompiledRegex {
  readonly source: string;
  readonly semantics: RegexSemantics;
  /** Which engine runs it: "re2" (linear) or "backtracking" (PCRE-only syntax, time-limited). */
  readonly engine: "re2" | "backtracking";
  /** Throws RegexLimitError when the match would take too long. */
  test(input: string): boolean;
  /**
   * The groups of the leftmost match anywhere in `input` (0: the whole match; a group that took no part: ""), or
   * undefined when nothing matches (the "search" reading, whatever the semantics' anchor: nginx's `rewrite`).
   * Throws RegexLimitError when the match would take too long.
   */
  exec(input: string): string[] | undefined;
}

export type RegexResult = { ok: true; regex: CompiledRegex } | { ok: false; error: string };

const cache = new Map<string, RegexResult>();
const CACHE_LIMIT = 10_000;

/** Compiles `source` for an API (see REGEX_SEMANTICS); compiled patterns are cached. */
export function compileRegex(source: string, semantics: RegexSemantics): RegexResult {
  const key = `${semantics.dialect}|${semantics.anchor}|${source}`;
  let r = cache.get(key);
  if (!r) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    r = source.length > MAX_PATTERN ? { ok: false, error: `a pattern of ${source.length} characters: Junction compiles at most ${MAX_PATTERN} (Envoy refuses a program of more than 100 instructions by default; Go's regexp, "expression too large", from some 3M)` }
      : semantics.dialect === "re2" ? compileRe2(source, semantics) : compilePcre(source, semantics);
    cache.set(key, r);
  }
  return r;
}

/** Why `source` is not a valid pattern for the API, or undefined. */
export function regexError(source: string, semantics: RegexSemantics): string | undefined {
  const r = compileRegex(source, semantics);
  return r.ok ? undefined : r.error;
}

/**
 * Whether `input` matches; an invalid pattern matches nothing (front ends report it where the
 * controller does). Throws RegexLimitError when the match would take too long.
 */
export function regexMatches(source: string, semantics: RegexSemantics, input: string): boolean {
  const r = compileRegex(source, semantics);
  return r.ok && r.regex.test(input);
}

function compileRe2(source: string, semantics: RegexSemantics): RegexResult {
  let re: Re2js.RE2JS;
  try { re = re2().compile(source); } catch (e) { return { ok: false, error: re2Message(e) }; }
  const size = re.programSize();
  const test = (input: string): boolean => {
    if (size * input.length > MATCH_BUDGET) throw new RegexLimitError(source, `matching a ${input.length}-character value would exceed Junction's matching budget (program size ${size})`);
    if (semantics.anchor === "first") { const m = re.matcher(input); return m.find() && m.start() === 0 && m.end() === input.length; }
    return semantics.anchor === "full" ? re.testExact(input) : re.test(input);
  };
  const exec = (input: string): string[] | undefined => {
    if (size * input.length > MATCH_BUDGET) throw new RegexLimitError(source, `matching a ${input.length}-character value would exceed Junction's matching budget (program size ${size})`);
    const m = re.matcher(input);
    if (!m.find()) return undefined;
    return Array.from({ length: m.groupCount() + 1 }, (_, i) => m.group(i) ?? "");
  };
  return { ok: true, regex: { source, semantics, engine: "re2", test, exec } };
}

function re2Message(e: unknown): string {
  return String((e as Error).message ?? e).replace(/^error parsing regexp: /, "");
}

// PCRE read by JavaScript: only these escapes mean the same in both (others, e.g. \A \Z \h \R \x{..},
// would silently become literals without the `u` flag).
const SHARED_ESCAPE = /^(?:[dDwWsSbBtnrf]|[1-9]|0(?![0-9])|x[0-9a-fA-F]{2}|c[A-Za-z]|k<[A-Za-z_][A-Za-z0-9_]*>|[^A-Za-z0-9])/;
const LEADING_FLAGS = /^\(\?([imsx]+)\)/;

function compilePcre(source: string, semantics: RegexSemantics): RegexResult {
  const asRe2 = compileRe2(source, semantics);
  if (asRe2.ok) return asRe2;
  const translated = pcreToJs(source);
  if (typeof translated !== "string") return { ok: false, error: `${asRe2.error}; ${translated.error}` };
  const m = LEADING_FLAGS.exec(translated);
  if (m?.[1].includes("x")) return { ok: false, error: `${asRe2.error}; Junction cannot evaluate PCRE extended mode (?x) outside RE2` };
  const body = m ? translated.slice(m[0].length) : translated;
  let re: RegExp, search: RegExp;
  try {
    const flags = m ? [...new Set(m[1])].join("") : "";
    re = new RegExp(semantics.anchor === "full" ? `^(?:${body})$` : body, flags);
    search = new RegExp(body, flags);
  } catch (e) {
    return { ok: false, error: `${asRe2.error}; not a pattern Junction can evaluate as PCRE either (${(e as Error).message})` };
  }
  return { ok: true, regex: { source, semantics, engine: "backtracking", test: (input) => boundedTest(re, input, source) as boolean, exec: (input) => ((boundedTest(search, input, source, "exec") as RegExpExecArray | null) ?? undefined)?.map((g) => g ?? "") } };
}

/** The JavaScript spelling of a PCRE pattern, or why there is none with the same meaning. */
function pcreToJs(source: string): string | { error: string } {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const m = SHARED_ESCAPE.exec(source.slice(i + 1));
      if (!m) return { error: `Junction cannot evaluate the PCRE escape \\${source[i + 1] ?? ""} outside RE2` };
      out += c + m[0];
      i += m[0].length;
    } else if (source.startsWith("(?P<", i)) { out += "(?<"; i += 3; }
    else if (source.startsWith("(?P=", i)) {
      const end = source.indexOf(")", i);
      if (end < 0) return { error: "unterminated (?P=name)" };
      out += `\\k<${source.slice(i + 4, end)}>`;
      i = end;
    } else out += c;
  }
  return out;
}

const sandbox = createContext({ re: /(?:)/, input: "" });
const run = { test: new Script("re.test(input)"), exec: new Script("re.exec(input)") };

function boundedTest(re: RegExp, input: string, source: string, how: "test" | "exec" = "test"): unknown {
  sandbox.re = re;
  sandbox.input = input;
  re.lastIndex = 0;
  try {
    return run[how].runInContext(sandbox, { timeout: BACKTRACK_TIMEOUT_MS });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      throw new RegexLimitError(source, `matching took longer than ${BACKTRACK_TIMEOUT_MS} ms (nginx answers 500 when PCRE hits its match limit)`);
    }
    throw e;
  } finally {
    sandbox.input = "";
  }
}

/** The groups of the leftmost match of `source` in `input` (CompiledRegex.exec), or undefined: no match, or a pattern that does not compile. */
export function regexExec(source: string, semantics: RegexSemantics, input: string): string[] | undefined {
  const r = compileRegex(source, semantics);
  return r.ok ? r.regex.exec(input) : undefined;
}

/** `s` as a regular expression that matches it literally (RE2, PCRE and JavaScript alike). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
