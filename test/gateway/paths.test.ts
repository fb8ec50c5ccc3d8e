// The path a Gateway's proxy routes by: Envoy Gateway's listeners normalize it first
// (internal/xds/translator/listener.go normalize_path; internal/gatewayapi/listener.go MergeSlashes
// true, EscapedSlashesAction UnescapeAndRedirect), so an escaped or doubled path takes the route the
// normalized path takes, and the backend sees the normalized path.

import { test } from "node:test";
import assert from "node:assert/strict";
import { envoyGateway, gateway, HTTP_ALL, httpRoute, route } from "./fixture.js";

const rules = httpRoute("r", `  rules:
  - {matches: [{path: {type: PathPrefix, value: /admin}}], backendRefs: [{name: v1, port: 80}]}
  - {backendRefs: [{name: v2, port: 80}]}`);

test("Envoy Gateway routes the normalized path: escapes of unreserved characters decoded, slashes merged, dot segments removed; an escaped slash is redirected (307) unescaped; %00 refused (was: the path as sent, another route)", () => {
  const yaml = envoyGateway([HTTP_ALL]) + rules;
  const at = (path: string) => route(yaml, { host: "x.example.com", path });
  for (const [path, upstream] of [["/admin", "/admin"], ["/%61dmin", "/admin"], ["//admin/x", "/admin/x"], ["/x/../admin", "/admin"]]) {
    const a = at(path);
    assert.deepEqual([a.backend, a.upstream?.path], ["apps/v1", upstream], `${path} (was: apps/v2, as sent)`);
  }
  const slash = at("/admin%2Fx?q=1");
  assert.deepEqual([slash.status, slash.responseHeaders.location], [307, "/admin/x?q=1"]);
  assert.equal(at("/a%00").status, 400);
  // Another controller's Gateway: the path as sent (Junction knows no normalization of it).
  assert.equal(route(gateway([HTTP_ALL]) + rules, { host: "x.example.com", path: "/%61dmin" }).backend, "apps/v2");
});

test("a ClientTrafficPolicy's path settings replace the listener's defaults (translatePathSettings; Envoy's maybeNormalizePath): escapedSlashesAction KeepUnchanged, RejectRequest, UnescapeAndForward; disableMergeSlashes (was: the defaults whatever the policy)", () => {
  const ctp = (path: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: paths, namespace: infra}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], path: {${path}}}
`;
  const at = (path: string, settings: string) => route(envoyGateway([HTTP_ALL]) + rules + ctp(settings), { host: "x.example.com", path });
  const keep = at("/admin%2Fx", "escapedSlashesAction: KeepUnchanged");
  assert.deepEqual([keep.status, keep.backend, keep.upstream?.path], [200, "apps/v2", "/admin%2Fx"], "kept escaped, forwarded as is: %2F is no separator, so not under PathPrefix /admin (was 307)");
  assert.deepEqual([at("/x%2F..%2Fadmin", "escapedSlashesAction: KeepUnchanged").backend], ["apps/v2"], "%2F is no separator: no dot segment to remove");
  const reject = at("/admin%5Cx", "escapedSlashesAction: RejectRequest");
  assert.deepEqual([reject.status, reject.backend], [400, null], "refused (was 307)");
  assert.match(reject.reason, /escapedSlashesAction RejectRequest/);
  assert.equal(at("/admin/x", "escapedSlashesAction: RejectRequest").status, 200, "no escaped slash: routed");
  const forward = at("/x%2F..%2Fadmin?q=1", "escapedSlashesAction: UnescapeAndForward");
  assert.deepEqual([forward.status, forward.backend, forward.upstream?.path], [200, "apps/v1", "/admin?q=1"], "unescaped, normalized, routed and forwarded (was 307)");
  const unmerged = at("//admin/x", "disableMergeSlashes: true");
  assert.deepEqual([unmerged.backend, unmerged.upstream?.path], ["apps/v2", "//admin/x"], "slashes not merged: //admin is not under /admin (was apps/v1)");
  const redirect = at("/a%2F%2Fadmin", "disableMergeSlashes: true");
  assert.deepEqual([redirect.status, redirect.responseHeaders.location], [307, "/a//admin"], "the redirect keeps the doubled slash");
  assert.equal(at("/a%2F%2Fadmin", "escapedSlashesAction: UnescapeAndRedirect").responseHeaders.location, "/a/admin");
});
