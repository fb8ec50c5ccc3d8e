// YAML read exactly as kubectl reads it. kubectl converts each YAML document to JSON with
// sigs.k8s.io/yaml, which decodes with go-yaml v2 (YAML 1.1 rules) into interface{} values and
// marshals them with encoding/json. The `yaml` library (in YAML 1.1 mode) parses the syntax; this
// module composes its nodes the way go-yaml v2 decodes them: scalar resolution (resolve.go),
// positional `<<` merges and alias limits (decode.go), and the key conversion of sigs.k8s.io/yaml
// (convertToJSONableObject). Where kubectl would fail, so does this; duplicate keys, which kubectl
// (with strict field validation) rejects on the server, are errors here.

import { goTrimSpace } from "../model/gostrings.js";
import { plainBlockObstacle } from "./blockyaml.js";
import type { Alias, CST, Document, DocumentOptions, Node, Pair, ParseOptions, Scalar, SchemaOptions } from "yaml";
import { withoutStacks, yaml } from "./yamllib.js";

/** A reading failure at `offset` (in the parsed text). */
export class KubeYamlError extends Error {
  /**
   * `syntax`: a syntax error of the YAML text that kubectl's go-yaml reports too, as
   * "yaml: line N: ..." (not one of Junction's own limits or checks): its reader then says which
   * line kubectl names (documents.ts kubectlLine).
   */
  constructor(message: string, readonly offset: number | undefined, readonly syntax = false) { super(message); }
}

/** Returned by resolvePlain for .inf/.nan: encoding/json cannot marshal them, so kubectl fails. */
export const NOT_JSON: unique symbol = Symbol("not-json");

/** Deeper than this, input is refused (kubectl's go-yaml stops at 10,000; the `yaml` parser earlier). */
export const MAX_DEPTH = 1000;

const TAG = "tag:yaml.org,2002:";
const WORDS = new Map<string, unknown>([
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((w) => [w, true] as const),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((w) => [w, false] as const),
  ...["", "~", "null", "Null", "NULL"].map((w) => [w, null] as const),
  ...[".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"].map((w) => [w, NOT_JSON] as const),
]);

/** go-yaml v2 resolveTable: only these first characters can make a plain scalar anything but a string. */
function hint(c: number): "M" | "D" | "." | undefined {
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d) return "D";
  if (c === 0x2e) return ".";
  // y Y n N t T f F o O ~
  if (c === 0x79 || c === 0x59 || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46 || c === 0x6f || c === 0x4f || c === 0x7e) return "M";
  return undefined;
}

/**
 * An untagged plain scalar as go-yaml v2 resolves it (resolve.go) and encoding/json then carries it:
 * bool/null words, integers by Go's strconv.ParseInt(s, 0, 64) after removing `_` (so 0x, 0o, 0b and
 * a leading 0 for octal), then ParseUint, then YAML-style floats; timestamps stay strings (go-yaml
 * keeps them as strings for interface{} targets); anything else is the string itself.
 */
export function resolvePlain(s: string): unknown {
  const h = s === "" ? "M" : hint(s.charCodeAt(0));
  if (h === undefined) return s;
  const word = WORDS.get(s);
  if (word !== undefined || WORDS.has(s)) return word;
  if (h === "M") return s;
  // A leading '.': strconv.ParseFloat of the text as written, which takes Go's digit separators.
  if (h === ".") return goFloat(s, GO_DOT_FLOAT, true) ?? s;
  const plain = s.includes("_") ? s.replace(/_/g, "") : s;
  const int = goInt(plain);
  if (int !== undefined) return int;
  return goFloat(plain, /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/) ?? s;
}

/** strconv.ParseInt(s, 0, 64), falling back to ParseUint(s, 0, 64) (no sign), as a JSON number. */
function goInt(s: string): number | undefined {
  // (Most integers of a manifest are short decimals: read without the regular expression and a BigInt.)
  if (isShortDecimal(s)) return Number(s);
  const n = goBigInt(s);
  return n === undefined ? undefined : n < INT64 ? int64Number(n) : Number(n);
}

const INT64 = 2n ** 63n;

/** A decimal integer of 1 to 15 digits without a leading zero, signed or not: goInt's value is Number(s) (exact below 2^53). */
function isShortDecimal(s: string): boolean {
  let k = s.charCodeAt(0) === 0x2b || s.charCodeAt(0) === 0x2d ? 1 : 0;
  const first = s.charCodeAt(k);
  // (A sign alone, `+` or `-` (or `+_`), has no digit: charCodeAt gives NaN, which no comparison refuses.)
  if (!(first >= 0x31 && first <= 0x39) || s.length - k > 15) return false;
  for (k++; k < s.length; k++) { const c = s.charCodeAt(k); if (c < 0x30 || c > 0x39) return false; }
  return true;
}

/**
 * An int64 as a JavaScript number, kept inside int64's range: the integers from 2^63 - 512 to
 * 2^63 - 1 round to the double 2^63, which no int64 holds, so they are read as the largest double
 * below it (MAX_INT64_NUMBER). A value of 2^63 or more is then always beyond an int64 field's range
 * (kubectl sends 9223372036854775808 as written and the API server's decoder fails on it), and one
 * of 2^63 - 1 or less never is, whatever the rounding (schema/structural.ts bounds int64 fields so).
 * Negative values need nothing: -2^63 is a double.
 */
export function int64Number(n: bigint): number {
  const x = Number(n);
  return x >= 2 ** 63 ? MAX_INT64_NUMBER : x || 0;
}

/** The largest double below 2^63 (2^63 - 1024). */
export const MAX_INT64_NUMBER = 2 ** 63 - 1024;

/** The exact integer of goInt (Go's base-0 syntax: 0x, 0b, 0o, a leading 0 for octal; no `_`: callers remove them as their reader does), if in int64 or uint64 range. */
export function goBigInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2];
  const digits = body.length > 1 && body[0] === "0" && /[0-7]/.test(body[1]) ? `0o${body.slice(1)}` : body;
  const n = BigInt(digits) * (m[1] === "-" ? -1n : 1n);
  return n >= -INT64 && (n < INT64 || (m[1] === "" && n < 2n * INT64)) ? n : undefined;
}

/** Go's ParseFloat syntax for text starting with '.': '_' only between two digits (strconv underscoreOK). */
const GO_DOT_FLOAT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;

/** strconv.ParseFloat when `shape` matches; out of range (±Inf) is a ParseFloat error, so undefined. */
function goFloat(s: string, shape: RegExp, separators = false): number | undefined {
  if (!shape.test(s)) return undefined;
  const f = Number(separators ? s.replace(/_/g, "") : s);
  return Number.isFinite(f) ? f : undefined;
}

