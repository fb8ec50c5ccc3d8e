// A proof from a file's bytes alone that the check-ahead worker's judge (checkahead.ts judge) finds
// it clean, for the shape a cluster dump's workloads files have: a v1 List of Pods, Services,
// Deployments, ReplicaSets, StatefulSets and DaemonSets with the fields `kubectl get -o json` writes for them
// (generate.ts's dumps among them). The judge JSON.parses the file (a second time: the main thread
// parses it too) and runs the schemas and the semantic rules on every object: half the worker's
// time at 100k pods went to JSON.parse (docs/performance.md, twenty-fourth stop).
//
// The optimistic load's rule: `proveClean` says true only of a file the judge would judge clean,
// and false (not proved: the judge runs) on anything it does not know to be clean. It is stricter
// than the judge everywhere: a field it does not list, a value outside a narrow class (names,
// label keys and values, ports, IPv4 addresses, enums), any escape, any byte outside printable
// ASCII in a string, a number other than a plain integer, a key given twice, a null anywhere but a
// template's `creationTimestamp`, several containers or owners: not proved. Each accepted value is
// one the judge's checks accept (schema/semantic.ts: selectsTemplate, podSpecNames, podSpecRequired,
// podSpecFields, servicePorts, serviceClusterIPs, serviceFields; the schemas' types, required
// fields, enums and list-map keys), and the JSON is JSON.parse's without anything strictjson.ts
// refuses or rewrites (duplicate keys, int64 tokens, lone surrogates, depth, a BOM, a stream).
// test/sources/cleanproof.test.ts compares it with the judge on hostile and random input.

/** Thrown (one object) when the bytes are not proved clean. */
const NOT_PROVED = { notProved: true };

let b: Uint8Array = new Uint8Array(0);
let n = 0;
let i = 0;
/** The end (exclusive) of the last string read by str(). */
let se = 0;

const enc = (s: string) => new TextEncoder().encode(s);

const K = {
  apiVersion: enc("apiVersion"), kind: enc("kind"), items: enc("items"), metadata: enc("metadata"), spec: enc("spec"), status: enc("status"),
  name: enc("name"), namespace: enc("namespace"), labels: enc("labels"), ownerReferences: enc("ownerReferences"), creationTimestamp: enc("creationTimestamp"),
  uid: enc("uid"), controller: enc("controller"), blockOwnerDeletion: enc("blockOwnerDeletion"),
  containers: enc("containers"), serviceAccountName: enc("serviceAccountName"), nodeName: enc("nodeName"),
  image: enc("image"), ports: enc("ports"), containerPort: enc("containerPort"), protocol: enc("protocol"),
  phase: enc("phase"), hostIP: enc("hostIP"), podIP: enc("podIP"), podIPs: enc("podIPs"), ip: enc("ip"),
  replicas: enc("replicas"), selector: enc("selector"), matchLabels: enc("matchLabels"), template: enc("template"),
  type: enc("type"), port: enc("port"), targetPort: enc("targetPort"), hostNetwork: enc("hostNetwork"),
};
const V = {
  v1: enc("v1"), appsV1: enc("apps/v1"), List: enc("List"), Pod: enc("Pod"), Service: enc("Service"),
  Deployment: enc("Deployment"), ReplicaSet: enc("ReplicaSet"), StatefulSet: enc("StatefulSet"), DaemonSet: enc("DaemonSet"),
  TCP: enc("TCP"), UDP: enc("UDP"), ClusterIP: enc("ClusterIP"),
  Running: enc("Running"), Pending: enc("Pending"), Succeeded: enc("Succeeded"), Failed: enc("Failed"),
};

/**
 * Whether `bytes` (a whole file, as read) are proved to be a file the check-ahead judge finds clean;
 * false when not proved (the judge decides).
 */
export function proveClean(bytes: Uint8Array): boolean {
  b = bytes; n = bytes.length; i = 0;
  try {
    // (documents.ts reads a file as JSON when its first non-space character, within JSON_SNIFF bytes, is '{'.)
    ws();
    if (i >= 1024) fail();
    list();
    ws();
    return i === n;
  } catch (e) {
    if (e === NOT_PROVED) return false;
    throw e;
  } finally {
    b = new Uint8Array(0);
  }
}

function fail(): never { throw NOT_PROVED; }

function ws(): void {
  // (Locals in the loops: the module's variables are loaded once.)
  const bytes = b, end = n;
  let k = i;
  while (k < end) {
    const c = bytes[k];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) k++;
    else break;
  }
  i = k;
}

