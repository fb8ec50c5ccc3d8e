// Regular expressions read as each API's data plane reads them (src/model/regex.ts): RE2 for the
// Gateway API, Istio, Cilium and the common API; PCRE for ingress-nginx; never JavaScript's dialect,
// and never a match that can run away.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MATCH_BUDGET, REGEX_SEMANTICS, RegexLimitError, compileRegex, regexError, regexMatches } from "../../src/model/regex.js";

const RE2 = REGEX_SEMANTICS.gatewayApi;
const PCRE = REGEX_SEMANTICS.nginx;

test("RE2 syntax keeps its meaning: (?P<name>), \\pN, leading and scoped inline flags, \\Q…\\E, [[:alpha:]]", () => {
  assert.equal(regexMatches("/(?P<id>[0-9]+)", RE2, "/42"), true);
  assert.equal(regexMatches("\\pN+", RE2, "123"), true, "\\pN is Unicode numbers in RE2 (a literal 'pN' in JavaScript without the u flag)");
  assert.equal(regexMatches("\\pN+", RE2, "pN"), false);
  assert.equal(regexMatches("(?i)/API/.*", RE2, "/api/v1"), true);
  assert.equal(regexMatches("/a(?i:B)c", RE2, "/abc"), true, "scoped flags, which Node 20's RegExp cannot read");
  assert.equal(regexMatches("/a(?i:B)c", RE2, "/aBC"), false);
  assert.equal(regexMatches("\\Qa.b\\E", RE2, "a.b"), true);
  assert.equal(regexMatches("\\Qa.b\\E", RE2, "axb"), false);
  assert.equal(regexMatches("[[:alpha:]]+", RE2, "abc"), true);
});

test("what RE2 (and Go's regexp, which the controllers validate with) rejects is invalid, not read JavaScript's way", () => {
  // RE2 has no backreferences or lookarounds; \C (any byte) and \Z are rejected by Go's regexp, which
  // Envoy Gateway, Istio and Cilium use to validate; JavaScript would read \C and \Z as letters.
  for (const bad of ["(a)\\1", "a(?=b)", "a(?!b)", "(?<=a)b", "\\C", "a\\Z", "a++", "(?>a)", "a{1001}", "(", "*a"]) {
    assert.ok(regexError(bad, RE2), `${bad} must be invalid RE2`);
    assert.equal(regexMatches(bad, RE2, "ab"), false, `${bad}: an invalid pattern matches nothing`);
  }
  assert.equal(regexError("(?<name>a)", RE2), undefined, "Go 1.22 and RE2 accept (?<name>…)");
});

test("full-match semantics (Envoy safe_regex: the entire value must match, a subsequence does not)", () => {
  assert.equal(regexMatches("/v[0-9]", RE2, "/v1"), true);
  assert.equal(regexMatches("/v[0-9]", RE2, "/v1/x"), false);
  assert.equal(regexMatches("a|ab", RE2, "ab"), true, "any alternative covering the whole value, not the leftmost-first match");
  assert.equal(compileRegex("b", { dialect: "re2", anchor: "search" }).ok && regexMatches("b", { dialect: "re2", anchor: "search" }, "abc"), true);
});

test("matching time is linear: patterns that make a backtracking engine explode answer at once", () => {
  const started = Date.now();
  const hostile = "a".repeat(100_000) + "!";
  for (const p of ["(a+)+$", "(a|aa)+", "(a*)*b", "(.*a){20}"]) assert.equal(regexMatches(p, RE2, hostile), false, p);
  // PCRE read through RE2 wherever RE2 can: the same answer, in linear time.
  assert.equal(regexMatches("(?i)(a+)+/.*", PCRE, hostile), false);
  assert.ok(Date.now() - started < 10_000, "linear-time matching (a backtracking engine would not finish)");
});

test("a match whose cost (program size × input length) exceeds the budget is refused with an error, never run", () => {
  const re = compileRegex("(?:a?){1000}a{1000}", RE2);
  assert.ok(re.ok);
  assert.throws(() => re.regex.test("a".repeat(Math.ceil(MATCH_BUDGET / 3000) + 10)), RegexLimitError);
  assert.equal(re.regex.test("a".repeat(1000)), true);
});

test("PCRE (ingress-nginx): lookarounds and backreferences work, case-insensitive flags, named groups; escapes JavaScript would misread are refused", () => {
  const c = compileRegex("(?i)/(?!internal)[a-z]+/.*", PCRE);
  assert.ok(c.ok && c.regex.engine === "backtracking");
  assert.equal(regexMatches("(?i)/(?!internal)[a-z]+/.*", PCRE, "/API/v1"), true);
  assert.equal(regexMatches("(?i)/(?!internal)[a-z]+/.*", PCRE, "/internal/x"), false);
  assert.equal(regexMatches("/(?P<x>[a-z])(?P=x)/.*", PCRE, "/aa/"), true, "PCRE's Python-style named groups and references");
  assert.equal(regexMatches("/(?P<x>[a-z])(?P=x)/.*", PCRE, "/ab/"), false);
  assert.equal(compileRegex("/api/.*", PCRE).ok && (compileRegex("/api/.*", PCRE) as { regex: { engine: string } }).regex.engine, "re2", "RE2 runs whatever it can read");
  for (const bad of ["(?=a)\\Z", "(?=a)\\h", "(?=a)\\x{41}", "(?=a)\\R"]) assert.match(regexError(bad, PCRE) ?? "", /cannot evaluate the PCRE escape/, bad);
});

test("PCRE patterns that backtrack without end are stopped: an error, not a hang", () => {
  const p = "(?=x*)(a+)+$";
  assert.equal(compileRegex(p, PCRE).ok && (compileRegex(p, PCRE) as { regex: { engine: string } }).regex.engine, "backtracking");
  const started = Date.now();
  assert.throws(() => regexMatches(p, PCRE, `${"a".repeat(40)}b`), RegexLimitError);
  assert.ok(Date.now() - started < 5_000);
});