/** A scalar with an explicit tag (resolve.go with a tag, decode.go scalar()). */
function resolveTagged(tag: string, s: string, at: number | undefined): unknown {
  const short = tag.startsWith(TAG) ? tag.slice(TAG.length) : undefined;
  if (short === "str" || short === "timestamp" && isTimestamp(s)) return s;
  if (short === "binary") return binary(s, at);
  if (short !== "bool" && short !== "int" && short !== "float" && short !== "null" && short !== "timestamp") return s;
  const v = resolvePlain(s);
  const got = v === null ? "null" : typeof v === "boolean" ? "bool" : typeof v === "number" ? (isIntText(s) ? "int" : "float") : "str";
  if (got === short || (short === "float" && got === "int")) return v;
  if (v === NOT_JSON && short === "float") return v;
  throw new KubeYamlError(`cannot decode !!${got} \`${s}\` as a !!${short} (as kubectl's YAML decoder says)`, at);
}

function isIntText(s: string): boolean {
  return goInt(s.replace(/_/g, "")) !== undefined;
}

/** parseTimestamp of resolve.go: YYYY- then one of the time.Parse layouts (checked loosely: a date). */
function isTimestamp(s: string): boolean {
  return /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$/.test(s);
}

/** !!binary: base64-decoded bytes, as a string (invalid UTF-8 becomes U+FFFD, as encoding/json does). */
function binary(s: string, at: number | undefined): string {
  const compact = s.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw new KubeYamlError("!!binary value contains invalid base64 data", at);
  return Buffer.from(compact, "base64").toString("utf8");
}

/** sigs.k8s.io/yaml's key conversion: ints in decimal, floats as Go's FormatFloat(f, 'g', -1, 32), bools. */
export function keyString(text: string, node: Scalar): string {
  const at = node.range?.[0];
  const tag = node.tag;
  if (!tag && node.type !== yaml().Scalar.PLAIN) return text;
  const v = tag ? resolveTagged(tag, text, at) : resolvePlain(text);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (v === null) throw new KubeYamlError(`a null mapping key (${JSON.stringify(text)}) cannot be converted to JSON; kubectl fails on it`, at);
  if (v === NOT_JSON) return text.includes("nan") || text.includes("NaN") || text.includes("NAN") ? ".nan" : text.startsWith("-") ? "-.inf" : ".inf";
  const int = tag === `${TAG}float` ? undefined : goBigInt(text.replace(/_/g, ""));
  if (int !== undefined) {
    if (int >= INT64) throw new KubeYamlError(`the mapping key ${text} is an unsigned 64-bit integer, which kubectl cannot convert to JSON`, at);
    return int.toString();
  }
  return formatFloat32(v as number);
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32): the shortest digits that round-trip through float32. */
export function formatFloat32(f: number): string {
  const x = Math.fround(f);
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  let digits = "";
  for (let p = 1; p <= 9; p++) {
    digits = x.toExponential(p - 1);
    if (Math.fround(Number(digits)) === x) break;
  }
  const [mant, expText] = digits.split("e");
  const exp = Number(expText);
  const sig = mant.replace("-", "").replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) return `${sign}${sig[0]}${sig.length > 1 ? `.${sig.slice(1)}` : ""}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(Number(`${sign}${sig[0]}.${sig.slice(1)}e${exp}`));
}

/** The go-yaml v2 limit on alias expansion (decode.go allowedAliasRatio). */
function allowedAliasRatio(decodes: number): number {
  if (decodes <= 400_000) return 0.99;
  if (decodes >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000);
}

/** Composes one parsed document into the JSON value kubectl would send. */
export class Composer {
  private anchors = new Map<string, Node>();
  private bound = new Map<Alias, Node>();
  private expanding = new Set<Alias>();
  private decodes = 0;
  private aliasDecodes = 0;
  private aliasDepth = 0;

  private constructor(private readonly text: string, private readonly onDuplicate?: KubeYamlOptions["onDuplicate"], private readonly loneDashes = false) {}

  /** `loneDashes`: the text holds LONE_DASH for a lone '-' of a flow collection (goYamlSpellings). */
  static compose(doc: Document, text: string, onDuplicate?: KubeYamlOptions["onDuplicate"], loneDashes = false): unknown {
    return new Composer(text, onDuplicate, loneDashes).value(doc.contents as Node | null, 0);
  }

  private count(at: number | undefined): void {
    this.decodes++;
    if (this.aliasDepth > 0) this.aliasDecodes++;
    if (this.aliasDecodes > 100 && this.decodes > 1000 && this.aliasDecodes / this.decodes > allowedAliasRatio(this.decodes)) {
      throw new KubeYamlError("document contains excessive aliasing (an alias bomb; kubectl's YAML decoder refuses it too)", at);
    }
  }

  private value(node: Node | null, depth: number): unknown {
    if (node === null || node === undefined) return null;
    const at = node.range?.[0];
    this.count(at);
    if (depth > MAX_DEPTH) throw new KubeYamlError(`nested more than ${MAX_DEPTH} levels deep`, at);
    if (yaml().isAlias(node)) return this.alias(node, depth);
    if (node.anchor && this.aliasDepth === 0) this.anchors.set(node.anchor, node);
    if (yaml().isScalar(node)) return this.scalar(node, at);
    if (yaml().isMap(node)) return this.pairs(node.items as Pair[], depth);
    if (yaml().isSeq(node)) return node.items.map((item) => (yaml().isPair(item) ? this.pairs([item], depth + 1) : this.value(item as Node, depth + 1)));
    throw new KubeYamlError("unsupported YAML node", at);
  }

  private target(a: Alias): Node {
    let target = this.aliasDepth === 0 ? this.anchors.get(a.source) : this.bound.get(a);
    if (this.aliasDepth === 0 && target) this.bound.set(a, target);
    if (!target) throw new KubeYamlError(`unknown anchor '${a.source}' referenced`, a.range?.[0]);
    return target;
  }

  private alias(a: Alias, depth: number): unknown {
    const target = this.target(a);
    if (this.expanding.has(a)) throw new KubeYamlError(`anchor '${a.source}' value contains itself`, a.range?.[0]);
    this.expanding.add(a);
    this.aliasDepth++;
    try { return this.value(target, depth); } finally { this.aliasDepth--; this.expanding.delete(a); }
  }

  private scalar(node: Scalar, at: number | undefined): unknown {
    const text = (node as Scalar & { source?: string }).source ?? String(node.value);
    if (node.type === yaml().Scalar.QUOTE_DOUBLE) checkEscapes(this.raw(node), at);
    if (this.loneDashes && text === LONE_DASH && node.type === yaml().Scalar.PLAIN) return "-";
    const v = node.tag ? resolveTagged(node.tag, text, at) : node.type === yaml().Scalar.PLAIN ? resolvePlain(text) : text;
    if (v === NOT_JSON) throw new KubeYamlError(`${text} is a YAML float (infinity or NaN) that JSON cannot carry; kubectl fails on it`, at);
    return v;
  }

  /** Pairs in order: a `<<` merge sets its keys (overwriting), later keys overwrite (decode.go mapping). */
  private pairs(items: Pair[], depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const explicit = new Set<string>();
    for (const pair of items) {
      const k = pair.key as Node | null;
      if (yaml().isScalar(k) && isMergeKey(k)) { this.merge(pair.value as Node | null, out, depth); continue; }
      const key = this.key(k, depth);
      if (explicit.has(key) && this.onDuplicate) this.onDuplicate(key, k?.range?.[0]);
      else if (explicit.has(key)) throw new KubeYamlError(`duplicate key ${JSON.stringify(key)} in a mapping: kubectl would silently keep only the last one (the API server's strict decoding refuses duplicate fields in a request body); remove one`, k?.range?.[0]);
      explicit.add(key);
      set(out, key, this.value(pair.value as Node | null, depth + 1));
    }
    return out;
  }

  private key(k: Node | null, depth: number): string {
    if (k === null || k === undefined) throw new KubeYamlError("a null mapping key cannot be converted to JSON; kubectl fails on it", undefined);
    if (yaml().isAlias(k)) {
      const target = this.target(k);
      if (!yaml().isScalar(target)) throw new KubeYamlError("invalid map key: a mapping or sequence (kubectl's YAML decoder refuses it)", k.range?.[0]);
      this.count(k.range?.[0]);
      return this.key(target, depth);
    }
    this.count(k.range?.[0]);
    if (k.anchor && this.aliasDepth === 0) this.anchors.set(k.anchor, k);
    if (!yaml().isScalar(k)) throw new KubeYamlError("invalid map key: a mapping or sequence (kubectl's YAML decoder refuses it)", k.range?.[0]);
    if (k.type === yaml().Scalar.QUOTE_DOUBLE) checkEscapes(this.raw(k), k.range?.[0]);
    const source = (k as Scalar & { source?: string }).source ?? String(k.value);
    return this.loneDashes && source === LONE_DASH && k.type === yaml().Scalar.PLAIN ? "-" : keyString(source, k);
  }

  /** decode.go merge(): a mapping, an alias of one, or a sequence of them (earlier ones win). */
  private merge(v: Node | null, out: Record<string, unknown>, depth: number): void {
    const at = v?.range?.[0];
    const want = (): never => { throw new KubeYamlError("map merge requires map or sequence of maps as the value", at); };
    const isMapping = (n: Node | null): boolean => !!n && (yaml().isMap(n) || (yaml().isAlias(n) && yaml().isMap(this.target(n))));
    if (yaml().isSeq(v)) {
      for (const item of v.items as Node[]) if (!isMapping(item)) want();
      for (let i = v.items.length - 1; i >= 0; i--) this.mergeOne(v.items[i] as Node, out, depth);
      return;
    }
    if (!isMapping(v)) want();
    this.mergeOne(v!, out, depth);
  }

  private mergeOne(n: Node, out: Record<string, unknown>, depth: number): void {
    const merged = this.value(n, depth + 1) as Record<string, unknown>;
    for (const key of Object.keys(merged)) set(out, key, merged[key]);
  }

  private raw(node: Scalar): string {
    return node.range ? this.text.slice(node.range[0], node.range[1]) : "";
  }
}

