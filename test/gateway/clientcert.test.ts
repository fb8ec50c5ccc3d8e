import { test } from "node:test";
import assert from "node:assert/strict";
import { dnsNameMatch } from "../../src/engine/gateway/clientcert.js";

// Envoy's Utility::dnsNameMatch (source/common/tls/utility.cc), which an exact DNS matcher of Envoy Gateway's
// tls.clientValidation.subjectAltNames follows (san_matcher.cc): the certificate's SAN is the pattern.
test("dnsNameMatch: the certificate's wildcard as Envoy's labelWildcardMatch reads it (was: only a leading '*.')", () => {
  assert.equal(dnsNameMatch("client.example.com", "CLIENT.Example.com"), true);
  assert.equal(dnsNameMatch("client.example.com", "*.example.com"), true);
  assert.equal(dnsNameMatch("a.client.example.com", "*.example.com"), false, "one label only");
  assert.equal(dnsNameMatch("example.com", "*.example.com"), false);
  assert.equal(dnsNameMatch("foobar.example.com", "foo*.example.com"), true, "a partial wildcard (was false)");
  assert.equal(dnsNameMatch("barfoo.example.com", "*foo.example.com"), true, "was false");
  assert.equal(dnsNameMatch("foo.example.com", "f*o.example.com"), true, "was false");
  assert.equal(dnsNameMatch("fo.example.com", "fo*o.example.com"), false, "the pattern longer than the label allows");
  assert.equal(dnsNameMatch("baz.example.com", "foo*.example.com"), false);
  assert.equal(dnsNameMatch("xn--abc.example.com", "xn--*.example.com"), false, "an A-label takes no wildcard");
  assert.equal(dnsNameMatch("a.example.com", "*.*.com"), false, "a wildcard past the first label");
  assert.equal(dnsNameMatch("a.example.com", "f**.example.com"), false, "two wildcards in the label");
  assert.equal(dnsNameMatch(".example.com", "*.example.com"), true, "'*' matches an empty label (was false)");
  assert.equal(dnsNameMatch("com", "*"), false, "a single label never matches a wildcard");
  assert.equal(dnsNameMatch("İ.example.com", "i.example.com"), false, "ASCII case only");
});
