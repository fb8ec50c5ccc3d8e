// Input audit, sixth round: custom resources' metadata as the API server decodes it, IPv4-mapped
// addresses, flow readers' typed values and kubectl's file reading.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";

const nullWarnings = (l: ReturnType<typeof load>) => l.diagnostics.items.filter((d) => d.code === "null-value").map((d) => [d.severity, d.line, formatPath(d.field ?? [])]);

test("a custom resource's metadata is metav1.ObjectMeta to the API server: a null label or annotation value is \"\", a null finalizer \"\" (apiextensions-apiserver objectmeta.GetObjectMetaWithOptions round-trips it through sigs.k8s.io/json), with a warning; its spec's nulls are still refused", () => {
  const anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: a\n  labels: {app: null}\n  annotations: {note: ~}\n  finalizers: [example.com/f]\n"
    + "spec:\n  priority: 10\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n";
  const l = load({ "anp.yaml": anp });
  assert.deepEqual(l.diagnostics.errors, []);
  assert.deepEqual(nullWarnings(l), [["warning", 5, "metadata.labels.app"], ["warning", 6, "metadata.annotations.note"]]);
  // A null finalizer is "", with the warning, and "" is no qualified name: ValidateFinalizers refuses the object.
  const nullFinalizer = load({ "anp.yaml": anp.replace("[example.com/f]", "[null]") });
  assert.deepEqual(nullWarnings(nullFinalizer).slice(2), [["warning", 7, "metadata.finalizers[0]"]]);
  assert.deepEqual(nullFinalizer.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? []), d.code]), [[7, "metadata.finalizers[0]", "invalid-finalizer"]]);
  // A wrong type is still an error (the coercer's request decoding does not drop malformed fields).
  assert.deepEqual(load({ "anp.yaml": anp.replace("{app: null}", "{app: [1]}") }).diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[5, "metadata.labels.app"]]);
  // The spec is the CRD schema's: nullable is false.
  assert.deepEqual(load({ "anp.yaml": anp.replace("[{namespaces: {}}]", "[null]") }).diagnostics.errors.map((d) => formatPath(d.field ?? [])), ["spec.ingress[0].from[0]"]);

  // A Calico GlobalNetworkSet labelled {kind: null} is labelled kind: "", which has(kind) selects.
  const set = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: partners, labels: {kind: null}}\nspec: {nets: [203.0.113.0/24]}\n---\n";
  const pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n---\n";
  const gnp = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n  selector: app == 'a'\n  types: [Egress]\n  egress: [{action: Allow, destination: {selector: has(kind)}}]\n";
  const e = engineFor(set + pods + gnp);
  assert.equal(verdict(e, "x/a", "ip:203.0.113.5", 443), "allow");
  assert.equal(verdict(e, "x/a", "ip:198.51.100.5", 443), "deny");
  // A kind with no vendored schema (KubeVirt's VirtualMachine) too.
  const vm = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm, namespace: x, labels: {app: null}}\nspec:\n  template:\n    metadata: {labels: {vm: v}}\n    spec: {domain: {devices: {}}}\n";
  const v = load({ "vm.yaml": vm });
  assert.deepEqual(v.diagnostics.errors, []);
  assert.deepEqual(nullWarnings(v), [["warning", 3, "metadata.labels.app"]]);
});