function set(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** go-yaml isMerge: a plain `<<` (or one tagged !!merge). */
function isMergeKey(k: Scalar): boolean {
  const text = (k as Scalar & { source?: string }).source ?? k.value;
  return text === "<<" && (k.tag === `${TAG}merge` || (!k.tag && k.type === yaml().Scalar.PLAIN));
}

/**
 * Escapes the `yaml` library accepts in double-quoted scalars but go-yaml v2 refuses: `\/` (YAML 1.2
 * only) and \u/\U code points that are surrogates or beyond U+10FFFF.
 */
function checkEscapes(src: string, at: number | undefined): void {
  if (!src.includes("\\")) return;
  for (let i = src.indexOf("\\"); i >= 0; i = src.indexOf("\\", i + 2)) {
    const c = src[i + 1];
    if (c === "/") throw new KubeYamlError("found unknown escape character \\/ in a double-quoted string (kubectl's YAML 1.1 decoder refuses it)", at);
    if (c === "u" || c === "U") {
      const code = parseInt(src.slice(i + 2, i + 2 + (c === "u" ? 4 : 8)), 16);
      if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) throw new KubeYamlError(`found invalid Unicode character escape code \\${c}${src.slice(i + 2, i + 2 + (c === "u" ? 4 : 8))} (kubectl's YAML decoder refuses surrogate escapes)`, at);
    }
  }
}

const PARSE_OPTIONS = { version: "1.1", schema: "failsafe", uniqueKeys: false, prettyErrors: false } as const;

/**
 * `onDuplicate`: a duplicate key in a mapping is not an error: the last one is kept, as go-yaml v2
 * keeps it when decoding into a map (sigs.k8s.io/yaml YAMLToJSON, as a program reading its own
 * configuration file decodes it: kube-proxy's lenient decoding, istiod's mesh configuration), and
 * the key is told to `onDuplicate` (once per duplicate, with its offset in `text`).
 */
export interface KubeYamlOptions { onDuplicate?: (key: string, offset: number | undefined) => void }

/**
 * One document as kubectl's document reader hands it to go-yaml (the text between `---` lines), read
 * to its JSON value; null when empty. Throws KubeYamlError.
 */
export function parseKubeYaml(text: string, options: KubeYamlOptions = {}): unknown {
  refuseTooLarge(text);
  const read = indentQuotedScalars(text);
  try {
    const docs = read.docs;
    for (const d of docs) {
      const err = d.errors[0];
      if (err) throw new KubeYamlError(loneDash(read.text, err.pos[0]) ?? syntaxMessage(err.message), err.pos[0], true);
    }
    if (docs.length > 1) throw new KubeYamlError("a second YAML document follows a '...' end marker without a '---' line; kubectl reads only the first, so Junction refuses it", docs[1].range[0]);
    checkDirectives(read.text);
    if (read.text.includes("\t")) checkTabs(read.text);
    if (docs.length) checkGoYamlTokens(docs[0], read.text);
    const onDuplicate = options.onDuplicate && ((key: string, at: number | undefined) => options.onDuplicate!(key, at !== undefined && read.inserted.length ? read.originalOffset(at) : at));
    return docs.length ? Composer.compose(docs[0], read.text, onDuplicate, read.loneDashes) : null;
  } catch (e) {
    // Offsets in the indented text, back to the text as written.
    if (e instanceof KubeYamlError && e.offset !== undefined && read.inserted.length) throw new KubeYamlError(e.message, read.originalOffset(e.offset), e.syntax);
    throw e;
  }
}

