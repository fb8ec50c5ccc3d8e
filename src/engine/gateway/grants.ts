// ReferenceGrant: a reference to another namespace is allowed only when a grant in the target
// namespace lists the referrer's group/kind/namespace in `from` and the target's group/kind (and
// name, when given) in `to`.

import type { ReferenceGrant } from "../../model/gateway.js";

export interface Referrer { group: string; kind: string; namespace: string }
export interface Target { group: string; kind: string; namespace: string; name: string }

/** The grant that allows the reference, if one is needed and exists; "same-namespace" when none is needed. */
export function grantFor(grants: readonly ReferenceGrant[], from: Referrer, to: Target): ReferenceGrant | "same-namespace" | undefined {
  if (from.namespace === to.namespace) return "same-namespace";
  return grants.find((g) => g.namespace === to.namespace
    && g.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace)
    && g.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name)));
}

export function permitted(grants: readonly ReferenceGrant[], from: Referrer, to: Target): boolean {
  return grantFor(grants, from, to) !== undefined;
}

export function notPermittedMessage(from: Referrer, to: Target): string {
  return `${to.kind} ${to.namespace}/${to.name} is in another namespace and no ReferenceGrant in ${to.namespace} allows references from ${from.kind} in ${from.namespace}`;
}