function expect(c: number): void {
  ws();
  if (i >= n || b[i] !== c) fail();
  i++;
}

/** `{` then whether the object has a member (its key comes next). */
function open(c: number, close: number): boolean {
  expect(c);
  ws();
  if (i < n && b[i] === close) { i++; return false; }
  return true;
}

/** After a member or element: whether another follows (`,`), or the object or list ends (`close`). */
function more(close: number): boolean {
  ws();
  if (i >= n) fail();
  const c = b[i++];
  if (c === 0x2c) return true;
  if (c !== close) fail();
  return false;
}

/** Classes of the bytes of a string: each byte's (CLASSES), and the classes all the bytes of the last string read share (sm). */
const PRINTABLE = 1, LDH = 2, QUAL = 4, IMAGE = 8;
const CLASSES = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) {
  const alnumC = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const lowerOrDigit = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
  CLASSES[c] = (c === 0x22 || c === 0x5c ? 0 : PRINTABLE) | (lowerOrDigit || c === 0x2d ? LDH : 0) | (alnumC || c === 0x2d || c === 0x5f || c === 0x2e ? QUAL : 0)
    | (alnumC || c === 0x2e || c === 0x5f || c === 0x2f || c === 0x3a || c === 0x40 || c === 0x2d ? IMAGE : 0);
}
let sm = 0;

/** A string without escapes, control characters or bytes outside ASCII; returns its start (se: its end; sm: its bytes' classes). */
function str(): number {
  ws();
  const bytes = b, end = n, classes = CLASSES;
  let k = i, m = 0xff;
  if (k >= end || bytes[k] !== 0x22) fail();
  const s = ++k;
  for (;;) {
    if (k >= end) fail();
    const c = bytes[k];
    if (c === 0x22) break;
    m &= classes[c];
    k++;
  }
  if (!(m & PRINTABLE)) fail();
  se = k;
  sm = m;
  i = k + 1;
  return s;
}

/** A key and its colon; returns the key's start (se: its end). */
function key(): number {
  const s = str();
  expect(0x3a);
  return s;
}

function is(s: number, e: number, lit: Uint8Array): boolean {
  if (e - s !== lit.length) return false;
  const bytes = b;
  for (let k = 0; k < lit.length; k++) if (bytes[s + k] !== lit[k]) return false;
  return true;
}

/** A string equal to `lit`. */
function strIs(lit: Uint8Array): void {
  const s = str();
  if (!is(s, se, lit)) fail();
}

/** A plain non-negative integer (no sign, fraction, exponent or leading zero) from `min` to `max`. */
function int(min: number, max: number): number {
  ws();
  const bytes = b, end = n;
  let v = 0, digits = 0, k = i;
  while (k < end) {
    const c = bytes[k];
    if (c < 0x30 || c > 0x39) break;
    if (digits === 1 && v === 0) fail();
    v = v * 10 + (c - 0x30);
    if (++digits > 10) fail();
    k++;
  }
  i = k;
  if (digits === 0 || v < min || v > max) fail();
  // (A fraction or an exponent: the next byte is not a separator, and more() refuses it.)
  return v;
}

function literal(lit: Uint8Array): void {
  ws();
  for (let k = 0; k < lit.length; k++) if (b[i + k] !== lit[k]) fail();
  i += lit.length;
}
const TRUE = enc("true"), FALSE = enc("false"), NULL = enc("null");

function bool(): void {
  ws();
  literal(b[i] === 0x74 ? TRUE : FALSE);
}

// Classes of strings, by bytes (test/sources/cleanproof.test.ts checks them against k8s.ts).

const lower = (c: number) => c >= 0x61 && c <= 0x7a;
const digit = (c: number) => c >= 0x30 && c <= 0x39;
const alnumLower = (c: number) => lower(c) || digit(c);
const alnum = (c: number) => alnumLower(c) || (c >= 0x41 && c <= 0x5a);

/** A DNS-1123 label: 1-63 of [a-z0-9-], starting and ending with [a-z0-9] (k8s.ts dnsLabelError). */
export function dnsLabel(s: number, e: number, bytes = b): boolean {
  if (e <= s || e - s > 63 || !alnumLower(bytes[s]) || !alnumLower(bytes[e - 1])) return false;
  for (let k = s + 1; k < e - 1; k++) { const c = bytes[k]; if (!alnumLower(c) && c !== 0x2d) return false; }
  return true;
}

