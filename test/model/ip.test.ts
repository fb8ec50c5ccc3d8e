import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressSet, contains, formatAddress, formatRange, parseAddress, parseCidr, partitionSpace } from "../../src/model/ip.js";

test("IPv4 and IPv6 addresses parse and format canonically", () => {
  for (const [text, canon] of [["10.0.0.1", "10.0.0.1"], ["::", "::"], ["fd00::1", "fd00::1"], ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], ["::ffff:1.2.3.4", "1.2.3.4"], ["::FFFF:a00:1", "10.0.0.1"], ["::fffe:1.2.3.4", "::fffe:102:304"]]) {
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

test("AddressSet: membership over merged, overlapping and adjacent ranges of both families, as a linear scan says", () => {
  const ranges = ["10.0.0.0/30", "10.0.0.2/31", "10.0.0.4/32", "10.0.1.0/24", "192.168.0.0/16", "fd00::/126", "fd00::8/127"].map((c) => parseCidr(c)!);
  const set = new AddressSet(ranges);
  for (const a of ["10.0.0.0", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.255", "10.0.1.0", "10.0.1.255", "10.0.2.0", "9.255.255.255", "192.168.255.255", "192.169.0.0", "fd00::3", "fd00::4", "fd00::9", "fd00::a", "::", "0.0.0.0"]) {
    const addr = parseAddress(a)!;
    assert.equal(set.has(addr), ranges.some((r) => contains(r, addr)), a);
  }
});