/**
 * Lines plus commas of a document the `yaml` library may read. Its syntax tree and composed document
 * are both alive while it composes: 1.25 KB of heap a line for a `kind: List` of tagged ConfigMaps
 * (100k lines: CST 86 MB, with the document 125 MB), about 2.2 KB of RSS with the collector's room;
 * 1.9M lines took 3.8 GB, at the edge of Node's 4 GB heap, with nothing left for the rest of the
 * input. 1M lines take about half of it.
 */
export const MAX_FULL_YAML_VALUES = 1_000_000;

/**
 * A document too large for the `yaml` library, which the fast reader (blockyaml.ts) declined, is
 * refused at the line where it declined, instead of running out of memory: a cluster dump of 150k
 * pods in one `kind: List` is about 9M lines.
 */
/**
 * The offset of the first collection nested more than MAX_DEPTH deep in the `yaml` library's CST
 * of a text (block or flow; its parser is iterative), if any. The library composes documents
 * recursively and overflows the stack some 850 flow levels down (an error: "nested too deeply"); far
 * deeper, a second such document in one process made V8 abort compiling a regular expression there
 * ("RegExpCompiler Allocation failed", exit 134: two files of 20,000 `[`), so such a text is refused
 * before the library composes it (parseDocuments). Walked with a stack, not recursively.
 */
function deepCollectionAt(cst: readonly unknown[], limit = MAX_DEPTH, prune = false): number | undefined {
  type Tok = { type?: string; offset?: number; indent?: number; source?: string; value?: Tok; items?: { key?: Tok | null; value?: Tok | null }[] };
  const stack: [Tok, number][] = cst.map((t) => [t as Tok, 0]);
  let first: number | undefined;
  while (stack.length) {
    const [tok, depth] = stack.pop()!;
    if (!tok || typeof tok !== "object") continue;
    if (tok.type === "document") { if (tok.value) stack.push([tok.value, depth]); continue; }
    if (tok.type !== "block-map" && tok.type !== "block-seq" && tok.type !== "flow-collection") continue;
    const deep = (c: Tok | null | undefined) => !!c && (c.type === "block-map" || c.type === "block-seq" || c.type === "flow-collection") && depth + 2 > limit;
    if (depth + 1 > limit) {
      if (!prune) return tok.offset;
      continue;
    }
    for (const item of tok.items ?? []) {
      // (Pruning: a collection past the limit becomes an empty plain scalar at its offset, so the
      // Composer's recursion never goes deeper than `limit`; the first such offset is returned.)
      for (const side of ["key", "value"] as const) {
        const c = item[side];
        if (!c) continue;
        if (prune && deep(c)) {
          if (first === undefined || c.offset! < first) first = c.offset;
          item[side] = { type: "scalar", offset: c.offset, indent: c.indent, source: "" };
        } else stack.push([c, depth + 1]);
      }
    }
  }
  return first;
}

/**
 * How deep the `yaml` library composes a text that is nested too deeply, to find a syntax error
 * before the deep collection: well under the some 850 flow levels where its recursion overflows.
 */
const ERROR_SEARCH_DEPTH = 200;

/**
 * A text nested more than MAX_DEPTH deep at `deep`, refused; but go-yaml (kubectl) reads a document in
 * order and stops at its first error, and its own limit is 10,000 levels (scannerc.go
 * yaml_parser_roll_indent and yaml_parser_increase_flow_level, "exceeded max depth of 10000"), so
 * a syntax error before `deep` is what kubectl names. The `yaml` library also nests what follows an
 * error: 1,500 lines `k: v: w` (go-yaml: "mapping values are not allowed in this context" on the
 * first) were a collection 1,000 levels deep at the 1,000th line, which was named. The CST is
 * composed with its collections past ERROR_SEARCH_DEPTH pruned (deepCollectionAt), and its errors
 * before both the first pruned collection and `deep` are kept; if there are none, the nesting is
 * the error. (The CST is changed: it is not read again.)
 */
function errorsBeforeDeep(cst: CST.Token[], length: number, deep: number, options: ParseOptions & DocumentOptions & SchemaOptions): Document.Parsed[] {
  const pruned = deepCollectionAt(cst, ERROR_SEARCH_DEPTH, true);
  const before = Math.min(deep, pruned ?? deep);
  const docs = composeDocuments(cst, length, options);
  for (const d of docs) d.errors = d.errors.filter((e) => e.pos[0] < before);
  if (!docs.some((d) => d.errors.length)) throw new KubeYamlError(`nested more than ${MAX_DEPTH} levels deep`, deep);
  return docs;
}

/**
 * The errors the `yaml` library's Composer may report in one text before it stops composing it.
 * go-yaml v2 (kubectl) stops at the first: its scanner, parser and decoder fail on it, having read
 * only what came before. The Composer reports every error and goes on composing: a document of
 * 100,000 lines `- k: v: w` (under the MAX_FULL_YAML_VALUES bound) took 371 MB of heap, its CST 212
 * MB of it, so one of 2M lines some 7 GB, more than Node's heap; stopped here, 244 MB. Only the first
 * error is ever reported (kubectl's), so composing stops after this many, except where the first is
 * a quoted scalar that indentQuotedScalars reads as kubectl reads it.
 */
export const MAX_COMPOSE_ERRORS = 100;

class ComposeStopped extends Error {}

/** What parseDocuments reads of the Composer besides its API: the document read before the current one, and the current one's errors (decorate moves them to it when it is done). */
interface ComposerState {
  doc: Document.Parsed | null;
  errors: Document.Parsed["errors"];
  onError: (source: unknown, code: string, message: string, warning?: boolean) => void;
}

/**
 * yaml().parseAllDocuments, its CST looked at before it is composed (deepCollectionAt): throws
 * KubeYamlError on a collection nested too deeply. After MAX_COMPOSE_ERRORS errors, the document
 * being composed is given as one without contents that holds the errors found so far.
 */
function parseDocuments(text: string, options: ParseOptions & DocumentOptions & SchemaOptions): Document.Parsed[] {
  const cst = withoutStacks(() => Array.from(new (yaml().Parser)().parse(text)));
  const deep = deepCollectionAt(cst);
  return deep === undefined ? composeDocuments(cst, text.length, options) : errorsBeforeDeep(cst, text.length, deep, options);
}

