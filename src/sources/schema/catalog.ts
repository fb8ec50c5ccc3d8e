// The vendored schemas (schemas/upstream/) by group, version and kind, each compiled on first use.
// - kubernetes/<release>.json: the built-in kinds ({ source, kinds: {"apps/v1/Deployment": def},
//   definitions }).
// - <group>/<name>.json: one CRD ({ source, group, kind, versions: { v1: { schema } | { sameAs } } }).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Ajv, ValidateFunction } from "ajv";
import { createAjv } from "./keywords.js";
import { crdRoot, isObject, toAjv, type Structural } from "./structural.js";
import { compileDefaults, type Defaulter } from "./defaults.js";

const ROOT = fileURLToPath(new URL("../../../../schemas/upstream/", import.meta.url));
const K8S_ID = "k8s";
const OBJECT_META = { $ref: `${K8S_ID}#/definitions/V1ObjectMeta` };

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
}

interface Entry { source: Source; schema: () => Structural | { $ref: string }; defaults?: () => Defaulter | undefined }

export class SchemaCatalog {
  private ajv?: Ajv;
  private entries?: Map<string, Entry>;
  private compiled = new Map<string, KindSchema | null>();

  constructor(private readonly root = ROOT) {}

  /** The schema of `apiVersion`/`kind`, or undefined when none is vendored. */
  lookup(apiVersion: string, kind: string): KindSchema | undefined {
    const key = `${apiVersion}/${kind}`;
    let c = this.compiled.get(key);
    if (c === undefined) {
      const e = this.index().get(key);
      c = e ? { validate: this.ajvInstance().compile(e.schema()), source: e.source, defaults: e.defaults?.() } : null;
      this.compiled.set(key, c);
    }
    return c ?? undefined;
  }

  /** Every group/version/kind that has a schema. */
  keys(): string[] { return [...this.index().keys()]; }

  private ajvInstance(): Ajv {
    if (!this.ajv) {
      this.ajv = createAjv();
      this.index();
    }
    return this.ajv;
  }

  private index(): Map<string, Entry> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    if (!existsSync(this.root)) return this.entries;
    for (const dir of readdirSync(this.root, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const f of readdirSync(join(this.root, dir.name)).filter((n) => n.endsWith(".json")).sort()) {
        const doc = JSON.parse(readFileSync(join(this.root, dir.name, f), "utf8")) as Record<string, unknown>;
        if (isObject(doc.definitions)) this.addBuiltins(doc);
        else this.addCrd(doc);
      }
    }
    return this.entries;
  }

  private addBuiltins(doc: Record<string, unknown>): void {
    const definitions = doc.definitions as Record<string, Structural>;
    let added = false;
    const ensure = () => {
      if (added) return;
      added = true;
      const defs = Object.fromEntries(Object.entries(definitions).map(([k, v]) => [k, toAjv(v)]));
      this.ajvInstance().addSchema({ $id: K8S_ID, definitions: defs });
    };
    this.ensureBuiltins = ensure;
    for (const [gvk, def] of Object.entries(doc.kinds as Record<string, string>)) {
      this.entries!.set(gvk, { source: doc.source as Source, schema: () => { ensure(); return { $ref: `${K8S_ID}#/definitions/${def}` }; } });
    }
  }

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
