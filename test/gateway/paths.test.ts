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
