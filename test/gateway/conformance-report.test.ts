// scripts/conformance-report.mjs grades a corpus run as upstream's suite does (gateway-api
// conformance/utils/suite: suite.go Run/recordTestResult, profiles.go, reports.go). These tests pin those
// rules on hand-made results; the script itself runs the shared corpus, which the tests must not read.

import { test } from "node:test";
import assert from "node:assert/strict";

interface Status { result: string; statistics: { Passed: number; Failed: number; Skipped: number }; failedTests?: string[] }
interface Profile { name: string; summary: string; core: Status; extended?: Status & { supportedFeatures?: string[]; unsupportedFeatures?: string[] } }
interface Graded { name: string; features: string[]; result: string }
interface Script {
  grade(c: object, claimed: Set<string>, failed: Set<string>): string;
  profileReports(graded: Graded[], claimed: Set<string>): Profile[];
}

const script = (): Promise<Script> => import(new URL("../../../scripts/conformance-report.mjs", import.meta.url).href) as Promise<Script>;
const byName = (ps: Profile[], n: string) => ps.find((p) => p.name === n);

test("grade: a feature not claimed is NOT_SUPPORTED; skipIfFeatures claimed or a runtime feature not claimed returns early and passes", async () => {
  const { grade } = await script();
  const claimed = new Set(["Gateway", "HTTPRoute", "TLSRouteModeMixed"]);
  assert.equal(grade({ id: "x/A", features: ["Gateway", "GatewayStaticAddresses"] }, claimed, new Set(["x/A"])), "not-supported");
  assert.equal(grade({ id: "x/B", features: ["Gateway"], skipIfFeatures: ["TLSRouteModeMixed"] }, claimed, new Set(["x/B"])), "succeeded");
  assert.equal(grade({ id: "x/C", features: ["Gateway"], requiresFeaturesAtRuntime: ["TLSRoute"] }, claimed, new Set(["x/C"])), "succeeded");
  assert.equal(grade({ id: "x/D", features: ["Gateway", "HTTPRoute"] }, claimed, new Set(["x/D"])), "failed");
  assert.equal(grade({ id: "x/E", features: ["Gateway", "HTTPRoute"] }, claimed, new Set()), "succeeded");
});

test("profiles: a test counts in every profile holding all its features, as extended when one is not core (isTestExtended)", async () => {
  const { profileReports } = await script();
  const claimed = new Set(["Gateway", "ReferenceGrant", "HTTPRoute", "GRPCRoute", "HTTPRouteQueryParamMatching", "BackendTLSPolicy", "Mesh"]);
  const ps = profileReports([
    { name: "GatewayBasic", features: ["Gateway"], result: "succeeded" },
    { name: "HTTPRouteSimple", features: ["Gateway", "HTTPRoute"], result: "failed" },
    { name: "HTTPRouteQuery", features: ["Gateway", "HTTPRoute", "HTTPRouteQueryParamMatching"], result: "succeeded" },
    { name: "BackendTLS", features: ["Gateway", "HTTPRoute", "BackendTLSPolicy"], result: "succeeded" },
    { name: "Static", features: ["Gateway", "GatewayStaticAddresses"], result: "not-supported" },
  ], claimed);
  assert.deepEqual(ps.map((p) => p.name), ["GATEWAY-GRPC", "GATEWAY-HTTP", "GATEWAY-TCP", "GATEWAY-TLS", "GATEWAY-UDP"]);
  const http = byName(ps, "GATEWAY-HTTP")!;
  assert.deepEqual(http.core, { result: "failure", statistics: { Failed: 1, Passed: 1, Skipped: 0 }, failedTests: ["HTTPRouteSimple"] });
  assert.equal(http.extended?.result, "success");
  assert.equal(http.extended?.statistics.Passed, 2);
  assert.equal(http.summary, "Core tests failed with 1 test failures. Extended tests succeeded.");
  assert.ok(http.extended?.supportedFeatures?.includes("HTTPRouteQueryParamMatching"));
  assert.ok(http.extended?.unsupportedFeatures?.includes("GatewayStaticAddresses"));
  // A Gateway-only test is core in every Gateway profile; the profile has no extended entry without extended tests.
  assert.deepEqual(byName(ps, "GATEWAY-TCP"), { core: { result: "success", statistics: { Failed: 0, Passed: 1, Skipped: 0 } }, name: "GATEWAY-TCP", summary: "Core tests succeeded." });
});

test("profiles: upstream's GATEWAY-GRPC holds no GRPCRoute extended feature, so such a test is in no report; mesh tests only in MESH-*", async () => {
  const { profileReports } = await script();
  const claimed = new Set(["Gateway", "GRPCRoute", "GRPCRouteNamedRouteRule", "Mesh", "HTTPRoute", "MeshConsumerRoute"]);
  const ps = profileReports([
    { name: "GRPCRouteNamedRule", features: ["Gateway", "GRPCRoute", "GRPCRouteNamedRouteRule"], result: "succeeded" },
    { name: "MeshConsumerRoute", features: ["Mesh", "HTTPRoute", "MeshConsumerRoute"], result: "succeeded" },
  ], claimed);
  assert.deepEqual(ps.map((p) => p.name), ["MESH-HTTP"]);
  assert.equal(ps[0].extended?.statistics.Passed, 1);
  assert.equal(ps[0].core.statistics.Passed, 0);
});
