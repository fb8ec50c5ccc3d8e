#!/usr/bin/env node
// The Gateway API conformance report, generated from a run so that it cannot drift from the code:
// runs the shared corpus runner over the Gateway API corpora (gateway, mesh) with the features Junction
// claims, grades each upstream test as upstream's suite does, and writes
//   docs/conformance-report.yaml   the upstream ConformanceReport (gateway.networking.k8s.io/v1)
//   docs/conformance.md            the tables between "<!-- conformance-report:begin/end -->"
//
//   node scripts/conformance-report.mjs [--corpus DIR] [--junction CMD] [--stdout]
//
// --corpus    the shared corpus (default: ../shared/corpus beside the checkout, or beside its folder); its tools/ folder
//             must hold corpus-run.mjs. Without it the script stops (exit 2): nothing is rewritten.
// --junction  how to run Junction (default: node bin/junction.js --lenient, since one corpus GatewayClass keeps
//             a placeholder controllerName the CRD's pattern rejects; build first: npm run build)
// --stdout    print the report instead of writing the files
//
// Grading follows upstream's suite: a test whose features are not all claimed is "not supported" and
// left out; one that upstream returns early from (skipIfFeatures claimed) passes; a test belongs to
// every profile whose core and extended features hold all its features, and counts as extended there
// when one of them is not core. A profile's result: failure if a test failed, else partial if one was
// skipped, else success.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPORT = join(ROOT, "docs", "conformance-report.yaml");
const DOC = join(ROOT, "docs", "conformance.md");
const BEGIN = "<!-- conformance-report:begin -->";
const END = "<!-- conformance-report:end -->";

/** Features Junction does not claim: which addresses are usable, and infrastructure it would create, are the platform's. */
const NOT_CLAIMED = new Set(["GatewayStaticAddresses", "GatewayInfrastructurePropagation"]);
const CORPORA = ["gateway", "mesh"];

// The conformance profiles as upstream defines them (gateway-api conformance/utils/suite/profiles.go and the feature
// sets of pkg/features, v1.6): a profile's extended set is the union of the named upstream sets.
const SETS = {
  gatewayExtended: ["GatewayPort8080", "GatewayStaticAddresses", "GatewayHTTPListenerIsolation", "GatewayHTTPSListenerDetectMisdirectedRequests",
    "GatewayInfrastructurePropagation", "GatewayAddressEmpty", "GatewayBackendClientCertificate", "GatewayFrontendClientCertificateValidation",
    "GatewayFrontendClientCertificateValidationInsecureFallback", "ListenerSet"],
  httpRouteExtended: ["HTTPRouteDestinationPortMatching", "HTTPRouteBackendRequestHeaderModification", "HTTPRouteQueryParamMatching",
    "HTTPRouteMethodMatching", "HTTPRouteResponseHeaderModification", "HTTPRoutePortRedirect", "HTTPRouteSchemeRedirect", "HTTPRoutePathRedirect",
    "HTTPRouteHostRewrite", "HTTPRoutePathRewrite", "HTTPRouteRequestMirror", "HTTPRouteRequestMultipleMirrors", "HTTPRouteRequestPercentageMirror",
    "HTTPRouteRequestTimeout", "HTTPRouteBackendTimeout", "HTTPRouteParentRefPort", "HTTPRouteBackendProtocolH2C", "HTTPRouteBackendProtocolWebSocket",
    "HTTPRouteNamedRouteRule", "HTTPRouteCORS", "HTTPRoute303RedirectStatusCode", "HTTPRoute307RedirectStatusCode", "HTTPRoute308RedirectStatusCode",
    "HTTPRouteRetry", "HTTPRouteRetryBackendTimeout", "HTTPRouteRetryConnectionError", "HTTPRouteBackendURLRewrite", "HTTPRouteBackendRequestRedirect"],
  tlsRouteExtended: ["TLSRouteModeTerminate", "TLSRouteModeMixed"],
  backendTLSPolicy: ["BackendTLSPolicy", "BackendTLSPolicySANValidation"],
  meshExtended: ["MeshClusterIPMatching", "MeshConsumerRoute", "MeshHTTPRouteRewritePath", "MeshHTTPRouteSchemeRedirect", "MeshHTTPRouteRedirectPort",
    "MeshHTTPRouteRedirectPath", "MeshHTTPRouteBackendRequestHeaderModification", "MeshHTTPRouteQueryParamMatching", "MeshHTTPRouteNamedRouteRule"],
};
const profile = (name, core, ...extended) => ({ name, core, extended: new Set(extended.flat()) });
// Upstream's GATEWAY-GRPC profile does not include GRPCRoute's extended features (GRPCRouteNamedRouteRule,
// GRPCRouteRequestHeaderModifier): tests that need them belong to no profile and appear in no report.
export const PROFILES = [
  profile("GATEWAY-GRPC", ["Gateway", "ReferenceGrant", "GRPCRoute"], SETS.gatewayExtended, SETS.backendTLSPolicy),
  profile("GATEWAY-HTTP", ["Gateway", "ReferenceGrant", "HTTPRoute"], SETS.gatewayExtended, SETS.httpRouteExtended, SETS.backendTLSPolicy),
  profile("GATEWAY-TCP", ["Gateway", "ReferenceGrant", "TCPRoute"], SETS.gatewayExtended, "TCPRoute"),
  profile("GATEWAY-TLS", ["Gateway", "ReferenceGrant", "TLSRoute"], SETS.gatewayExtended, SETS.tlsRouteExtended, SETS.backendTLSPolicy),
  profile("GATEWAY-UDP", ["Gateway", "ReferenceGrant", "UDPRoute"], SETS.gatewayExtended, "UDPRoute"),
  profile("MESH-GRPC", ["Mesh", "GRPCRoute"], SETS.meshExtended),
  profile("MESH-HTTP", ["Mesh", "HTTPRoute"], SETS.meshExtended),
];

