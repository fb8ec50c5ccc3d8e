// The contract every front end implements: one Kubernetes kind (in the API versions it accepts),
// read from a raw object into the inventory under construction.

import type { Field, ObjectContext } from "./fields.js";
import type { InventoryBuilder } from "./builder.js";

export interface FrontEnd {
  kind: string;
  /** "group/version" strings ("v1" for the core group) this front end understands. */
  apiVersions: readonly string[];
  namespaced: boolean;
  read(root: Field, ctx: ObjectContext, b: InventoryBuilder): void;
}
