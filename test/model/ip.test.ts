import { test } from "node:test";
import assert from "node:assert/strict";
import { contains, formatAddress, formatRange, parseAddress, parseCidr, partitionSpace } from "../../src/model/ip.js";

test("IPv4 and IPv6 addresses parse and format canonically", () => {
  for (const [text, canon] of [["10.0.0.1", "10.0.0.1"], ["::", "::"], ["fd00::1", "fd00::1"], ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], ["::ffff:1.2.3.4", "::ffff:102:304"]]) {
    const a = parseAddress(text);
    assert.ok(a, text);
    assert.equal(formatAddress(a), canon);
  }
  for (const bad of ["10.0.0", "10.0.0.256", "01.2.3.4", "1::2::3", "g::1", "1.2.3.4.5", ""]) assert.equal(parseAddress(bad), undefined, bad);
});

test("CIDRs: host bits are cleared; invalid prefixes rejected", () => {
  const c = parseCidr("10.0.3.77/24")!;
  assert.equal(formatRange(c), "10.0.3.0-10.0.3.255");
  assert.equal(parseCidr("10.0.0.0/33"), undefined);
  assert.equal(parseCidr("10.0.0.0"), undefined);
  assert.equal(formatRange(parseCidr("fd00::/120")!), "fd00::-fd00::ff");
  assert.ok(contains(parseCidr("0.0.0.0/0")!, parseAddress("255.255.255.255")!));
  assert.ok(!contains(parseCidr("0.0.0.0/0")!, parseAddress("::1")!), "families never mix");
});

test("the address space is partitioned at every boundary", () => {
  const parts = partitionSpace(4, [parseCidr("10.0.0.0/8")!, parseCidr("10.1.0.0/16")!]).map(formatRange);
  assert.deepEqual(parts, ["0.0.0.0-9.255.255.255", "10.0.0.0-10.0.255.255", "10.1.0.0-10.1.255.255", "10.2.0.0-10.255.255.255", "11.0.0.0-255.255.255.255"]);
});
