// Model selectors written back as Kubernetes LabelSelectors.

import { formatSelector, SUBSTRING_OPERATORS, type LabelSelector } from "../../model/selector.js";
import { Unsupported } from "../problems.js";
import type { NamespaceMatch } from "../../model/policy.js";

export interface K8sSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** matchLabels for single-value In requirements, matchExpressions for the rest. */
export function toK8sSelector(sel: LabelSelector): K8sSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<K8sSelector["matchExpressions"]> = [];
  for (const r of sel.requirements) {
    if (SUBSTRING_OPERATORS.has(r.operator)) throw new Unsupported("substring selector", `${formatSelector({ requirements: [r] })}: Kubernetes label selectors match whole values (In, NotIn, Exists, DoesNotExist)`, ["Calico"]);
    if (r.operator === "In" && r.values.length === 1 && matchLabels[r.key] === undefined) matchLabels[r.key] = r.values[0];
    else matchExpressions.push({ key: r.key, operator: r.operator, ...(r.operator === "In" || r.operator === "NotIn" ? { values: [...r.values] } : {}) });
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** A namespace match as a namespace selector (by name: the label the API server sets). "any" is every namespace. */
export function namespaceSelector(m: NamespaceMatch): K8sSelector {
  switch (m.kind) {
    case "name": return { matchLabels: { [NAMESPACE_NAME_LABEL]: m.name } };
    case "selector": return toK8sSelector(m.selector);
    case "any": return {};
  }
}