test("an IPv4-mapped IPv6 address is the IPv4 address, as Go's net.ParseIP (To4) and the kernel read it (a socket sending to ::ffff:10.9.9.9 sends IPv4 packets): explain's ip:, flows, Workload addresses and CIDRs agree; readers that keep the family (netip, Rust ipnet) keep IPv6", async () => {
  const { parseAddress, parseAddressAsWritten, parseCidr, parseCidrAsWritten, formatAddress } = await import("../../src/model/ip.js");
  assert.deepEqual(parseAddress("::ffff:10.9.9.9"), { family: 4, value: 0x0a090909n });
  assert.deepEqual(parseAddress("0:0:0:0:0:ffff:a09:909"), { family: 4, value: 0x0a090909n });
  assert.equal(parseAddressAsWritten("::ffff:10.9.9.9")!.family, 6);
  // net.ParseCIDR + IPNet.Contains: ::ffff:10.0.0.0/104 is 10.0.0.0/8; below /96 it stays IPv6.
  const c = parseCidr("::ffff:10.0.0.0/104")!;
  assert.deepEqual([c.family, c.prefix, c.text, formatAddress({ family: 4, value: c.last })], [4, 8, "10.0.0.0/8", "10.255.255.255"]);
  assert.deepEqual([parseCidr("::ffff:0:0/96")!.text, parseCidr("::ffff:0:0/80")!.family], ["0.0.0.0/0", 6]);
  assert.equal(parseCidrAsWritten("::ffff:10.0.0.0/104")!.family, 6);

  const pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, labels: {app: a}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.1.0.1}\n---\n";
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n";
  const e = engineFor(pods + np);
  // Was a deny: the address was read as IPv6, outside the IPv4 ipBlock.
  assert.equal(verdict(e, "ip:::ffff:10.9.9.9", "default/a", 80), "allow");
  assert.equal(verdict(e, "ip:::ffff:192.0.2.1", "default/a", 80), "deny");
  // A Workload (VM) written with its mapped address is the IPv4 host the policy names.
  const vm = "apiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: vm, namespace: default, labels: {app: vm}}\nspec: {addresses: ['::ffff:10.2.0.9']}\n---\n";
  const w = load({ "w.yaml": vm + pods });
  assert.deepEqual(w.diagnostics.errors, []);
  assert.deepEqual(w.inventory.endpoints.find((x) => x.name === "vm")!.addresses, [{ family: 4, value: 0x0a020009n }]);
  // An EndpointSlice of addressType IPv6 refuses it (IsValidIPv6Address: To4() != nil), and a zone.
  const slice = (type: string, a: string) => `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, namespace: default}\naddressType: ${type}\nendpoints: [{addresses: ['${a}']}]\n`;
  assert.deepEqual(load({ "s.yaml": slice("IPv6", "::ffff:10.0.0.1") }).diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[5, "endpoints[0].addresses[0]"]]);
  assert.deepEqual(load({ "s.yaml": slice("IPv6", "fe80::1%eth0") }).diagnostics.errors.map((d) => formatPath(d.field ?? [])), ["endpoints[0].addresses[0]"]);
  assert.deepEqual(load({ "s.yaml": slice("IPv4", "::ffff:10.0.0.1") }).diagnostics.errors, []);
  // Linkerd's NetworkAuthentication (Rust ipnet) keeps an IPv6 prefix.
  const { readCidr, readCidrAsWritten } = await import("../../src/sources/k8s.js");
  const { Field, ObjectContext } = await import("../../src/sources/fields.js");
  const { Diagnostics } = await import("../../src/model/source.js");
  const field = (v: string) => new Field(new ObjectContext({ file: "f", doc: 0, path: [] }, new Diagnostics(), "X"), v, []);
  assert.equal(readCidr(field("::ffff:10.0.0.0/104"))!.family, 4);
  assert.equal(readCidrAsWritten(field("::ffff:10.0.0.0/104"))!.family, 6);
});

test("flow readers read an IPv4-mapped address as the IPv4 address the packets carried", async () => {
  const { csvReader } = await import("../../src/sources/flows/csv.js");
  const p = csvReader.open({ file: "log", year: 2026 });
  p("src,dst,dport,protocol", 1);
  const r = p("::ffff:10.0.0.5,10.0.0.6,80,TCP", 2) as { src: string; dst: string };
  assert.deepEqual([r.src, r.dst], ["10.0.0.5", "10.0.0.6"]);
});

