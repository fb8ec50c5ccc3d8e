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

/** A JSON list of pods, each given as [name, labels, ports] (ports: the containers' ports lists). */
function podList(pods: [string, unknown, unknown[][]][]): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "List",
    items: pods.map(([name, labels, containers]) => ({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", ...(labels === undefined ? {} : { labels }) },
      spec: { containers: containers.map((ports, i) => ({ name: `c${i}`, image: "i", ports })) },
      status: { podIP: "10.0.0.1" },
    })),
  });
}

function errorsOf(l: ReturnType<typeof load>): string[] {
  return l.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.ref?.path.join(".")} ${(d.field ?? []).join(".")}: ${d.message}`);
}

test("pods in a row with the same labels share them, and the same invalid labels are reported again for each pod", () => {
  const l = load({ "p.json": podList([
    ["a", { app: "x", bad: "-x-" }, []],
    ["b", { app: "x", bad: "-x-" }, []],
    ["c", { app: "x" }, []],
    ["d", { app: "x" }, []],
    ["e", { app: "x", n: 5 }, []],
    ["f", { app: "x" }, []],
    ["g", { app: "y", "-k": "v" }, []],
    ["h", { app: "y", "-k": "v" }, []],
    ["i", undefined, []],
    ["j", {}, []],
  ]) });
  assert.deepEqual(errorsOf(l), [
    'items.0 metadata.labels.bad: label value "-x-" is invalid (at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    'items.1 metadata.labels.bad: label value "-x-" is invalid (at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    "items.4 metadata.labels.n: must be a string, not number 5",
    'items.6 metadata.labels.-k: label key "-k" is invalid (name part: at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    'items.7 metadata.labels.-k: label key "-k" is invalid (name part: at most 63 characters, alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
  ]);
  const labels = l.inventory.endpoints.map((e) => e.labels);
  assert.deepEqual(labels, [
    { app: "x", bad: "-x-" }, { app: "x", bad: "-x-" }, { app: "x" }, { app: "x" }, { app: "x" }, { app: "x" },
    { app: "y", "-k": "v" }, { app: "y", "-k": "v" }, {}, {},
  ]);
  // One object for the same labels in a row.
  assert.equal(labels[0], labels[1]);
  assert.equal(labels[2], labels[3]);
  assert.equal(labels[3], labels[4]);
  assert.equal(labels[4], labels[5]);
});

test("container ports: the same ports in a row are one list; invalid ones are reported at their paths as before; an empty name is none", () => {
  const http = { name: "http", containerPort: 80 }, dns = { name: "dns", containerPort: 53, protocol: "UDP" };
  const l = load({ "p.json": podList([
    ["a", {}, [[http, dns]]],
    ["b", {}, [[http], [dns]]],
    ["c", {}, [[http]]],
    ["d", {}, [[http, { containerPort: 81, protocol: null, name: null }]]],
    ["e", {}, [[{ containerPort: 0 }, "x", { containerPort: 80, protocol: "tcp" }, { containerPort: 82, name: "a--b" }, { containerPort: 83, name: "" }, { containerPort: 84, name: 5 }]]],
    ["f", {}, [[http, dns]]],
  ]) });
  assert.deepEqual(errorsOf(l), [
    "items.4 spec.containers.0.ports.0.containerPort: 0 is below the minimum 1",
    'items.4 spec.containers.0.ports.1: must be an object, not the string "x"',
    'items.4 spec.containers.0.ports.2.protocol: "tcp" is not one of TCP, UDP, SCTP',
    "items.4 spec.containers.0.ports.3.name: \"a--b\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)",
    "items.4 spec.containers.0.ports.5.name: must be a string, not number 5",
  ]);
  const ports = l.inventory.endpoints.map((e) => e.ports);
  const HTTP = { name: "http", port: 80, protocol: "TCP" }, DNS = { name: "dns", port: 53, protocol: "UDP" };
  assert.deepEqual(ports, [
    [HTTP, DNS], [HTTP, DNS], [HTTP], [HTTP, { name: undefined, port: 81, protocol: "TCP" }],
    [{ name: undefined, port: 80, protocol: "TCP" }, { name: "a--b", port: 82, protocol: "TCP" }, { name: undefined, port: 83, protocol: "TCP" }, { name: undefined, port: 84, protocol: "TCP" }],
    [HTTP, DNS],
  ]);
  assert.equal(ports[0], ports[1]);
  assert.equal(ports[2][0], ports[0][0]);
});