/** The Composer over a CST, stopped after MAX_COMPOSE_ERRORS errors (parseDocuments). */
function composeDocuments(cst: CST.Token[], length: number, options: ParseOptions & DocumentOptions & SchemaOptions): Document.Parsed[] {
  return withoutStacks(() => {
    const composer = new (yaml().Composer)(options);
    const state = composer as unknown as ComposerState;
    const report = state.onError;
    let errors = 0, quoteFirst = false;
    state.onError = (source, code, message, warning) => {
      report(source, code, message, warning);
      if (warning) return;
      if (errors++ === 0) quoteFirst = code === "MISSING_CHAR" && /^Missing closing ["']quote/.test(message);
      if (errors >= MAX_COMPOSE_ERRORS && !quoteFirst) throw new ComposeStopped();
    };
    const docs: Document.Parsed[] = [];
    let current: (typeof cst)[number] | undefined;
    try {
      const tokens = function* () { for (const token of cst) yield (current = token); };
      for (const d of composer.compose(tokens())) docs.push(d as Document.Parsed);
    } catch (e) {
      if (!(e instanceof ComposeStopped)) throw e;
      if (state.doc) docs.push(state.doc);
      const stopped = new (yaml().Document)(null, options) as unknown as Document.Parsed;
      stopped.errors = state.errors;
      stopped.range = [current!.offset, length, length];
      docs.push(stopped);
    }
    return docs;
  });
}

/** Whether `text` holds a collection nested more than MAX_DEPTH deep (deepCollectionAt), which the `yaml` library must not be given. */
export function nestedTooDeeply(text: string): boolean {
  return deepCollectionAt(Array.from(new (yaml().Parser)().parse(text))) !== undefined;
}

function refuseTooLarge(text: string): void {
  if (text.length < MAX_FULL_YAML_VALUES) return;
  let values = 0;
  for (let k = text.indexOf("\n"); k >= 0; k = text.indexOf("\n", k + 1)) values++;
  for (let k = text.indexOf(","); k >= 0 && values <= MAX_FULL_YAML_VALUES; k = text.indexOf(",", k + 1)) values++;
  if (values <= MAX_FULL_YAML_VALUES) return;
  throw new KubeYamlError(`this document has over ${MAX_FULL_YAML_VALUES / 1e6}M lines and values and is not plain block YAML from this line on (a tab, anchor, alias, tag (other than !!str on a value), merge key, multi-line flow collection or plain scalar, ...); the full YAML parser needs about 1 KB of memory per value, so Junction reads a document this large only as plain block YAML (as kubectl get -o yaml writes it): change this, or split the document with --- lines`, plainBlockObstacle(text));
}

/**
 * A `%YAML` or `%TAG` directive: it must be followed by a `---` line, where kubectl's document
 * reader cuts the stream, so go-yaml gets the directive alone and fails ("did not find expected
 * <document start>"). The `yaml` library would read the document.
 */
function checkDirectives(text: string): void {
  if (!/^%/m.test(text)) return;
  for (const token of new (yaml().Parser)().parse(text)) {
    if (token.type === "directive") throw new KubeYamlError(`a YAML directive (${token.source.trim()}): kubectl splits documents at '---' lines, so the directive is left without its document and kubectl fails ("did not find expected <document start>"); remove it`, token.offset);
  }
}

/**
 * Tabs where go-yaml v2's scanner refuses them and the `yaml` library reads white space
 * (scannerc.go yaml_parser_scan_to_next_token: "Tabs are allowed ... in the block context, but
 * not at the beginning of the line or after '-', '?', or ':' (complex value)"): outside [ ] and
 * { }, a tab in a line's leading white space ("found character that cannot start any token"),
 * unless a plain scalar is being continued and the tab is right of its collection's column
 * (yaml_parser_scan_plain_scalar: "found a tab character that violates indentation"), and a tab
 * right after a '-' or '?' indicator, or a ':' that starts its line. Blank lines holding a tab
 * are the common case.
 */
function checkTabs(text: string): void {
  let offset = 0, flow = 0, lineStart = 0, atLineStart = true, plainIndent = -1;
  let previous: string | undefined, scalarNext = false, blockBody = false, blockHeader = "";
  const refuse = (at: number, what: string, says = "found character that cannot start any token"): never => { throw new KubeYamlError(`a tab ${what}: kubectl's YAML reader refuses it ("${says}"); use spaces`, at); };
  for (const token of new (yaml().Lexer)().lex(text)) {
    if (token.length === 1 && (token === "\x02" || token === "\x18" || token === "\x1f")) { if (token === "\x1f") scalarNext = true; continue; }
    const at = offset;
    offset += token.length;
    if (scalarNext) {
      scalarNext = false;
      const plain = !blockBody;
      if (blockBody && !/\d/.test(blockHeader)) checkBlockIndentTabs(token, at, refuse);
      blockBody = false;
      plainIndent = plain ? plainScalarIndent(text, lineStart, at) : -1;
      atLineStart = false;
      previous = plain ? "plain" : "scalar";
      continue;
    }
    const type = yaml().CST.tokenType(token);
    if (type === "newline") { atLineStart = true; lineStart = offset; continue; }
    if (type === "space") {
      const tab = token.indexOf("\t");
      if (tab < 0 || flow > 0) continue;
      if (atLineStart && !(previous === "plain" && at + tab - lineStart >= plainIndent)) refuse(at + tab, "at the start of a line, outside a scalar");
      if (!atLineStart && (previous === "seq-item-ind" || previous === "explicit-key-ind" || previous === "value-at-line-start")) refuse(at + tab, `after '${text[at - 1]}'`);
      continue;
    }
    if (type === "comment") { previous = "comment"; continue; }
    if (type === "flow-map-start" || type === "flow-seq-start") flow++;
    else if ((type === "flow-map-end" || type === "flow-seq-end") && flow > 0) flow--;
    else if (type === "block-scalar-header") { blockBody = true; blockHeader = token; }
    previous = type === "map-value-ind" && atLineStart ? "value-at-line-start" : type ?? "other";
    atLineStart = false;
  }
}

/**
 * A block scalar without an indentation indicator: while go-yaml looks for its indentation (its
 * leading blank lines and first line), a tab right after a line's spaces is refused
 * (yaml_parser_scan_block_scalar_breaks: "found a tab character where an indentation space is
 * expected"); the `yaml` library takes it as the content's first character.
 */
function checkBlockIndentTabs(body: string, at: number, refuse: (at: number, what: string, says: string) => never): void {
  for (let k = 0; k < body.length;) {
    let c = k;
    while (body[c] === " ") c++;
    if (body[c] === "\t") refuse(at + c, "where a block scalar's indentation is expected", "found a tab character where an indentation space is expected");
    if (body[c] !== "\n") return;
    k = c + 1;
  }
}

/**
 * Where go-yaml lets a tab stand in the blank lines after a plain scalar starting at `at`: right
 * of the column of the innermost block collection holding it (the key on its line, or its '-'),
 * or anywhere for a document that is one scalar. Unknown cases take the scalar's own column.
 */
function plainScalarIndent(text: string, lineStart: number, at: number): number {
  const prefix = text.slice(lineStart, at);
  if (/^\s*$/.test(prefix)) return lineStart === 0 || !/\S/.test(text.slice(0, lineStart)) ? 0 : at - lineStart;
  let col = prefix.length - prefix.trimStart().length, dash = -1;
  while (/^-[ \t]/.test(prefix.slice(col))) { dash = col; col++; while (prefix[col] === " " || prefix[col] === "\t") col++; }
  return (col < prefix.length && prefix.slice(col).includes(":") ? col : dash) + 1;
}

/** go-yaml v2's limit on an implicit (simple) key: from its start to the ':', on one line (scannerc.go yaml_parser_stale_simple_keys). */
const MAX_SIMPLE_KEY = 1024;

/**
 * Token rules of go-yaml v2's scanner that the `yaml` library does not apply, checked on the
 * parsed document: inside [ ] and { } a '?' ends a plain scalar (it starts a key), so `{path:
 * /a?b}` fails in kubectl and `[?a]` is the mapping {a: null}; a ':' there is a value indicator
 * only when followed by a space (`{a:, b}` has the key "a:") or at the start of a token (`[:a]`
 * fails); an implicit key must end with its ':' on the same line, at most 1024 characters after its
 * start. Refused, naming the rule.
 */
function checkGoYamlTokens(doc: Document, text: string): void {
  if (!/[?{[]/.test(text) && !new RegExp(`[^\\n]{${MAX_SIMPLE_KEY + 1}}`).test(text)) return;
  yaml().visit(doc, {
    Scalar(_, node, path) {
      const src = (node as Scalar & { source?: string }).source;
      if (node.type !== yaml().Scalar.PLAIN || !src || !/^:|\?/.test(src) || !inFlow(path)) return;
      throw new KubeYamlError(`the unquoted value ${JSON.stringify(src.slice(0, 60))} ${src[0] === ":" ? "starts with ':'" : "holds a '?'"} inside [ ] or { }: kubectl's YAML reader ${src[0] === ":" ? "reads a ':' there as a key's value indicator" : "ends the value there (a '?' starts a key in flow collections)"} and fails or reads something else; quote the value`, node.range?.[0]);
    },
    Pair(_, pair, path) {
      const key = pair.key as Node | null;
      const start = key?.range?.[0];
      if (start === undefined || explicitKey(text, start)) return;
      let colon = key!.range![1];
      // `{a:, b}`: go-yaml takes a ':' not followed by a space into the plain key ("a:").
      if (yaml().isScalar(key) && key.type === yaml().Scalar.PLAIN && text[colon] === ":" && ",[]{}".includes(text[colon + 1] ?? " ") && inFlow(path)) {
        throw new KubeYamlError(`the key ${JSON.stringify(text.slice(start, colon + 1))} inside [ ] or { } is followed by ':' and '${text[colon + 1]}' with no space: kubectl's YAML reader reads the ':' as part of the key; write ': ' (or quote the key)`, start);
      }
      while (text[colon] === " " || text[colon] === "\t" || text[colon] === "\n") colon++;
      if (text[colon] !== ":") return;
      const span = text.slice(start, colon);
      if (span.includes("\n")) throw new KubeYamlError("an implicit mapping key whose ':' is on a later line: kubectl's YAML reader needs a key and its ':' on one line (write the key on one line, or use '? key')", start);
      if (span.length > MAX_SIMPLE_KEY && codePointsOver(span, MAX_SIMPLE_KEY)) throw new KubeYamlError(`a mapping key more than ${MAX_SIMPLE_KEY} characters long: kubectl's YAML reader refuses implicit keys longer than that`, start);
    },
  });
}

/** Whether `s` holds more than `max` code points (counted up to max + 1: a key can be megabytes long). */
function codePointsOver(s: string, max: number): boolean {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) i++; }
    if (++n > max) return true;
  }
  return false;
}