test("flow readers: odd typed values are errors naming the file, line and field: protocol numbers beyond 255 or negative, impossible dates, an end before its start, an IPv6 zone, Hubble layers that are not objects", async () => {
  const { awsReader } = await import("../../src/sources/flows/aws.js");
  const { csvReader } = await import("../../src/sources/flows/csv.js");
  const { conntrackReader } = await import("../../src/sources/flows/conntrack.js");
  const { hubbleReader } = await import("../../src/sources/flows/hubble.js");
  type Reader = typeof awsReader;
  const read = (reader: Reader, lines: string[]) => { const p = reader.open({ file: "log", year: 2026 }); let r; for (const [i, l] of lines.entries()) r = p(l, i + 1); return r; };
  const err = (reader: Reader, lines: string[]) => { try { read(reader, lines); return "read"; } catch (e) { return (e as Error).message; } };
  const aws = (proto: string, start = "1418530010", end = "1418530070", src = "10.0.0.1") => [`2 1 eni-1 ${src} 10.0.0.2 1 22 ${proto} 20 4249 ${start} ${end} ACCEPT OK`];
  assert.equal(err(awsReader, aws("999")), 'log:1: protocol: "999" is not an IANA protocol number (0-255)');
  // A number with a leading zero is the number (it was the protocol "06", which no rule matched).
  assert.equal((read(awsReader, aws("06")) as { protocol: string }).protocol, "TCP");
  assert.equal(err(awsReader, aws("6", "1418530070", "1418530010")), "log:1: end: 2014-12-14T04:06:50.000Z is before the start 2014-12-14T04:07:50.000Z");
  assert.equal(err(awsReader, aws("6", undefined, undefined, "fe80::1%eth0")), 'log:1: srcaddr: "fe80::1%eth0" has a zone (%eth0): an address scoped to one host\'s interface names no endpoint; write it without the zone');
  const csv = (row: string) => ["time,src,sport,dst,dport,protocol", row];
  assert.equal(err(csvReader, csv("2026-01-01T00:00:00Z,10.0.0.1,1,10.0.0.2,80,-6")), 'log:2: protocol: "-6" is not an IP protocol (a name such as TCP, or a number 0-255)');
  assert.equal(err(csvReader, csv("2026-01-01T00:00:00Z,10.0.0.1,1,10.0.0.2,80,tcp udp")), 'log:2: protocol: "tcp udp" is not an IP protocol (a name such as TCP, or a number 0-255)');
  assert.equal((read(csvReader, csv("2026-01-01T00:00:00Z,10.0.0.1,1,10.0.0.2,80,017")) as { protocol: string }).protocol, "UDP");
  // Date.parse rolled 2026-02-30 over to March 2; Go's time.Parse refuses it, and so does Junction.
  assert.equal(err(csvReader, csv("2026-02-30T00:00:00Z,10.0.0.1,1,10.0.0.2,80,TCP")), 'log:2: time: "2026-02-30T00:00:00Z" is not a time (RFC 3339 or Unix seconds)');
  assert.equal(err(csvReader, csv("2026-01-01T24:00:00Z,10.0.0.1,1,10.0.0.2,80,TCP")), 'log:2: time: "2026-01-01T24:00:00Z" is not a time (RFC 3339 or Unix seconds)');
  assert.equal(err(csvReader, csv("2024-02-29T23:59:59+05:30,10.0.0.1,1,10.0.0.2,80,TCP")), "read");
  assert.equal(err(conntrackReader, ["tcp 99999 431999 ESTABLISHED src=10.0.0.5 dst=10.96.0.10 sport=1 dport=80"]), 'log:1: protocol: "99999" is not an IP protocol (a name such as TCP, or a number 0-255)');
  const hubble = (flow: object) => [JSON.stringify({ flow: { IP: { source: "10.0.0.1", destination: "10.0.0.2" }, ...flow } })];
  assert.equal(err(hubbleReader, hubble({ l4: { TCP: 5 } })), "log:1: flow.l4.TCP: 5 is not an object");
  assert.equal(err(hubbleReader, hubble({ l4: "TCP" })), 'log:1: flow.l4: "TCP" is not an object');
  assert.equal(err(hubbleReader, hubble({ IP: "10.0.0.1" })), 'log:1: flow.IP: "10.0.0.1" is not an object');
  assert.equal(err(hubbleReader, [JSON.stringify({ flow: 5 })]), "log:1: flow: 5 is not an object");
  assert.equal(err(hubbleReader, hubble({ verdict: 5 })), "log:1: flow.verdict: 5 is not a verdict name (e.g. FORWARDED)");
  // protojson reads a uint32 from a JSON number in a string ("8e1"), not from "080" or " 80"; 1e400 is no port.
  assert.equal((read(hubbleReader, hubble({ l4: { TCP: { destination_port: "8e1" } } })) as { dport: number }).dport, 80);
  assert.equal(err(hubbleReader, hubble({ l4: { TCP: { destination_port: "080" } } })), 'log:1: flow.l4.TCP.destination_port: "080" is not a port (0-65535)');
  assert.equal(err(hubbleReader, ['{"flow":{"IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":1e400}}}}']), "log:1: flow.l4.TCP.source_port: Infinity is not a port (0-65535)");
});

