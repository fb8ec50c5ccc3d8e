// The vendored schemas (schemas/upstream/) by group, version and kind, each compiled on first use.
// - kubernetes/<release>.json: the built-in kinds ({ source, kinds: {"apps/v1/Deployment": def},
//   definitions }).
// - <group>/<name>.json: one CRD ({ source, group, kind, versions: { v1: { schema } | { sameAs } } }).

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Ajv, ValidateFunction } from "ajv";
import { createAjv, k8sFormats, k8sKeywords, re2Pattern } from "./keywords.js";
import { crdRoot, isObject, toAjv, type Structural } from "./structural.js";
import { compileDefaults, type Defaulter } from "./defaults.js";
import type { TypedSchema } from "./zero.js";

/** The vendored schemas. */
export const SCHEMA_ROOT = fileURLToPath(new URL("../../../../schemas/upstream/", import.meta.url));
/**
 * The folder of validators `npm run build` precompiles (scripts/schemas/precompile.mjs) for the
 * schemas under SCHEMA_ROOT: a module per kind, or per group of kinds that share large definitions
 * (the workload kinds' PodSpec), loaded on the first use of one of its kinds, and PRECOMPILED_INDEX.
 */
export const PRECOMPILED = fileURLToPath(new URL("../../../schemas/validators/", import.meta.url));
export const PRECOMPILED_INDEX = join(PRECOMPILED, "index.json");

/** The index of PRECOMPILED: each group/version/kind's module, made for the schema files of `fingerprint`. */
export interface PrecompiledIndex { fingerprint: string; files: Record<string, string> }

/**
 * What a precompiled module exports: the validators of its kinds by group/version/kind, made with
 * Junction's formats, patterns and keywords (one call makes them all, sharing the definitions' code).
 */
export interface PrecompiledModule {
  load(formats: typeof k8sFormats, pattern: typeof re2Pattern, keywords: typeof k8sKeywords): Record<string, ValidateFunction>;
}

/** The file name of a precompiled module, after its first kind. */
export function precompiledFile(key: string): string {
  return `${key.replace(/\//g, "~")}.cjs`;
}

const require = createRequire(import.meta.url);
const K8S_ID = "k8s";
const OBJECT_META_DEF = "V1ObjectMeta";
const OBJECT_META = { $ref: `${K8S_ID}#/definitions/${OBJECT_META_DEF}` };

export interface Source {
  /** Where the schema comes from, e.g. "kubernetes-sigs/gateway-api v1.6.1 config/crd/experimental/...". */
  description: string;
  [k: string]: unknown;
}

export interface KindSchema {
  validate: ValidateFunction;
  source: Source;
  /** The API server's defaulting of custom resources, applied before validation (none for built-in kinds). */
  defaults?: Defaulter;
  /** A built-in kind: its Go types' definitions, which the API server decodes it into (zero.ts). */
  typed?: TypedSchema;
}

interface Entry { source: Source; schema: () => Structural | { $ref: string }; defaults?: () => Defaulter | undefined; typed?: TypedSchema }

/** The id a kind's schema is registered under for standalone code. */
export function standaloneId(key: string): string {
  return `junction.${key.replace(/\//g, "~")}`;
}

export class SchemaCatalog {
  private ajv?: Ajv;
  private entries?: Map<string, Entry>;
  /** apiVersion → kind → its schema compiled (null: none vendored). */
  private compiled = new Map<string, Map<string, KindSchema | null>>();
  private hash = createHash("sha256");
  private fingerprintValue?: string;
  private precompiled?: PrecompiledIndex | null;
  /** The precompiled modules loaded, by file: each made once, its kinds sharing their definitions' functions. */
  private modules = new Map<string, Record<string, ValidateFunction>>();

  /** `standalone`: compile with an ajv instance that records code (scripts/schemas/precompile.mjs). */
  constructor(private readonly root = SCHEMA_ROOT, private readonly options: { standalone?: boolean } = {}) {}

  /** The schema of `apiVersion`/`kind`, or undefined when none is vendored. */
  lookup(apiVersion: string, kind: string): KindSchema | undefined {
    // (By apiVersion, then kind: no key string made per object looked up.)
    let kinds = this.compiled.get(apiVersion);
    if (!kinds) this.compiled.set(apiVersion, (kinds = new Map()));
    let c = kinds.get(kind);
    if (c === undefined) {
      const key = `${apiVersion}/${kind}`;
      const e = this.index().get(key);
      c = e ? { validate: this.validator(key, e), source: e.source, defaults: e.defaults?.(), ...(e.typed ? { typed: e.typed } : {}) } : null;
      kinds.set(kind, c);
    }
    return c ?? undefined;
  }

  /**
   * metav1.ObjectMeta among the built-in definitions: the API server decodes every custom resource's
   * `metadata` into it (apiextensions-apiserver objectmeta GetObjectMetaWithOptions), whatever the
   * kind's schema (zero.ts). Undefined when no built-in schema is vendored.
   */
  objectMeta(): TypedSchema | undefined {
    this.index();
    return this.builtinDefinitions ? { root: OBJECT_META_DEF, definitions: this.builtinDefinitions } : undefined;
  }