/** A DNS-1123 subdomain: 1-253, labels of [a-z0-9-] starting and ending with [a-z0-9], joined by '.' (k8s.ts dnsSubdomainError). */
export function dnsSubdomain(s: number, e: number, bytes = b): boolean {
  if (e <= s || e - s > 253) return false;
  let start = s;
  for (let k = s; k <= e; k++) {
    if (k === e || bytes[k] === 0x2e) {
      if (k === start || !alnumLower(bytes[start]) || !alnumLower(bytes[k - 1])) return false;
      start = k + 1;
    } else if (!alnumLower(bytes[k]) && bytes[k] !== 0x2d) return false;
  }
  return true;
}

/** A label's name part or value when not empty: 1-63 of [A-Za-z0-9-_.], starting and ending with an alphanumeric. */
function qualified(s: number, e: number, bytes: Uint8Array): boolean {
  if (e <= s || e - s > 63 || !alnum(bytes[s]) || !alnum(bytes[e - 1])) return false;
  for (let k = s + 1; k < e - 1; k++) { const c = bytes[k]; if (!alnum(c) && c !== 0x2d && c !== 0x5f && c !== 0x2e) return false; }
  return true;
}

/** A label key: an optional DNS subdomain and '/', then a qualified name (k8s.ts labelKeyError). */
export function labelKey(s: number, e: number, bytes = b): boolean {
  let slash = -1;
  for (let k = s; k < e; k++) if (bytes[k] === 0x2f) { if (slash >= 0) return false; slash = k; }
  return slash < 0 ? qualified(s, e, bytes) : dnsSubdomain(s, slash, bytes) && qualified(slash + 1, e, bytes);
}

/** A label value: empty, or a qualified name (k8s.ts labelValueError). */
export function labelValue(s: number, e: number, bytes = b): boolean {
  return e === s || qualified(s, e, bytes);
}

/** An IANA service name (a named port): 1-15 of [a-z0-9-], a letter among them, no '-' first, last or twice in a row. */
export function ianaName(s: number, e: number, bytes = b): boolean {
  if (e <= s || e - s > 15 || bytes[s] === 0x2d || bytes[e - 1] === 0x2d) return false;
  let letter = false;
  for (let k = s; k < e; k++) {
    const c = bytes[k];
    if (lower(c)) letter = true;
    else if (c === 0x2d) { if (bytes[k + 1] === 0x2d) return false; }
    else if (!digit(c)) return false;
  }
  return letter;
}

/** An IPv4 address as four decimal bytes without leading zeros. */
export function ipv4(s: number, e: number, bytes = b): boolean {
  let parts = 0, v = 0, digits = 0;
  for (let k = s; k <= e; k++) {
    const c = k === e ? 0x2e : bytes[k];
    if (c === 0x2e) {
      if (digits === 0 || ++parts > 4) return false;
      v = 0; digits = 0;
    } else if (digit(c)) {
      if (digits === 1 && v === 0) return false;
      v = v * 10 + (c - 0x30);
      if (++digits > 3 || v > 255) return false;
    } else return false;
  }
  return parts === 4;
}

/** An image reference, loosely (the string just read): 1-255 of [A-Za-z0-9._/:@-] (the schema: any string; an image changes no answer). */
function image(s: number, e: number): boolean {
  return (sm & IMAGE) !== 0 && e > s && e - s <= 255;
}

/** A kind's name: 1-63 ASCII letters, the first upper case. */
function kindName(s: number, e: number): boolean {
  if (e <= s || e - s > 63 || !(b[s] >= 0x41 && b[s] <= 0x5a)) return false;
  for (let k = s; k < e; k++) if (!alnum(b[k]) || digit(b[k])) return false;
  return true;
}

function same(s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let k = 0; k < e1 - s1; k++) if (b[s1 + k] !== b[s2 + k]) return false;
  return true;
}

// Maps of labels, as ranges [keyStart, keyEnd, valueStart, valueEnd] per entry (reused), and
// ranges or numbers met in a list (names, ports).
const MAX_ENTRIES = 64;
const selectorLabels = new Int32Array(4 * MAX_ENTRIES), templateLabels = new Int32Array(4 * MAX_ENTRIES), scratch = new Int32Array(4 * MAX_ENTRIES);
const portNumbers = new Int32Array(MAX_ENTRIES);
/** The entries of templateLabels (times 4). */
let templateCount = 0;