function inFlow(path: readonly unknown[]): boolean {
  return path.some((p) => (yaml().isMap(p) || yaml().isSeq(p)) && (p as { flow?: boolean }).flow === true);
}

/**
 * Whether the key at `start` follows a '?' indicator (an explicit key, which has no length limit),
 * past the key's properties: a node's range starts after its tag and anchor, and `? !!str a` then
 * `: v` on the next line is an explicit key to go-yaml (it was refused as an implicit key whose ':'
 * is on a later line).
 */
function explicitKey(text: string, start: number): boolean {
  const blank = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
  let k = start - 1;
  for (;;) {
    while (k >= 0 && blank(text[k])) k--;
    let j = k;
    while (j >= 0 && !blank(text[j])) j--;
    const c = text[j + 1];
    if (j < k && (c === "!" || c === "&")) { k = j; continue; }
    return text[k] === "?";
  }
}

/** Re-reads of one document for under-indented quoted scalars: beyond this, the reader gives up (hostile input). */
const MAX_INDENT_ROUNDS = 200;

export interface IndentedYaml {
  /** The text the `yaml` library reads: the input, or the input with quoted scalars' continuation lines indented. */
  text: string;
  docs: Document.Parsed[];
  /** [offset in `text`, spaces inserted there], in order. */
  inserted: [number, number][];
  originalOffset(offset: number): number;
  /** Whether `text` holds LONE_DASH for the lone '-' of a flow collection (goYamlSpellings). */
  loneDashes: boolean;
}

/**
 * go-yaml v2's scanner does not check the indentation of a quoted scalar's continuation lines
 * (scannerc.go yaml_parser_scan_flow_scalar stops only at a document indicator in column 0 or the
 * end of the stream, and skips a continuation line's leading blanks), so kubectl reads
 *     config: '{
 *       "a": 1
 *   }'
 * as `{ "a": 1 }`. The `yaml` library follows YAML 1.2 and ends the scalar at the under-indented
 * line ("Missing closing 'quote"). A continuation line's leading blanks are folded away by both, so
 * indenting such lines to the column of the opening quote changes no value and no line number: this
 * does that, for each scalar the `yaml` library stops early, and parses the result. Anything else
 * stays an error.
 */
