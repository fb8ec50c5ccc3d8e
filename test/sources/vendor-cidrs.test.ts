// CIDRs of the vendor kinds, each read by its own upstream rules (sources/k8s.ts readCidrAs):
// the policy API's CEL isCIDR, Calico's validator and felix, Cilium's CRD format and agent.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { withPolicies } from "../fixtures/e2e-model.js";
import { parseGoCidr } from "../../src/model/ip.js";
import { compileRule } from "../../src/sources/schema/cel.js";
import { k8sFormats } from "../../src/sources/schema/keywords.js";

const anp = (networks: string) =>
  `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: d}\nspec:\n  priority: 10\n  subject: {namespaces: {matchLabels: {ns: x}}}\n  egress:\n  - action: Deny\n    to:\n    - networks: ${networks}`;
const cnp = (spec: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: x}\nspec:\n  endpointSelector: {}\n${spec}`;
const gnp = (nets: string) =>
  `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  selector: ns == 'x'\n  egress:\n  - action: Deny\n    destination: {nets: ${nets}}\n  - action: Allow`;

/** Diagnostics of one document as "severity line field: message", and an engine over what was read (--lenient). */
function read(doc: string) {
  const l = load({ "p.yaml": withPolicies(doc) });
  const diags = l.diagnostics.items.filter((d) => d.severity !== "info").map((d) => `${d.severity} ${d.line} ${d.field?.join(".")}: ${d.message}`);
  return { diags, engine: new PolicyEngine(l.inventory, DEFAULT_OPTIONS) };
}

test("Go's parsers: netip.ParsePrefix, net.ParseCIDR (Go >= 1.17), ParseCIDRSloppy", () => {
  const show = (s: string, p: "netip" | "net" | "sloppy") => { const r = parseGoCidr(s, p); return r && `${r.cidr.family} ${r.cidr.text}${r.hostBits ? " host" : ""}${r.leadingZeros ? " zeros" : ""}${r.mapped ? " mapped" : ""}`; };
  // netip: "bad bits after slash" for a leading zero; ParseAddr refuses leading zeros and zones.
  assert.equal(show("10.0.0.0/08", "netip"), undefined);
  assert.equal(show("10.0.0.0/08", "net"), "4 10.0.0.0/8 zeros", "dtoi reads the prefix length as decimal");
  assert.equal(show("010.0.0.0/8", "net"), undefined);
  assert.equal(show("010.0.0.0/8", "sloppy"), "4 10.0.0.0/8 zeros");
  assert.equal(show(" 10.0.0.0/8", "sloppy"), undefined, "no parser trims white space");
  assert.equal(show("10.0.0.0/8 ", "netip"), undefined);
  assert.equal(show("fe80::1%eth0/64", "net"), undefined);
  // IPv4-mapped: an IPv6 prefix to netip, the IPv4 network to net.IPNet from /96 up, in either spelling.
  assert.equal(show("::ffff:10.0.0.0/104", "netip"), "6 ::ffff:10.0.0.0/104 mapped");
  assert.equal(show("::ffff:a00:0/104", "net"), "4 10.0.0.0/8 mapped");
  assert.equal(show("0:0:0:0:0:ffff:10.0.0.0/104", "net"), "4 10.0.0.0/8 mapped");
  assert.equal(show("10.0.0.1/8", "netip"), "4 10.0.0.1/8 host");
});

// network-policy-api's CIDR type: `isCIDR(self)`; k8s.io/apiserver cel/library cidr.go parseCIDR:
// netip.ParsePrefix, then "IPv4-mapped IPv6 address %q is not allowed".
test("AdminNetworkPolicy networks: what isCIDR refuses is an error with its field (read as meant under --lenient); host bits a warning; an unreadable CIDR fails the rule closed", () => {
  for (const [written, why] of [["10.0.2.0/024", /refuses leading zeros \(--lenient reads 10\.0\.2\.0\/24\)/], [" 10.0.2.0/24", /refuses white space/], ["010.0.2.0/24", /refuses leading zeros/],
    ["::ffff:10.0.2.0/120", /IPv4-mapped IPv6 address, which the API server's isCIDR refuses: write "10\.0\.2\.0\/24"/], ["0:0:0:0:0:ffff:a00:200/120", /IPv4-mapped/]] as const) {
    const r = read(anp(`["${written}"]`));
    assert.equal(r.diags.length, 1, r.diags.join("\n"));
    assert.match(r.diags[0], /^error 209 spec\.egress\.0\.to\.0\.networks\.0: /);
    assert.match(r.diags[0], why);
    assert.equal(verdict(r.engine, "x/a", "y/a", 80), "deny", `--lenient reads ${written} as 10.0.2.0/24`);
    assert.equal(verdict(r.engine, "x/a", "z/a", 80), "allow");
  }
  const host = read(anp(`["10.0.2.7/24"]`));
  assert.deepEqual(host.diags.map((d) => d.split(":")[0]), ["warning 209 spec.egress.0.to.0.networks.0"]);
  assert.match(host.diags[0], /host bits set \(should it be "10\.0\.2\.0\/24" or "10\.0\.2\.7\/32"\?\)/);
  assert.equal(verdict(host.engine, "x/a", "y/b", 80), "deny");
  const garbage = read(anp(`["10.0.2.0/33", "10.0.3.0/24"]`));
  assert.match(garbage.diags.join("\n"), /networks\.0: "10\.0\.2\.0\/33" is not a valid CIDR.*a prefix length above 32/);
  assert.equal(verdict(garbage.engine, "x/a", "ip:8.8.8.8", 80), "deny", "the peer cannot be read: the Deny rule fails closed");
});

// Cilium: the CRD's `format: cidr` (kube-openapi: net.ParseCIDR) and the agent's CIDRRule.Validate
// and CIDR.Validate (pkg/policy/api/rule_validation.go: netip.ParsePrefix; an except must lie inside).
test("Cilium CIDRs: /08 passes the API server but the agent refuses the policy; IPv4-mapped is an IPv6 prefix to the agent; excepts outside the cidr are refused", () => {
  const zeros = read(cnp(`  egressDeny:\n  - toCIDR: ["10.9.0.0/016"]`));
  assert.match(zeros.diags.join("\n"), /error 206 spec\.egressDeny\.0\.toCIDR\.0: "10\.9\.0\.0\/016": the API server accepts it \(format: cidr, Go's net\.ParseCIDR\) but Cilium's agent refuses the policy/);
  const mapped = read(cnp(`  egress:\n  - toCIDR: ["::ffff:10.9.0.0/112"]`));
  assert.match(mapped.diags.join("\n"), /error 206 spec\.egress\.0\.toCIDR\.0: "::ffff:10\.9\.0\.0\/112" is an IPv4-mapped IPv6 address: the API server accepts it, and Cilium's agent reads an IPv6 prefix/);
  assert.equal(verdict(mapped.engine, "x/a", "ip:10.9.0.1", 80), "deny", "--lenient reads it as the agent does: no IPv4 flow matches");
  const host = read(cnp(`  enableDefaultDeny: {egress: false}\n  egressDeny:\n  - toCIDRSet: [{cidr: 10.9.0.1/16, except: [10.9.1.0/24]}]`));
  assert.deepEqual(host.diags.map((d) => d.split(":")[0]), ["warning 207 spec.egressDeny.0.toCIDRSet.0.cidr"]);
  assert.equal(verdict(host.engine, "x/a", "ip:10.9.2.1", 80), "deny");
  assert.equal(verdict(host.engine, "x/a", "ip:10.9.1.1", 80), "allow");
  const outside = read(cnp(`  egressDeny:\n  - toCIDRSet: [{cidr: 10.9.0.0/16, except: [10.8.0.0/24, 10.0.0.0/8]}]`));
  assert.deepEqual(outside.diags.map((d) => d.replace(/: Cilium.*/, "")), [
    "error 206 spec.egressDeny.0.toCIDRSet.0.except.0: allow CIDR prefix 10.9.0.0/16 does not contain exclude CIDR prefix 10.8.0.0/24",
    "error 206 spec.egressDeny.0.toCIDRSet.0.except.1: allow CIDR prefix 10.9.0.0/16 does not contain exclude CIDR prefix 10.0.0.0/8",
  ]);
  const group = read(cnp(`  egressDeny:\n  - toCIDRSet: [{cidrGroupSelector: {matchLabels: {a: b}}}]`));
  assert.match(group.diags.join("\n"), /toCIDRSet\.0: no CiliumCIDRGroup whose labels the selector matches in the input: this entry matches no address/);
});

// Calico: libcalico-go validator/v3 validateCIDR (cnet.ParseCIDROrIP: "An IP address is valid, and
// assumed to be fully masked"); felix reads the same (net.ParseCIDR, net.IPNet).
test("Calico nets: a bare address is /32, /08 is /8, an IPv4-mapped CIDR is the IPv4 network (it denied nothing), white space and leading zeros in an octet are errors", () => {
  const bare = read(gnp(`["10.0.2.1"]`));
  assert.deepEqual(bare.diags, []);
  assert.equal(verdict(bare.engine, "x/a", "y/a", 80), "deny");
  assert.equal(verdict(bare.engine, "x/a", "y/b", 80), "allow");
  const zeros = read(gnp(`["10.0.2.0/024"]`));
  assert.deepEqual(zeros.diags, []);
  assert.equal(verdict(zeros.engine, "x/a", "y/c", 80), "deny");
  const mapped = read(gnp(`["::ffff:10.0.2.0/120"]`));
  assert.deepEqual(mapped.diags.map((d) => d.split(":")[0]), ["warning 207 spec.egress.0.destination.nets.0"]);
  assert.match(mapped.diags[0], /Calico reads it as the IPv4 network 10\.0\.2\.0\/24/);
  assert.equal(verdict(mapped.engine, "x/a", "y/a", 80), "deny");
  for (const bad of [" 10.0.2.0/24", "010.0.2.0/24"]) {
    const r = read(gnp(`["${bad}"]`));
    assert.match(r.diags.join("\n"), /^error 207 spec\.egress\.0\.destination\.nets\.0: .* is not a CIDR or an IP address as Calico's validator reads it/);
    assert.equal(verdict(r.engine, "x/a", "y/a", 80), "deny", "--lenient reads 10.0.2.0/24");
  }
  const set = load({ "s.yaml": "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: s}\nspec:\n  nets: [192.0.2.1, 198.51.100.0/24]" });
  assert.deepEqual(set.diagnostics.errors, []);
  assert.deepEqual(set.inventory.networks[0].cidrs.map((c) => `${c.first.toString(16)}-${c.last.toString(16)}`), ["c0000201-c0000201", "c6336400-c63364ff"]);
  assert.ok(engineFor(withPolicies(gnp(`["10.0.2.1"]`))));
});

// k8s.io/apiserver cel/library: isCIDR is netip.ParsePrefix without Is4In6; isIP netip.ParseAddr
// without a zone or Is4In6. kube-openapi's format "cidr" is govalidator.IsCIDR (net.ParseCIDR).
test("CEL isCIDR/isIP and the OpenAPI format cidr refuse what their Go parsers refuse", () => {
  const isCidr = compileRule("isCIDR(self)"), isIp = compileRule("isIP(self)");
  for (const s of ["10.0.0.0/8", "10.0.0.1/8", "fd00::/8"]) assert.equal(isCidr(s).ok, true, s);
  for (const s of [" 10.0.0.0/8", "10.0.0.0/8\n", "10.0.0.0/08", "010.0.0.0/8", "::ffff:10.0.0.0/104", "::ffff:a00:0/104", "0:0:0:0:0:ffff:10.0.0.0/104", "fe80::%eth0/64", "10.0.0.1"]) assert.equal(isCidr(s).ok, false, s);
  assert.equal(isIp("10.0.0.1").ok, true);
  for (const s of [" 10.0.0.1", "::ffff:a00:1", "0:0:0:0:0:ffff:10.0.0.1", "fe80::1%eth0"]) assert.equal(isIp(s).ok, false, s);
  const format = k8sFormats.cidr as (s: string) => boolean;
  for (const s of ["10.0.0.0/08", "::ffff:10.0.0.0/104", "10.0.0.1/8"]) assert.equal(format(s), true, s);
  for (const s of [" 10.0.0.0/8", "010.0.0.0/8", "10.0.0.1"]) assert.equal(format(s), false, s);
});