/** A map of labels, none twice; its ranges in `into`; returns their count times 4. */
function labels(into: Int32Array): number {
  let count = 0;
  if (!open(0x7b, 0x7d)) return 0;
  do {
    const ks = str(), ke = se;
    // (A key without '/': a qualified name, which its classes and ends tell.)
    if (sm & QUAL ? ke - ks > 63 || !alnum(b[ks]) || !alnum(b[ke - 1]) : !labelKey(ks, ke)) fail();
    expect(0x3a);
    for (let k = 0; k < count; k += 4) if (same(into[k], into[k + 1], ks, ke)) fail();
    const vs = str();
    if ((vs !== se && (!(sm & QUAL) || se - vs > 63 || !alnum(b[vs]) || !alnum(b[se - 1]))) || count === into.length) fail();
    into[count] = ks; into[count + 1] = ke; into[count + 2] = vs; into[count + 3] = se;
    count += 4;
  } while (more(0x7d));
  return count;
}

/** Whether `v` is among the first `count` of portNumbers. */
function hasPort(v: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (portNumbers[k] === v) return true;
  return false;
}

/** A name (the string just read, a range) not among the first `count` (times 2) of scratch; adds it; returns the new count. */
function newName(v: number, ve: number, count: number): number {
  for (let k = 0; k < count; k += 2) if (same(scratch[k], scratch[k + 1], v, ve)) fail();
  if (count === scratch.length) fail();
  scratch[count] = v; scratch[count + 1] = ve;
  return count + 2;
}

/** The outer List: apiVersion v1, kind List, items. */
function list(): void {
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.apiVersion)) { seen = once(seen, 1); strIs(V.v1); }
    else if (is(s, e, K.kind)) { seen = once(seen, 2); strIs(V.List); }
    else if (is(s, e, K.items)) {
      seen = once(seen, 4);
      if (open(0x5b, 0x5d)) do item(); while (more(0x5d));
    } else fail();
  } while (more(0x7d));
  if (seen !== 7) fail();
}

const POD = 1, SERVICE = 2, CONTROLLER = 3, DAEMON_SET = 4;

/** One item: apiVersion and kind first, then metadata, spec and (a Pod's) status, each once. */
function item(): void {
  if (!open(0x7b, 0x7d)) fail();
  let s = key();
  if (!is(s, se, K.apiVersion)) fail();
  const vs = str(), ve = se;
  if (!more(0x7d)) fail();
  s = key();
  if (!is(s, se, K.kind)) fail();
  const ks = str(), ke = se;
  let kind: number;
  if (is(vs, ve, V.v1)) {
    if (is(ks, ke, V.Pod)) kind = POD;
    else if (is(ks, ke, V.Service)) kind = SERVICE;
    else fail();
  } else if (is(vs, ve, V.appsV1)) {
    if (is(ks, ke, V.Deployment) || is(ks, ke, V.ReplicaSet) || is(ks, ke, V.StatefulSet)) kind = CONTROLLER;
    else if (is(ks, ke, V.DaemonSet)) kind = DAEMON_SET;
    else fail();
  } else fail();
  let seen = 0;
  while (more(0x7d)) {
    s = key();
    const e = se;
    if (is(s, e, K.metadata)) { seen = once(seen, 1); metadata(kind); }
    else if (is(s, e, K.spec)) {
      seen = once(seen, 2);
      if (kind === POD) podSpec();
      else if (kind === SERVICE) serviceSpec();
      else controllerSpec(kind);
    } else if (kind === POD && is(s, e, K.status)) { seen = once(seen, 4); podStatus(); }
    else fail();
  }
  // (A Pod or controller without its spec has no containers: podSpecRequired's error.)
  if ((seen & 3) !== 3) fail();
}

/** An object's metadata: a name (a DNS-1123 subdomain; a Service's a label starting with a letter), a namespace, labels, one owner. */
function metadata(kind: number): void {
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.name)) {
      seen = once(seen, 1);
      const ns = str();
      if (kind === SERVICE ? !(dnsLabel(ns, se) && lower(b[ns])) : !dnsSubdomain(ns, se)) fail();
    } else if (is(s, e, K.namespace)) {
      seen = once(seen, 2);
      strLabel();
    } else if (is(s, e, K.labels)) { seen = once(seen, 4); labels(scratch); }
    else if (kind !== SERVICE && is(s, e, K.ownerReferences)) { seen = once(seen, 8); owners(); }
    else fail();
  } while (more(0x7d));
  if (!(seen & 1)) fail();
}

