// The validation step between splitting objects and dispatching them to front ends: the schema of
// the object's group/version/kind (validate.ts), then the API server's rules that schemas do not
// carry (semantic.ts). Front ends still read the object (under --lenient, as other tools read it);
// their errors on a field the schema already reported are dropped, so each error is told once.

import type { Diagnostics, Path } from "../../model/source.js";
import type { RawObject } from "../documents.js";
import { semanticRules } from "./semantic.js";
import { validateObject } from "./validate.js";

export interface Checked {
  /** Drops the front end's errors on fields (or inside fields) that already have an error. */
  dropRepeats(): void;
}

export function checkObject(raw: RawObject, diags: Diagnostics): Checked {
  const failed = validateObject(raw, diags);
  failed.push(...semanticRules(raw, diags));
  const mark = diags.items.length;
  return {
    dropRepeats() {
      if (!failed.length) return;
      const keys = failed.map((p) => p.join("\u0000"));
      const repeated = (f: Path | undefined) => f !== undefined && keys.some((k) => { const fk = f.join("\u0000"); return fk === k || fk.startsWith(`${k}\u0000`); });
      const items = diags.items;
      for (let i = items.length - 1; i >= mark; i--) {
        if (items[i].severity === "error" && items[i].ref === raw.ref && repeated(items[i].field)) items.splice(i, 1);
      }
    },
  };
}