  /** Every group/version/kind that has a schema. */
  keys(): string[] { return [...this.index().keys()]; }

  /** A digest of every schema file read: a precompiled module is used only for the files it was made from. */
  fingerprint(): string {
    this.index();
    this.fingerprintValue ??= this.hash.digest("hex");
    return this.fingerprintValue;
  }

  /** The ajv instance (for precompile.mjs: its compiled validators and their code). */
  ajvInstance(): Ajv {
    if (!this.ajv) {
      this.ajv = createAjv(this.options);
      this.index();
    }
    return this.ajv;
  }

  private validator(key: string, e: Entry): ValidateFunction {
    const file = this.precompiledIndex()?.files[key];
    if (file) {
      let validators = this.modules.get(file);
      if (!validators) this.modules.set(file, (validators = (require(join(PRECOMPILED, file)) as PrecompiledModule).load(k8sFormats, re2Pattern, k8sKeywords)));
      return validators[key];
    }
    if (!this.options.standalone) return this.ajvInstance().compile(e.schema());
    // Registered under an id, as ajv's standaloneCode takes them (a relative one, so that "k8s#..." still resolves to the built-in definitions).
    const id = standaloneId(key);
    this.ajvInstance().addSchema(e.schema(), id);
    return this.ajvInstance().getSchema(id)!;
  }

  /** The index of the modules `npm run build` wrote, if they were made from these very schema files. */
  private precompiledIndex(): PrecompiledIndex | undefined {
    if (this.precompiled === undefined) {
      this.precompiled = null;
      if (this.root === SCHEMA_ROOT && !this.options.standalone && existsSync(PRECOMPILED_INDEX)) {
        const index = JSON.parse(readFileSync(PRECOMPILED_INDEX, "utf8")) as PrecompiledIndex;
        if (index.fingerprint === this.fingerprint()) this.precompiled = index;
      }
    }
    return this.precompiled ?? undefined;
  }

  private index(): Map<string, Entry> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    // (The modules' layout is part of what they were made for: an index of another layout does not match.)
    this.hash.update("precompiled: kinds sharing large definitions in one module\n");
    if (!existsSync(this.root)) {
      // (Without them nothing would be validated, and no answer would say so: an installation without
      // the package's schemas/ folder, e.g. dist/ copied alone, is refused rather than read leniently.)
      if (this.root === SCHEMA_ROOT) throw new Error(`the vendored schemas are missing (${this.root}): this installation of Junction is incomplete (schemas/ belongs beside dist/); reinstall it`);
      return this.entries;
    }
    for (const dir of readdirSync(this.root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!dir.isDirectory()) continue;
      for (const f of readdirSync(join(this.root, dir.name)).filter((n) => n.endsWith(".json")).sort()) {
        const text = readFileSync(join(this.root, dir.name, f), "utf8");
        this.hash.update(`${dir.name}/${f}\n${text}\n`);
        const doc = JSON.parse(text) as Record<string, unknown>;
        if (isObject(doc.definitions)) this.addBuiltins(doc);
        else this.addCrd(doc);
      }
    }
    return this.entries;
  }

  private addBuiltins(doc: Record<string, unknown>): void {
    const definitions = doc.definitions as Record<string, Structural>;
    if (definitions[OBJECT_META_DEF]) this.builtinDefinitions = definitions;
    let added = false;
    const ensure = () => {
      if (added) return;
      added = true;
      const defs = Object.fromEntries(Object.entries(definitions).map(([k, v]) => [k, toAjv(v, { typed: true })]));
      this.ajvInstance().addSchema({ $id: K8S_ID, definitions: defs });
    };
    this.ensureBuiltins = ensure;
    for (const [gvk, def] of Object.entries(doc.kinds as Record<string, string>)) {
      this.entries!.set(gvk, { source: doc.source as Source, schema: () => { ensure(); return { $ref: `${K8S_ID}#/definitions/${def}` }; }, typed: { root: def, definitions } });
    }
  }

  /** The built-in definitions (their ObjectMeta: objectMeta()). */
  private builtinDefinitions?: Record<string, Structural>;

  /** CRD schemas refer to ObjectMeta in the built-in definitions. */
  private ensureBuiltins: () => void = () => {};

  private addCrd(doc: Record<string, unknown>): void {
    const versions = doc.versions as Record<string, { schema?: Structural; sameAs?: string }>;
    for (const [version, v] of Object.entries(versions)) {
      const schema = v.schema ?? versions[v.sameAs!]?.schema;
      if (!schema) throw new Error(`schemas/upstream: ${String(doc.kind)} ${version} has no schema`);
      this.entries!.set(`${doc.group}/${version}/${doc.kind}`, {
        source: doc.source as Source,
        schema: () => { this.ensureBuiltins(); return crdRoot(schema, { objectMeta: OBJECT_META }); },
        defaults: () => compileDefaults(schema),
      });
    }
  }
}