/** ownerReferences: one controller reference (apiVersion, kind, name, uid; controller and blockOwnerDeletion booleans). */
function owners(): void {
  if (!open(0x5b, 0x5d)) fail();
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.apiVersion)) { seen = once(seen, 1); const v = str(); if (!is(v, se, V.appsV1) && !is(v, se, V.v1)) fail(); }
    else if (is(s, e, K.kind)) { seen = once(seen, 2); strOf(kindName); }
    else if (is(s, e, K.name)) { seen = once(seen, 4); strSubdomain(); }
    else if (is(s, e, K.uid)) { seen = once(seen, 8); strSubdomain(); }
    else if (is(s, e, K.controller)) { seen = once(seen, 16); bool(); }
    else if (is(s, e, K.blockOwnerDeletion)) { seen = once(seen, 32); bool(); }
    else fail();
  } while (more(0x7d));
  if ((seen & 15) !== 15 || more(0x5d)) fail();
}

/** A PodSpec: one container, a service account and a node (DNS-1123 subdomains), hostNetwork. */
function podSpec(): void {
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.containers)) { seen = once(seen, 1); containers(); }
    else if (is(s, e, K.serviceAccountName)) { seen = once(seen, 2); strSubdomain(); }
    else if (is(s, e, K.nodeName)) { seen = once(seen, 4); strSubdomain(); }
    else if (is(s, e, K.hostNetwork)) { seen = once(seen, 8); bool(); }
    else fail();
  } while (more(0x7d));
  if (!(seen & 1)) fail();
}

/** containers: exactly one, named (a DNS-1123 label), its image, its ports (each containerPort and name once). */
function containers(): void {
  if (!open(0x5b, 0x5d)) fail();
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.name)) { seen = once(seen, 1); strLabel(); }
    else if (is(s, e, K.image)) { seen = once(seen, 2); strOf(image); }
    else if (is(s, e, K.ports)) { seen = once(seen, 4); ports(false); }
    else fail();
  } while (more(0x7d));
  if (!(seen & 1) || more(0x5d)) fail();
}

/**
 * A container's ports (`service` false) or a Service's: each a port number (containerPort, or port and
 * targetPort) from 1 to 65535, a protocol TCP or UDP (TCP when not given), the two together once in the
 * list (the schemas' list-map keys; schema/semantic.ts servicePorts), a name (an IANA service name)
 * once; a Service's named when it has several (servicePorts).
 */
function ports(service: boolean): void {
  let count = 0, names = 0, unnamed = false;
  if (!open(0x5b, 0x5d)) { if (service) fail(); return; }
  do {
    let seen = 0, port = 0, udp = 0;
    if (!open(0x7b, 0x7d)) fail();
    do {
      const s = key(), e = se;
      if (is(s, e, service ? K.port : K.containerPort)) { seen = once(seen, 1); port = int(1, 65535); }
      else if (is(s, e, K.name)) {
        seen = once(seen, 2);
        const v = str();
        if (!ianaName(v, se)) fail();
        names = newName(v, se, names);
      } else if (is(s, e, K.protocol)) {
        seen = once(seen, 4);
        const v = str();
        if (is(v, se, V.UDP)) udp = 1;
        else if (!is(v, se, V.TCP)) fail();
      } else if (service && is(s, e, K.targetPort)) {
        seen = once(seen, 8);
        ws();
        if (b[i] === 0x22) strOf(ianaName);
        else int(1, 65535);
      } else fail();
    } while (more(0x7d));
    if (!(seen & 1)) fail();
    if (!(seen & 2)) unnamed = true;
    const key2 = port * 2 + udp;
    if (hasPort(key2, count) || count === portNumbers.length) fail();
    portNumbers[count++] = key2;
  } while (more(0x5d));
  if (service && unnamed && count > 1) fail();
}

/** `seen` with `bit` (a field met once in its object); a field met twice is not proved. */
function once(seen: number, bit: number): number {
  if (seen & bit) fail();
  return seen | bit;
}

/** A DNS-1123 subdomain (without a '.', the classes and its ends tell). */
function strSubdomain(): void {
  const v = str(), e = se;
  if (sm & LDH ? e - v > 253 || !alnumLower(b[v]) || !alnumLower(b[e - 1]) : !dnsSubdomain(v, e)) fail();
}

