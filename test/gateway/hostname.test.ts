// Hostname matching and intersection as the Gateway API defines them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { hostnameMatches, intersectHostnames, normalizeHost } from "../../src/model/hostname.js";

test("wildcards cover one or more labels, never the bare domain", () => {
  assert.equal(hostnameMatches("*.example.com", "a.example.com"), true);
  assert.equal(hostnameMatches("*.example.com", "a.b.example.com"), true);
  assert.equal(hostnameMatches("*.example.com", "example.com"), false);
  assert.equal(hostnameMatches("*.example.com", "aexample.com"), false);
  assert.equal(hostnameMatches("example.com", "example.com"), true);
});

test("intersection: the more specific name when one covers the other, else none", () => {
  const cases: [string | undefined, string | undefined, string | undefined | null][] = [
    [undefined, "a.com", "a.com"], ["*.example.com", "a.example.com", "a.example.com"], ["a.example.com", "*.example.com", "a.example.com"],
    ["*.example.com", "*.com", "*.example.com"], ["*.a.example.com", "*.example.com", "*.a.example.com"],
    ["*.example.com", "example.com", null], ["a.com", "b.com", null], ["*.example.com", "*.example.org", null],
  ];
  for (const [a, b, want] of cases) assert.equal(intersectHostnames(a, b), want, `${a} ∩ ${b}`);
});

test("a port, a trailing dot and case are ignored", () => {
  assert.equal(normalizeHost("Shop.Example.COM:8443"), "shop.example.com");
  assert.equal(normalizeHost("shop.example.com."), "shop.example.com");
  assert.equal(normalizeHost("[::1]:80"), "[::1]");
  assert.equal(normalizeHost("Shop.Example.COM.:8443", true), "shop.example.com.", "as Envoy reads it without strip_trailing_host_dot");
});