function parseArgs(argv) {
  const near = [resolve(ROOT, "..", "shared", "corpus"), resolve(ROOT, "..", "..", "shared", "corpus")];
  const o = { corpus: near.find((d) => existsSync(d)) ?? near[0], junction: "node bin/junction.js --lenient", stdout: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--corpus") o.corpus = resolve(argv[++i]);
    else if (argv[i] === "--junction") o.junction = argv[++i];
    else if (argv[i] === "--stdout") o.stdout = true;
    else { console.error(`conformance-report: unknown argument ${argv[i]}`); process.exit(2); }
  }
  return o;
}

/** Every case of one corpus folder: {id, features, requiresFeaturesAtRuntime, skipIfFeatures, provisional}. */
function readCases(dir) {
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
}

const list = (x) => (Array.isArray(x) ? x : []);
const shortName = (id) => id.slice(id.indexOf("/") + 1);

/** Runs the corpus runner over a folder; returns the ids it failed and its last line. */
function runCorpus(o, dir, features) {
  const runner = join(o.corpus, "..", "tools", "corpus-run.mjs");
  const r = spawnSync(process.execPath, [runner, "--junction", o.junction, "--features", [...features].join(","), dir], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
  const lines = (r.stdout ?? "").trimEnd().split("\n");
  const last = lines[lines.length - 1] ?? "";
  if (!/\d+ passed, \d+ failed/.test(last)) throw new Error(`corpus-run.mjs over ${dir} did not finish: ${(r.stderr || last).slice(0, 400)}`);
  console.error(`${dir}: ${last}`);
  return { failed: new Set(lines.flatMap((l) => (/^FAIL (\S+)/.exec(l)?.slice(1) ?? []))), summary: lines.slice(-1)[0], output: lines };
}

/** succeeded | failed | not-supported, as upstream's suite records the test. */
export function grade(c, claimed, failed) {
  if (list(c.features).some((f) => !claimed.has(f))) return "not-supported";
  // Upstream returns early (and so passes) when a feature named in skipIfFeatures is claimed, or one the test
  // checks at run time (requiresFeaturesAtRuntime) is not.
  if (list(c.skipIfFeatures).some((f) => claimed.has(f))) return "succeeded";
  if (list(c.requiresFeaturesAtRuntime).some((f) => !claimed.has(f))) return "succeeded";
  return failed.has(c.id) ? "failed" : "succeeded";
}

const emptyStatus = () => ({ result: "success", statistics: { Failed: 0, Passed: 0, Skipped: 0 } });

function resultOf(s) {
  s.result = s.statistics.Failed ? "failure" : s.statistics.Skipped ? "partial" : "success";
  return s;
}

function summaryOf(s) {
  return s.result === "success" ? "succeeded" : s.result === "partial" ? `partially succeeded with ${s.statistics.Skipped} test skips` : `failed with ${s.statistics.Failed} test failures`;
}

/**
 * The ProfileReports of the graded tests ({name, features, result}), as upstream's reports.go builds them: a test
 * belongs to every profile whose core and extended features hold all its features, and is extended there when one
 * of them is not core; not-supported tests are left out; supportedFeatures / unsupportedFeatures are the profile's
 * extended features claimed / not claimed, listed only when the profile has extended results.
 */
export function profileReports(graded, claimed) {
  const out = [];
  for (const p of PROFILES) {
    const member = (f) => p.core.includes(f) || p.extended.has(f);
    const tests = graded.filter((t) => t.result !== "not-supported" && t.features.every(member));
    if (!tests.length) continue;
    const core = emptyStatus();
    let extended;
    for (const t of tests) {
      const s = t.features.some((f) => !p.core.includes(f)) ? (extended ??= emptyStatus()) : core;
      if (t.result === "failed") { s.statistics.Failed++; (s.failedTests ??= []).push(t.name); } else s.statistics.Passed++;
    }
    const report = { core: resultOf(core), name: p.name };
    if (extended) {
      const features = [...p.extended].sort();
      const supported = features.filter((f) => claimed.has(f)), unsupported = features.filter((f) => !claimed.has(f));
      report.extended = { ...resultOf(extended), ...(supported.length ? { supportedFeatures: supported } : {}), ...(unsupported.length ? { unsupportedFeatures: unsupported } : {}) };
    }
    report.summary = `Core tests ${summaryOf(core)}.${extended ? ` Extended tests ${summaryOf(extended)}.` : ""}`;
    out.push(report);
  }
  return out;
}

function conformanceReport(graded, claimed, commit) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const provisional = graded.filter((t) => t.provisional && t.result === "succeeded").map((t) => t.name).sort();
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    gatewayAPIChannel: "experimental",
    gatewayAPIVersion: "v1.6.0",
    implementation: { contact: ["junction maintainers (see README)"], organization: "junction", project: "junction", url: "https://junction.dev", version: `v${pkg.version}` },
    kind: "ConformanceReport",
    mode: "default",
    profiles: profileReports(graded, claimed),
    ...(provisional.length ? { succeededProvisionalTests: provisional } : {}),
    _provenance: commit,
  };
}