/** A DNS-1123 label. */
function strLabel(): void {
  const v = str(), e = se;
  if (!(sm & LDH) || e - v > 63 || !alnumLower(b[v]) || !alnumLower(b[e - 1])) fail();
}

/** A string of the class `check` tells. */
function strOf(check: (s: number, e: number) => boolean): void {
  const v = str();
  if (!check(v, se)) fail();
}

/** A Pod's status: its phase, hostIP, podIP and podIPs (IPv4, none twice). */
function podStatus(): void {
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.phase)) {
      seen = once(seen, 1);
      const v = str(), ve = se;
      if (!is(v, ve, V.Running) && !is(v, ve, V.Pending) && !is(v, ve, V.Succeeded) && !is(v, ve, V.Failed)) fail();
    } else if (is(s, e, K.hostIP)) { seen = once(seen, 2); strOf(ipv4); }
    else if (is(s, e, K.podIP)) { seen = once(seen, 4); strOf(ipv4); }
    else if (is(s, e, K.podIPs)) { seen = once(seen, 8); podIPs(); }
    else fail();
  } while (more(0x7d));
}

/** status.podIPs: one or two `{ip}`, IPv4, not the same twice. */
function podIPs(): void {
  if (!open(0x5b, 0x5d)) return;
  let count = 0, first = -1, firstEnd = -1;
  do {
    if (!open(0x7b, 0x7d)) fail();
    const s = key();
    if (!is(s, se, K.ip)) fail();
    const v = str(), ve = se;
    if (!ipv4(v, ve) || more(0x7d)) fail();
    if (++count > 2 || (first >= 0 && same(first, firstEnd, v, ve))) fail();
    first = v; firstEnd = ve;
  } while (more(0x5d));
}

/** A Deployment's, ReplicaSet's or StatefulSet's spec: replicas, a selector of labels (not empty) and a template whose labels it selects; a DaemonSet's without replicas. */
function controllerSpec(kind: number): void {
  let seen = 0, selectorCount = 0;
  templateCount = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (kind !== DAEMON_SET && is(s, e, K.replicas)) { seen = once(seen, 1); int(0, 1_000_000); }
    else if (is(s, e, K.selector)) {
      seen = once(seen, 2);
      if (!open(0x7b, 0x7d)) fail();
      const m = key();
      if (!is(m, se, K.matchLabels)) fail();
      selectorCount = labels(selectorLabels);
      if (more(0x7d)) fail();
    } else if (is(s, e, K.template)) { seen = once(seen, 4); template(); }
    else fail();
  } while (more(0x7d));
  if ((seen & 6) !== 6 || selectorCount === 0) fail();
  // selectsTemplate: every label of the selector is the template's, with its value.
  for (let k = 0; k < selectorCount; k += 4) {
    let found = false;
    for (let t = 0; t < templateCount && !found; t += 4) {
      found = same(selectorLabels[k], selectorLabels[k + 1], templateLabels[t], templateLabels[t + 1]) && same(selectorLabels[k + 2], selectorLabels[k + 3], templateLabels[t + 2], templateLabels[t + 3]);
    }
    if (!found) fail();
  }
}

/** A pod template: metadata (labels; creationTimestamp null, as the API server writes it) and a PodSpec. */
function template(): void {
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.metadata)) {
      seen = once(seen, 1);
      let meta = 0;
      if (open(0x7b, 0x7d)) do {
        const m = key(), me = se;
        if (is(m, me, K.labels)) { meta = once(meta, 1); templateCount = labels(templateLabels); }
        else if (is(m, me, K.creationTimestamp)) { meta = once(meta, 2); literal(NULL); }
        else fail();
      } while (more(0x7d));
    } else if (is(s, e, K.spec)) { seen = once(seen, 2); podSpec(); }
    else fail();
  } while (more(0x7d));
  if (!(seen & 2)) fail();
}

/** A Service's spec: type ClusterIP, a selector, ports (a port and a protocol once each; named when several, each name once). */
function serviceSpec(): void {
  let seen = 0;
  if (!open(0x7b, 0x7d)) fail();
  do {
    const s = key(), e = se;
    if (is(s, e, K.type)) { seen = once(seen, 1); strIs(V.ClusterIP); }
    else if (is(s, e, K.selector)) { seen = once(seen, 2); labels(scratch); }
    else if (is(s, e, K.ports)) { seen = once(seen, 4); ports(true); }
    else fail();
  } while (more(0x7d));
  if (!(seen & 4)) fail();
}
