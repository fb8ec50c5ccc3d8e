// The contract every front end implements: one Kubernetes kind (in the API versions it accepts),
// read from a raw object into the inventory under construction.

import type { Field, ObjectContext } from "./fields.js";
import type { InventoryBuilder } from "./builder.js";

export interface FrontEnd {
  kind: string;
  /** "group/version" strings ("v1" for the core group) this front end understands. */
  apiVersions: readonly string[];
  namespaced: boolean;
  /** false: not asked of a live cluster (what it reads, the cluster also holds in a kind read already). */
  live?: false;
  read(root: Field, ctx: ObjectContext, b: InventoryBuilder): void;
}

/**
 * A vendor front end's reading of a built-in kind's objects (Calico: felix's settings in the
 * calico-node DaemonSet's environment), run once that kind's own front end has read the object
 * (lowering.ts dispatch): the built-in front ends hold no vendor knowledge.
 */
export interface KindHook {
  kind: string;
  read(root: Field, ctx: ObjectContext, b: InventoryBuilder): void;
}