export function indentQuotedScalars(text: string, options: ParseOptions & DocumentOptions & SchemaOptions = PARSE_OPTIONS): IndentedYaml {
  const inserted: [number, number][] = [];
  const spelt = goYamlSpellings(text, options);
  let current = spelt.text;
  for (let round = 0; ; round++) {
    let docs: Document.Parsed[];
    // (The spelt text's parse, when goYamlSpellings made one: not parsed twice.)
    try { docs = round === 0 && spelt.docs ? spelt.docs : parseDocuments(current, options); } catch (e) {
      // (Its offset in the indented text, back to the text as written.)
      if (e instanceof KubeYamlError && e.offset !== undefined && inserted.length) throw new KubeYamlError(e.message, originalOffset(inserted, e.offset));
      throw e;
    }
    const err = docs.flatMap((d) => d.errors)[0];
    const quote = err?.code === "MISSING_CHAR" && /^Missing closing ["']quote/.test(err.message) ? quotedScalarAt(docs, err.pos[0]) : undefined;
    const fixed = quote === undefined ? undefined : indentContinuations(current, quote);
    if (!fixed || round === MAX_INDENT_ROUNDS) {
      if (fixed) throw new KubeYamlError(`more than ${MAX_INDENT_ROUNDS} quoted scalars with under-indented continuation lines in one document; indent them`, originalOffset(inserted, quote!));
      if (options === PARSE_OPTIONS) lastRead = { input: text, text: current };
      return { text: current, docs, inserted, originalOffset: (o) => originalOffset(inserted, o), loneDashes: spelt.loneDashes };
    }
    current = fixed.text;
    inserted.push(...fixed.inserted);
    inserted.sort((a, b) => a[0] - b[0]);
  }
}

/**
 * The last text indentQuotedScalars read and the text it gave the `yaml` library (only the texts: its
 * parse of a large document takes about 1 KB a value, not to be kept), for kubectlReadText.
 */
let lastRead: { input: string; text: string } | undefined;

/**
 * indentQuotedScalars(text).text, without reading the text again when it was the last one read (the
 * line of a diagnostic is looked up in the document just read, locate.ts: a document of lone '-' in
 * flow collections was spelt twice, four parses of it).
 */
export function kubectlReadText(text: string): string {
  return lastRead?.input === text ? lastRead.text : indentQuotedScalars(text).text;
}

/** What a lone '-' of a flow collection is written as for the `yaml` library (a private-use character). */
const LONE_DASH = "\uE000";
/** Re-reads for goYamlSpellings: one per lone '-' the `yaml` library stops at, at most. */
const MAX_SPELLING_ROUNDS = 200;

/**
 * Two things go-yaml v2 reads and the `yaml` library refuses, spelt for the latter at the same
 * length (no offset or line moves), only where it refuses them (never inside a quoted scalar or a
 * comment):
 * - the verbatim tags `!<!>` and `!<!!>`, as the non-specific tag `!`: go-yaml takes them for a tag
 *   that is not one of its own, so a scalar keeps its text (`!<!> 1` is the string "1", as `! 1`
 *   is; kubectl 1.32 `label --local` prints "1") and a collection is read as it is ("Verbatim tags
 *   aren't resolved");
 * - a lone '-' right before `,`, `]` or `}` in a flow collection (`[-]`, `{a: -}`), which go-yaml's
 *   scanner reads as the plain scalar "-" (a '-' starts a block entry only before a blank), as
 *   LONE_DASH, which the Composer reads as "-" ("Block collections are not allowed within flow
 *   collections"). Not when the text holds LONE_DASH already: that '-' stays an error.
 */
function goYamlSpellings(text: string, options: ParseOptions & DocumentOptions & SchemaOptions): { text: string; loneDashes: boolean; docs?: Document.Parsed[] } {
  if (!mayNeedGoYamlSpellings(text)) return { text, loneDashes: false };
  const tags = text.includes("!<!"), dashes = !text.includes(LONE_DASH);
  let current = text, loneDashes = false, docs: Document.Parsed[] | undefined;
  if (dashes) ({ text: current, loneDashes } = spellLoneDashes(text));
  for (let round = 0; round < MAX_SPELLING_ROUNDS; round++) {
    const parsed = parseDocuments(current, options);
    docs = parsed;
    const spans: [number, number, string][] = [];
    for (const e of parsed.flatMap((d) => d.errors)) {
      if (tags && e.code === "TAG_RESOLVE_FAILED" && /^!<!!?>$/.test(current.slice(e.pos[0], e.pos[1]))) spans.push([e.pos[0], e.pos[1], "!" + " ".repeat(e.pos[1] - e.pos[0] - 1)]);
      else if (dashes && loneDash(current, e.pos[0])) spans.push([e.pos[0], e.pos[0] + 1, LONE_DASH]);
    }
    if (!spans.length) break;
    docs = undefined;
    let out = "", at = 0;
    for (const [start, end, by] of spans.sort((a, b) => a[0] - b[0])) {
      if (start < at) continue;
      out += current.slice(at, start) + by;
      at = end;
      if (by === LONE_DASH) loneDashes = true;
    }
    current = out + current.slice(at);
  }
  return { text: current, loneDashes, docs };
}

/**
 * The lone '-' of flow collections found by the `yaml` library's lexer, spelt as LONE_DASH before the
 * first parse: the parse then meets none of them. Parsing them as written cost three errors each (a
 * document of 333,000 took 1.4 GB and 14 s; the loop below found them the same way, just slower).
 * Only a `seq-item-ind` token inside a flow collection that loneDash accepts is spelt, so this spells
 * a subset of what the loop would; the loop still spells whatever this leaves.
 */
function spellLoneDashes(text: string): { text: string; loneDashes: boolean } {
  const tokens = yaml().Lexer;
  let at = 0, depth = 0, out = "", from = 0, scalar = false;
  for (const token of new tokens().lex(text)) {
    // (The lexer's marker tokens, DOCUMENT, FLOW_END and SCALAR, stand for no text; the token after
    // SCALAR is a scalar's text, whatever it holds.)
    if (token === "\x02" || token === "\x18" || token === "\x1f") { scalar ||= token === "\x1f"; continue; }
    if (scalar) scalar = false;
    else if (token === "[" || token === "{") depth++;
    else if ((token === "]" || token === "}") && depth > 0) depth--;
    else if (token === "-" && depth > 0 && loneDash(text, at)) { out += text.slice(from, at) + LONE_DASH; from = at + 1; }
    at += token.length;
  }
  // (Token lengths that do not add up to the text: leave it to the loop.)
  return at !== text.length || from === 0 ? { text, loneDashes: false } : { text: out + text.slice(from), loneDashes: true };
}

/** Whether goYamlSpellings may change `text` (a verbatim tag, or a '-' right before `,`, `]` or `}`): most texts are parsed as they are. */
export function mayNeedGoYamlSpellings(text: string): boolean {
  return text.includes("!<!") || /-[,\]}]/.test(text);
}

function originalOffset(inserted: [number, number][], offset: number): number {
  let o = offset;
  for (const [at, n] of inserted) if (at < offset) o -= Math.min(n, offset - at);
  return o;
}

/** The start of the quoted scalar that the `yaml` library ended (unclosed) at `end`. */
function quotedScalarAt(docs: Document[], end: number): number | undefined {
  let start: number | undefined;
  for (const doc of docs) {
    yaml().visit(doc, {
      Scalar(_, node) {
        const r = node.range;
        if (r && (node.type === yaml().Scalar.QUOTE_SINGLE || node.type === yaml().Scalar.QUOTE_DOUBLE) && r[0] < end && r[1] >= end - 1) { start = r[0]; return yaml().visit.BREAK; }
        return undefined;
      },
    });
  }
  return start;
}

