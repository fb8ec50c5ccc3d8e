#!/usr/bin/env node
// Writes schemas/upstream/crd.projectcalico.org/<plural>.json, the crd.projectcalico.org/v1 storage
// kinds (libcalico-go/config/crd/), from the vendored projectcalico.org/v3 files: Calico generates
// both CRDs from the same Go types (api/pkg/apis/projectcalico/v3), and at calico master of
// 2026-08-22 they differ, descriptions, names and printer columns aside, only in the root
// `required: [metadata, spec]` that the v3 CRDs add. So v1 = v3 without it.
//
// Usage: node scripts/schemas/calico-v1-from-v3.mjs

import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";

const FROM = "schemas/upstream/projectcalico.org", TO = "schemas/upstream/crd.projectcalico.org";
mkdirSync(TO, { recursive: true });
for (const f of readdirSync(FROM).filter((n) => n.endsWith(".json")).sort()) {
  const v3 = JSON.parse(readFileSync(`${FROM}/${f}`, "utf8"));
  const { required: _dropped, ...schema } = v3.versions.v3.schema;
  const out = {
    source: {
      description: `crd.projectcalico.org/v1 ${v3.kind}: ${v3.source.description} without the root 'required' (scripts/schemas/calico-v1-from-v3.mjs)`,
      // path and commit are those of the v3 file that was read; correspondsTo names the v1 CRD, not read.
      repo: v3.source.repo, path: v3.source.path, correspondsTo: `libcalico-go/config/crd/crd.projectcalico.org_${f.replace(/\.json$/, ".yaml")}`,
      derivedFrom: `${FROM}/${f}`, commit: v3.source.commit, version: v3.source.version, script: "scripts/schemas/calico-v1-from-v3.mjs",
    },
    group: "crd.projectcalico.org", kind: v3.kind, scope: v3.scope, versions: { v1: { schema } },
  };
  writeFileSync(`${TO}/${f}`, JSON.stringify(out, null, 1) + "\n");
  console.log(`${TO}/${f}: v1`);
}
