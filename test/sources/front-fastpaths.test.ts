// The front ends' hand-written fast paths give exactly what the plain form they replace gives.

import { test } from "node:test";
import assert from "node:assert/strict";
import { dnsLabelError, dnsSubdomainError } from "../../src/sources/k8s.js";
import { load } from "../helpers.js";

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

test("a container port name is checked as apimachinery's IsValidPortName checks it: no \"--\" (refused), and an empty name is none (validateContainerPorts checks a name only when len(port.Name) > 0)", () => {
  const pod = (ports: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: { containers: [{ name: "c", image: "i", ports }] } });
  const l = load({ "p.json": pod([{ containerPort: 80, name: "a--b" }, { containerPort: 81, name: "" }, { containerPort: 82, name: "ok-1" }]) });
  assert.deepEqual(l.diagnostics.items.filter((d) => d.severity === "error").map((d) => `:${d.line} ${(d.field ?? []).join(".")}: ${d.message}`), [
    ":1 spec.containers.0.ports.0.name: \"a--b\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)",
  ]);
  assert.deepEqual(l.inventory.endpoints[0].ports, [{ name: "a--b", port: 80, protocol: "TCP" }, { name: undefined, port: 81, protocol: "TCP" }, { name: "ok-1", port: 82, protocol: "TCP" }]);
});