function markdown(report, runs) {
  const rows = report.profiles.map((p) => {
    const cell = (s) => (s ? `${s.result} (${s.statistics.Passed} passed${s.statistics.Failed ? `, ${s.statistics.Failed} failed: ${s.failedTests.join(", ")}` : ""})` : "-");
    return `| ${p.name} | ${cell(p.core)} | ${cell(p.extended)} | ${(p.extended?.supportedFeatures ?? []).length} | ${(p.extended?.unsupportedFeatures ?? []).join(", ") || "-"} |`;
  });
  return [
    BEGIN,
    `Generated by \`node scripts/conformance-report.mjs\` on ${report.date.slice(0, 10)} (Junction ${report.implementation.version}, corpora at gateway-api commit \`${report._provenance.slice(0, 12)}\`); the full report, in the upstream \`ConformanceReport\` form, is [conformance-report.yaml](conformance-report.yaml).`,
    "",
    "| corpus | runner's last line |",
    "|---|---|",
    ...runs.map((r) => `| \`corpus/${r.name}\` (${r.cases} tests, every feature claimed but ${[...NOT_CLAIMED].join(", ")}) | ${r.summary} |`),
    "",
    "| profile | core | extended | extended features claimed | not claimed |",
    "|---|---|---|---|---|",
    ...rows,
    END,
  ].join("\n");
}

/** The upstream commit the cases were transcribed from (each case's source.commit). */
function corpusCommit(cases) {
  const commits = new Set(cases.flatMap((c) => c.cases.map((x) => x.source?.commit ?? "unknown")));
  return [...commits].join(", ");
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(join(o.corpus, "gateway")) || !existsSync(join(o.corpus, "..", "tools", "corpus-run.mjs"))) {
    console.error(`conformance-report: the shared corpus is not at ${o.corpus} (give --corpus DIR); nothing written`);
    process.exit(2);
  }
  const cases = CORPORA.map((name) => ({ name, dir: join(o.corpus, name), cases: readCases(join(o.corpus, name)) }));
  const universe = new Set([...PROFILES.flatMap((p) => [...p.core, ...p.extended]),
    ...cases.flatMap((c) => c.cases.flatMap((x) => [...list(x.features), ...list(x.requiresFeaturesAtRuntime), ...list(x.skipIfFeatures)]))]);
  const claimed = new Set([...universe].filter((f) => !NOT_CLAIMED.has(f)));
  const graded = [];
  const runs = [];
  for (const c of cases) {
    const run = runCorpus(o, c.dir, claimed);
    runs.push({ name: c.name, cases: c.cases.length, summary: run.summary });
    for (const x of c.cases) graded.push({ name: shortName(x.id), features: list(x.features), provisional: x.provisional === true, result: grade(x, claimed, run.failed) });
  }
  const report = conformanceReport(graded, claimed, corpusCommit(cases));
  const { _provenance: commit, ...upstreamForm } = report;
  const yaml = `# Generated by scripts/conformance-report.mjs from runs of the shared corpus runner over the Gateway API\n# conformance corpora (kubernetes-sigs/gateway-api conformance/ at ${commit}). Do not edit.\n${stringify(upstreamForm, { sortMapEntries: true, indentSeq: false })}`;
  if (o.stdout) { process.stdout.write(yaml); return; }
  writeFileSync(REPORT, yaml);
  const doc = readFileSync(DOC, "utf8");
  const [a, b] = [doc.indexOf(BEGIN), doc.indexOf(END)];
  if (a < 0 || b < a) { console.error(`conformance-report: ${DOC} lacks the ${BEGIN} ... ${END} markers`); process.exit(2); }
  writeFileSync(DOC, doc.slice(0, a) + markdown(report, runs) + doc.slice(b + END.length));
  console.error(`wrote ${REPORT} and the tables of ${DOC}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