test("generateName without a name is refused as kubectl apply refuses it (apply.go applyOneObject: \"from deny-: cannot use generate name with apply\")", () => {
  const l = load({ "np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  generateName: deny-\n  namespace: default\nspec:\n  podSelector: {}\n" });
  assert.deepEqual(l.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[3, "metadata.name"]]);
  assert.match(l.diagnostics.errors[0].message, /kubectl apply refuses generateName alone \("from deny-: cannot use generate name with apply"/);
});

test("an address or CIDR with white space is refused, as every Go parser refuses it (net.ParseIP(\" 10.0.0.1\") is nil): a Service's clusterIP, a Workload's address", async () => {
  const { parseAddress, parseCidr } = await import("../../src/model/ip.js");
  for (const s of [" 10.0.0.1", "10.0.0.1 ", "10.0.0.1\n", "\tfd00::1"]) assert.equal(parseAddress(s), undefined, JSON.stringify(s));
  for (const s of [" 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0 /8"]) assert.equal(parseCidr(s), undefined, JSON.stringify(s));
  const svc = load({ "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec:\n  clusterIP: ' 10.96.0.10'\n  ports: [{port: 80}]\n" });
  assert.deepEqual(svc.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[5, "spec.clusterIP"]]);
  const vm = load({ "w.yaml": "apiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: vm, namespace: default}\nspec: {addresses: ['10.2.0.9 ']}\n" });
  assert.deepEqual(vm.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[4, "spec.addresses[0]"]]);
  // A pod's hostIP is only checked (not parsed) when the pod has addresses of its own: the same rule.
  for (const extra of ["  podIP: 10.1.0.5\n", ""]) {
    const pod = load({ "p.yaml": `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: i}]\nstatus:\n${extra}  hostIP: ' 10.0.0.1'\n` });
    assert.deepEqual(pod.diagnostics.errors.map((d) => [formatPath(d.field ?? [])]), [["status.hostIP"]], JSON.stringify(extra));
  }
});

test("a history record's holder ports are integers 1-65535 with a protocol, else an error naming the line and the field (-1, 1.5 and 70000 were read)", async () => {
  const { parseHistoryLine } = await import("../../src/sources/history.js");
  const line = (ports: unknown) => JSON.stringify({ at: "2026-12-05T06:00:00Z", op: "up", after: null, holder: { kind: "pod", namespace: "a", name: "p", ports }, addresses: ["10.0.0.1"] });
  const err = (ports: unknown) => { try { parseHistoryLine(line(ports), "h.jsonl:2"); return "read"; } catch (e) { return (e as Error).message; } };
  assert.equal(err([{ port: 8080, protocol: "TCP" }]), "read");
  for (const port of [-1, 1.5, 70000, 0, "80"]) assert.equal(err([{ port, protocol: "TCP" }]), `h.jsonl:2: holder.ports[0].port: ${JSON.stringify(port)} is not a port (an integer 1-65535)`);
  assert.equal(err([{ port: 80, protocol: "ICMP" }]), 'h.jsonl:2: holder.ports[0].protocol: "ICMP" is not TCP, UDP or SCTP');
});
