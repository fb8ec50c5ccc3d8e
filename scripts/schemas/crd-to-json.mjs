#!/usr/bin/env node
// Converts a CustomResourceDefinition (YAML, as obtained from the upstream repository through the
// search index's read_file; descriptions may already be left out) into
// schemas/upstream/<group>/<plural>.json: the openAPIV3Schema of every served version, without
// descriptions, identical versions stored once ({ "sameAs": "v1" }), and the source recorded.
//
// Usage: node scripts/schemas/crd-to-json.mjs CRD.yaml REPO PATH COMMIT VERSION
//   e.g. ... cnp.yaml kubernetes-sigs/network-policy-api config/crd/experimental/x.yaml 066a945... v0.2.0

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [input, repo, path, commit, version] = process.argv.slice(2);
if (!version) { console.error("usage: crd-to-json.mjs CRD.yaml REPO PATH COMMIT VERSION"); process.exit(2); }

// Drops the `description` of schema nodes; a field named "description" (a key of `properties`) stays.
const strip = (v, fields = false) => Array.isArray(v) ? v.map((x) => strip(x))
  : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => fields || k !== "description").map(([k, x]) => [k, strip(x, !fields && k === "properties")])) : v;

// A `kind: List` of CRDs is read too (one document, so YAML anchors can stand for repeated parts).
const docs = parseAllDocuments(readFileSync(input, "utf8"), { merge: true }).map((d) => d.toJS({ maxAliasCount: -1 }));
for (const crd of docs.flatMap((d) => (d?.kind === "List" ? d.items : [d]))) {
  if (crd?.kind !== "CustomResourceDefinition") continue;
  const versions = {};
  const seen = new Map();
  for (const v of crd.spec.versions.filter((x) => x.served !== false)) {
    const schema = strip(v.schema.openAPIV3Schema);
    const text = JSON.stringify(schema);
    versions[v.name] = seen.has(text) ? { sameAs: seen.get(text) } : { schema };
    if (!seen.has(text)) seen.set(text, v.name);
  }
  const channel = crd.metadata.annotations?.["gateway.networking.k8s.io/channel"] ?? crd.metadata.annotations?.["policy.networking.k8s.io/channel"];
  const out = {
    source: {
      description: `${repo} ${version}${channel ? ` (${channel} channel)` : ""}, ${path}`,
      repo, path, commit, version, ...(channel ? { channel } : {}), script: "scripts/schemas/crd-to-json.mjs",
    },
    group: crd.spec.group, kind: crd.spec.names.kind, scope: crd.spec.scope, versions,
  };
  mkdirSync(`schemas/upstream/${crd.spec.group}`, { recursive: true });
  const file = `schemas/upstream/${crd.spec.group}/${crd.spec.names.plural}.json`;
  writeFileSync(file, JSON.stringify(out, null, 1) + "\n");
  console.log(`${file}: ${Object.keys(versions).join(", ")}`);
}
