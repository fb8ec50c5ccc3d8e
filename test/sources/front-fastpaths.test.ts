// The front ends' hand-written fast paths give exactly what the plain form they replace gives.

import { test } from "node:test";
import assert from "node:assert/strict";
import { dnsLabelError, dnsSubdomainError } from "../../src/sources/k8s.js";

// apimachinery's dns1123LabelFmt and dns1123SubdomainFmt (k8s.io/apimachinery/pkg/util/validation), as regular expressions.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

test("DNS-1123 labels and subdomains are checked as apimachinery's regular expressions check them (every string of up to 6 characters over a0-.A and newline, of up to 9 over a-.)", () => {
  let checked = 0;
  for (const [alphabet, longest] of [[["a", "0", "-", ".", "A", "\n"], 6], [["a", "-", "."], 9]] as const) {
    let strings = [""];
    for (let len = 0; len <= longest; len++) {
      for (const s of strings) {
        assert.equal(dnsLabelError(s) === undefined, DNS1123_LABEL.test(s), JSON.stringify(s));
        assert.equal(dnsSubdomainError(s) === undefined, DNS1123_SUBDOMAIN.test(s), JSON.stringify(s));
        checked++;
      }
      if (len < longest) strings = strings.flatMap((s) => alphabet.map((c) => s + c));
    }
  }
  assert.ok(checked > 60_000);
  assert.match(dnsSubdomainError("a..b")!, /is not a valid DNS-1123 subdomain/);
  assert.match(dnsLabelError("a.b")!, /is not a valid DNS-1123 label/);
  assert.match(dnsLabelError("a".repeat(64))!, /is longer than 63 characters/);
});
