// The path a Gateway's proxy routes by: Envoy Gateway's listeners normalize it first
// (internal/xds/translator/listener.go normalize_path; internal/gatewayapi/listener.go MergeSlashes
// true, EscapedSlashesAction UnescapeAndRedirect), so an escaped or doubled path takes the route the
// normalized path takes, and the backend sees the normalized path.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec: {gatewayClassName: eg, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - {matches: [{path: {type: PathPrefix, value: /admin}}], backendRefs: [{name: admin, port: 80}]}
  - {backendRefs: [{name: root, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: admin, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: root, namespace: shop}
spec: {ports: [{port: 80}]}
`;

interface Answer { status: number; backend: string | null; upstream: { path: string } | null; responseHeaders: Record<string, string> }

test("Envoy Gateway routes the normalized path: escapes of unreserved characters decoded, slashes merged, dot segments removed; an escaped slash is redirected (307) unescaped; %00 refused (was: the path as sent, another route)", async () => {
  const requests = ["/admin", "/%61dmin", "//admin/x", "/x/../admin", "/admin%2Fx?q=1", "/a%00"].map((path) => ({ gateway: "infra/gw", host: "x.example.com", path }));
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml, "r.yaml": JSON.stringify(requests) });
  try {
    const r = await cli(["route", "-q", "-f", `${dir}/a.yaml`, "--requests", `${dir}/r.yaml`, "-o", "json"]);
    assert.equal(r.code, 0, r.err);
    const [plain, escaped, doubled, dots, slash, nul] = (JSON.parse(r.out) as { results: Answer[] }).results;
    assert.deepEqual([plain.backend, escaped.backend, doubled.backend, dots.backend], ["shop/admin", "shop/admin", "shop/admin", "shop/admin"], "was: shop/root for the escaped, doubled and dotted paths");
    assert.deepEqual([escaped.upstream?.path, doubled.upstream?.path, dots.upstream?.path], ["/admin", "/admin/x", "/admin"], "Envoy forwards the normalized path");
    assert.deepEqual([slash.status, slash.responseHeaders.location], [307, "/admin/x?q=1"]);
    assert.equal(nul.status, 400);
  } finally { cleanup(); }
});
