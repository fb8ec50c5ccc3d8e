#!/usr/bin/env node
// Builds schemas/upstream/kubernetes/<release>.json: the structural schemas of the built-in kinds
// Junction reads, from the model metadata that @kubernetes/client-node generates out of the
// Kubernetes OpenAPI spec (field names, types, formats, and required fields, which the generated
// .d.ts declares without `?`). Quantity fields, which the generator types as strings, get the
// Quantity type's OpenAPI v3 definition: oneOf string or number.
//
// Usage: npm pack @kubernetes/client-node@VERSION && tar xzf kubernetes-client-node-VERSION.tgz
//        node scripts/schemas/kubernetes-from-client-node.mjs package

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const pkg = process.argv[2];
if (!pkg) { console.error("usage: kubernetes-from-client-node.mjs UNPACKED_PACKAGE_DIR"); process.exit(2); }
const models = join(pkg, "dist/gen/models");
const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
const release = /OpenAPI spec version: (\S+)/.exec(readFileSync(join(models, "V1Pod.js"), "utf8"))[1];

/** The kinds Junction reads (src/sources) and their model classes. */
const KINDS = {
  "v1/Namespace": "V1Namespace", "v1/Node": "V1Node", "v1/Pod": "V1Pod", "v1/Service": "V1Service",
  "v1/Secret": "V1Secret", "v1/ConfigMap": "V1ConfigMap", "v1/ReplicationController": "V1ReplicationController",
  "v1/Endpoints": "V1Endpoints", "v1/ServiceAccount": "V1ServiceAccount",
  "apps/v1/Deployment": "V1Deployment", "apps/v1/StatefulSet": "V1StatefulSet", "apps/v1/DaemonSet": "V1DaemonSet",
  "apps/v1/ReplicaSet": "V1ReplicaSet",
  "batch/v1/Job": "V1Job", "batch/v1/CronJob": "V1CronJob",
  "networking.k8s.io/v1/NetworkPolicy": "V1NetworkPolicy", "networking.k8s.io/v1/Ingress": "V1Ingress",
  "networking.k8s.io/v1/IngressClass": "V1IngressClass",
  "discovery.k8s.io/v1/EndpointSlice": "V1EndpointSlice",
};

/** map[ResourceName]resource.Quantity fields (k8s.io/api core/v1 ResourceList) and single Quantity fields. */
const QUANTITY_MAPS = new Set(["capacity", "allocatable", "allocatedResources", "limits", "requests", "overhead", "hard", "used", "max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]);
const QUANTITIES = new Set(["V1EmptyDirVolumeSource.sizeLimit", "V1ResourceFieldSelector.divisor"]);

const QUANTITY = { oneOf: [{ type: "string" }, { type: "number" }] };
const definitions = {};

function define(cls) {
  if (definitions[cls]) return;
  definitions[cls] = {};
  const js = readFileSync(join(models, `${cls}.js`), "utf8");
  const map = JSON.parse(/attributeTypeMap = (\[[\s\S]*?\n\]);/.exec(js)[1]);
  const dts = readFileSync(join(models, `${cls}.d.ts`), "utf8");
  const required = [...dts.matchAll(/^\s+'([^']+)':/gm)].map((m) => m[1]);
  const properties = {};
  for (const a of map) properties[a.baseName] = fieldSchema(cls, a);
  definitions[cls] = { type: "object", properties, ...(required.length ? { required } : {}) };
}

function fieldSchema(cls, a) {
  if (QUANTITIES.has(`${cls}.${a.baseName}`)) return QUANTITY;
  const quantityMap = QUANTITY_MAPS.has(a.baseName) && a.type === "{ [key: string]: string; }";
  if (quantityMap) return { type: "object", additionalProperties: QUANTITY };
  return typeSchema(a.type, a.format);
}

function typeSchema(type, format) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: "array", items: typeSchema(array[1], format) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: "object", additionalProperties: typeSchema(map[1], format) };
  switch (type) {
    case "string": return format === "byte" ? { type: "string", format: "byte" } : { type: "string" };
    case "number": return format === "double" ? { type: "number" } : { type: "integer", format: format || undefined };
    case "boolean": return { type: "boolean" };
    case "Date": return { type: "string", format: "date-time" };
    case "IntOrString": return { "x-kubernetes-int-or-string": true };
    case "any": return { "x-kubernetes-preserve-unknown-fields": true };
  }
  if (!/^[A-Z]\w+$/.test(type)) throw new Error(`unexpected type ${type}`);
  define(type);
  return { $ref: `#/definitions/${type}` };
}

for (const cls of Object.values(KINDS)) define(cls);
const out = {
  source: {
    description: `Kubernetes OpenAPI ${release}, as generated into @kubernetes/client-node ${version} (dist/gen/models)`,
    package: `@kubernetes/client-node@${version}`, openapi: release, script: "scripts/schemas/kubernetes-from-client-node.mjs",
  },
  kinds: KINDS,
  definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
};
mkdirSync("schemas/upstream/kubernetes", { recursive: true });
const file = `schemas/upstream/kubernetes/${release}.json`;
writeFileSync(file, JSON.stringify(out, null, 1) + "\n");
console.log(`${file}: ${Object.keys(definitions).length} definitions`);