/**
 * The text with the continuation lines of the quoted scalar opening at `start` indented to its
 * column, read with go-yaml's rules for the scalar's end (a doubled '' in single quotes, a
 * backslash escape in double quotes); undefined when go-yaml would fail too (a document indicator
 * in column 0, the end of the text) or nothing needs indenting.
 */
function indentContinuations(text: string, start: number): { text: string; inserted: [number, number][] } | undefined {
  const q = text[start];
  if (q !== "'" && q !== '"') return undefined;
  const column = start - (text.lastIndexOf("\n", start - 1) + 1);
  const parts: string[] = [];
  const inserted: [number, number][] = [];
  let from = 0, added = 0, closed = false;
  for (let i = start + 1; i < text.length && !closed; i++) {
    const c = text[i];
    if (q === "'" && c === "'") { if (text[i + 1] === "'") i++; else closed = true; continue; }
    if (q === '"' && c === "\\") { if (text[i + 1] !== "\n") i++; continue; }
    if (q === '"' && c === '"') { closed = true; continue; }
    if (c !== "\n") continue;
    const line = i + 1;
    if (/^(?:---|\.\.\.)(?:[ \t\n]|$)/.test(text.slice(line, line + 4))) return undefined;
    let spaces = 0;
    while (text[line + spaces] === " ") spaces++;
    const next = text[line + spaces];
    if (next === undefined || next === "\n" || spaces >= column) continue;
    parts.push(text.slice(from, line), " ".repeat(column - spaces));
    inserted.push([line + added, column - spaces]);
    added += column - spaces;
    from = line;
  }
  if (!closed || !inserted.length) return undefined;
  parts.push(text.slice(from));
  return { text: parts.join(""), inserted };
}

/**
 * A `-` right before `,`, `]` or `}` inside [ ] or { }: go-yaml's scanner takes it for a plain scalar
 * (a `-` starts one unless a blank follows), so kubectl reads the string "-" (`[a, -]`, `{a: -, b: 1}`),
 * while the `yaml` library reads a block sequence there and fails ("Block collections are not
 * allowed within flow collections"): said so, rather than in the library's words.
 */
function loneDash(text: string, at: number): string | undefined {
  if (text[at] !== "-" || !/[,\]}]/.test(text[at + 1] ?? "") || !/[[{,\s]/.test(text[at - 1] ?? "")) return undefined;
  return `a lone '-' inside [ ] or { } is the string "-" to kubectl (go-yaml), which the YAML parser Junction uses cannot read; quote it ("-")`;
}

function syntaxMessage(message: string): string {
  const first = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  return /Maximum call stack/.test(first) ? `nested too deeply for the YAML parser (Junction reads at most a few hundred levels)` : first;
}

/**
 * The documents of a YAML stream as kubectl's document reader splits it (apimachinery
 * util/yaml YAMLReader): at each line that starts with `---`, which may be followed only by spaces
 * or a comment ("invalid Yaml document separator" otherwise). Each range excludes the separator line.
 */
export function splitKubectlDocuments(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  const marker = /^---/gm;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    const eol = text.indexOf("\n", m.index);
    const lineEnd = eol < 0 ? text.length : eol;
    const rest = goTrimSpace(text.slice(m.index + 3, lineEnd));
    if (rest !== "" && rest[0] !== "#") throw new KubeYamlError(`invalid document separator "${text.slice(m.index, lineEnd).trim()}": kubectl accepts only a comment after '---' (put the content on the next line)`, m.index);
    ranges.push([start, m.index]);
    start = eol < 0 ? text.length : eol + 1;
    marker.lastIndex = start;
  }
  ranges.push([start, text.length]);
  return ranges;
}

/** Whether the line starting at `at` follows a document separator line (so it starts a document to kubectl). */
function afterSeparator(text: string, at: number): boolean {
  const prev = text.lastIndexOf("\n", at - 2) + 1;
  if (!text.startsWith("---", prev)) return false;
  const rest = goTrimSpace(text.slice(prev + 3, at - 1));
  return rest === "" || rest[0] === "#";
}

/** Characters go-yaml v2 refuses ("control characters are not allowed") or reads as line breaks. */
const SUSPECT = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF\u2028\u2029\r]|^[ \t]*[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]|^\uFEFF/m;

/** Any character SUSPECT looks at, wherever it is: one fast native scan for the common clean text. */
const ANY_SUSPECT = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF\u2028\u2029\r\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\uFEFF]/;

/**
 * The first character of a YAML text that kubectl would refuse or read differently from the `yaml`
 * library: control characters (go-yaml's reader refuses them), a CR not followed by LF (a line
 * break to go-yaml but not to kubectl's document splitter), NEL/LS/PS (line breaks in YAML 1.1
 * only), no-break or other Unicode spaces where indentation is (YAML reads them as text), and a
 * byte-order mark at the start of a line other than a document's first: go-yaml's scanner skips it
 * there but counts it as a column ("Allow the BOM" in scan_to_next_token), so the line is indented
 * by one to kubectl; the reader drops one only at the start of a stream (a document, to kubectl).
 */
export function yamlTextProblem(text: string): { message: string; offset: number } | undefined {
  if (!ANY_SUSPECT.test(text)) return undefined;
  const re = new RegExp(SUSPECT.source, "gm");
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const ch = m[0][m[0].length - 1], code = ch.charCodeAt(0), at = m.index + m[0].length - 1;
    if (ch === "\uFEFF") {
      if (at > 0 && afterSeparator(text, at)) continue;
      return { message: "a byte-order mark (U+FEFF) at the start of a line: kubectl's YAML reader skips it there but counts it as a column of indentation (it ignores one only at the start of a document); remove it (files joined with cat keep their byte-order marks)", offset: at };
    }
    if (ch === "\r") { if (text[at + 1] === "\n") continue; return { message: "a carriage return (CR) not followed by a line feed: lone-CR line endings are refused (kubectl splits documents on LF only); convert the file to LF or CRLF line endings", offset: at }; }
    const name = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    if (m[0].length > 1 || /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/.test(ch)) return { message: `a no-break or other Unicode space (${name}) used as indentation: YAML reads it as text, not indentation; use plain spaces`, offset: at };
    if (code === 0x85 || code === 0x2028 || code === 0x2029) return { message: `a raw ${name} line separator: YAML 1.1 (kubectl) reads it as a line break, other YAML readers do not; write it escaped (\\N, \\L, \\P) or remove it`, offset: at };
    return { message: `a raw control character (${name}): kubectl's YAML reader refuses it ("control characters are not allowed"); write it escaped in a double-quoted string`, offset: at };
  }
  return undefined;
}
