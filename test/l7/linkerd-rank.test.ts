// Linkerd's route precedence is computed once (model/mesh.ts linkerdMatchRank over a LinkerdMatchSummary):
// the outbound side over a route's matches (engine/gateway/match.ts linkerdRouteMatchRank) and the inbound
// side over a Server's lowered conditions (engine/l7/linkerd.ts) must order the same matches alike.

import { test } from "node:test";
import assert from "node:assert/strict";
import { linkerdRouteMatchRank } from "../../src/engine/gateway/match.js";
import { routeMatchOrder } from "../../src/engine/l7/linkerd.js";
import { LINKERD_GROUP, linkerdRouteOf } from "../../src/sources/linkerd/routes.js";
import type { RouteKind, RouteMatch } from "../../src/model/route.js";

const m = (x: Partial<RouteMatch>): RouteMatch => ({ headers: [], queryParams: [], ...x });
const h = (name: string) => ({ type: "Exact" as const, name, value: "1" });

function bothOrders(kind: RouteKind, matches: RouteMatch[]): [number[], number[]] {
  const route = linkerdRouteOf({
    kind, namespace: "ns", name: "r", hostnames: [],
    parentRefs: [{ group: LINKERD_GROUP, kind: "Server", namespace: "ns", name: "s" }],
    rules: matches.map((match, index) => ({ index, matches: [match], filters: [], backends: [] })),
  }, LINKERD_GROUP)!;
  const inbound = routeMatchOrder([route]).map((x) => x.rule);
  const rank = matches.map((match, i) => ({ i, r: linkerdRouteMatchRank(match, "/") }));
  const cmp = (a: number[], b: number[]) => { for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return b[k] - a[k]; return 0; };
  const outbound = rank.sort((a, b) => cmp(a.r, b.r) || a.i - b.i).map((x) => x.i);
  return [inbound, outbound];
}

test("Linkerd's HTTP match order is the same inbound (lowered conditions) and outbound (route matches)", () => {
  const [inbound, outbound] = bothOrders("HTTPRoute", [
    m({ path: { type: "PathPrefix", value: "/" } }),
    m({ path: { type: "PathPrefix", value: "/api/v1/" } }),
    m({ path: { type: "Exact", value: "/api/v1" } }),
    m({ path: { type: "RegularExpression", value: "/items/.*" } }),
    m({ path: { type: "PathPrefix", value: "/m" }, method: "GET" }),
    m({ path: { type: "PathPrefix", value: "/m" }, headers: [h("x-a")] }),
    m({ path: { type: "PathPrefix", value: "/m" }, queryParams: [h("q")] }),
    m({ path: { type: "PathPrefix", value: "/m" }, headers: [h("x-a"), h("x-b")], method: "POST" }),
  ]);
  assert.deepEqual(inbound, outbound);
  assert.deepEqual(outbound, [1, 2, 7, 5, 6, 4, 0, 3], "length first (an Exact ties a prefix of its length), then headers, queries, a method; a regex counts the path \"/\"");
});

test("Linkerd's gRPC match order is the same inbound and outbound: service length, method length, headers", () => {
  const g = (service?: string, method?: string, headers: string[] = []) => m({ grpc: { type: "Exact", service, method }, headers: headers.map(h) });
  const [inbound, outbound] = bothOrders("GRPCRoute", [g("a.B"), g("a.B", "Get"), g(undefined, "Get"), g("a.B", "Get", ["x"]), g("a.Bc")]);
  assert.deepEqual(inbound, outbound);
  assert.deepEqual(outbound, [4, 3, 1, 0, 2]);
});
