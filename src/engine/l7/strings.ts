// String matching for L7 conditions: the forms of model/l7.ts StringMatch.

import type { StringMatch } from "../../model/l7.js";
import { escapeRegex, REGEX_SEMANTICS, regexMatches, type RegexSemantics } from "../../model/regex.js";

/** Every regex of the L7 rule shape is RE2 over the whole value (the front ends validated it). */
const RE2_FULL: RegexSemantics = { dialect: "re2", anchor: "full" };

/** Envoy's URI template characters: one segment is [pchar minus *]+, {**} also crosses "/". */
const SEGMENT = "[-a-zA-Z0-9._~%!$&'()+,;:@=]";

/** The template as an expression: {*} one non-empty segment, {**} any characters of segments and "/". */
export function templateRegex(template: string): string {
  return template.split(/(\{\*\*\}|\{\*\})/).map((part) =>
    part === "{*}" ? `${SEGMENT}+` : part === "{**}" ? `(?:${SEGMENT}|/)*` : escapeRegex(part)).join("");
}

function eq(a: string, b: string, ignoreCase?: boolean): boolean {
  return ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

export function stringMatches(m: StringMatch, value: string): boolean {
  switch (m.kind) {
    case "exact": return eq(value, m.value, m.ignoreCase);
    case "prefix": return value.length >= m.value.length && eq(value.slice(0, m.value.length), m.value, m.ignoreCase);
    case "suffix": return value.length >= m.value.length && eq(value.slice(value.length - m.value.length), m.value, m.ignoreCase);
    case "present": return value.length > 0;
    case "regex": return regexMatches(m.regex, m.firstMatch ? REGEX_SEMANTICS.linkerd : RE2_FULL, value);
    case "template": return regexMatches(templateRegex(m.template), RE2_FULL, value);
    case "segments": {
      const p = m.value.length > 1 && m.value.endsWith("/") ? m.value.slice(0, -1) : m.value;
      return p === "/" || value === p || value.startsWith(`${p}/`);
    }
  }
}
