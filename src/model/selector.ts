// Kubernetes label selectors (matchLabels + matchExpressions), applied to pods, workloads,
// namespaces and nodes alike.

export type Labels = Readonly<Record<string, string>>;

export type Operator = "In" | "NotIn" | "Exists" | "DoesNotExist" | SubstringOperator;

/**
 * Calico's substring operators (libcalico-go selector parser: `k contains 'v'`, `k starts with 'v'`,
 * `k ends with 'v'`; one value), and their negations: the label is present and its value contains,
 * starts or ends with the value (ast.go LabelContainsValueNode.Evaluate: strings.Contains, HasPrefix,
 * HasSuffix; an absent label never matches); the Not forms hold where those do not, absent labels too.
 * Kubernetes label selectors have none of them.
 */
export type SubstringOperator = "Contains" | "StartsWith" | "EndsWith" | "NotContains" | "NotStartsWith" | "NotEndsWith";

export const SUBSTRING_OPERATORS: ReadonlySet<Operator> = new Set<SubstringOperator>(["Contains", "StartsWith", "EndsWith", "NotContains", "NotStartsWith", "NotEndsWith"]);

export interface Requirement {
  key: string;
  operator: Operator;
  values: readonly string[];
}

/** A normalized selector: matchLabels folded into In requirements, sorted by key. */
export interface LabelSelector {
  requirements: readonly Requirement[];
}

/** The empty selector: selects everything. */
export const EVERYTHING: LabelSelector = { requirements: [] };

export function selector(matchLabels: Labels = {}, expressions: readonly Requirement[] = []): LabelSelector {
  const reqs: Requirement[] = Object.entries(matchLabels).map(([key, v]) => ({ key, operator: "In", values: [v] }));
  for (const e of expressions) reqs.push({ key: e.key, operator: e.operator, values: [...e.values].sort() });
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.operator < b.operator ? -1 : 1));
  return { requirements: reqs };
}

export function matches(sel: LabelSelector, labels: Labels): boolean {
  for (const r of sel.requirements) if (!satisfies(r, labels)) return false;
  return true;
}

function satisfies(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case "In": return has && r.values.includes(labels[r.key]);
    case "NotIn": return !has || !r.values.includes(labels[r.key]);
    case "Exists": return has;
    case "DoesNotExist": return !has;
    case "Contains": return has && labels[r.key].includes(r.values[0]);
    case "StartsWith": return has && labels[r.key].startsWith(r.values[0]);
    case "EndsWith": return has && labels[r.key].endsWith(r.values[0]);
    case "NotContains": return !has || !labels[r.key].includes(r.values[0]);
    case "NotStartsWith": return !has || !labels[r.key].startsWith(r.values[0]);
    case "NotEndsWith": return !has || !labels[r.key].endsWith(r.values[0]);
  }
}

export function isEverything(sel: LabelSelector): boolean {
  return sel.requirements.length === 0;
}

/** Readable form, also a canonical key: "app=web,tier in (a,b),!legacy". Empty selector is "{}". */
export function formatSelector(sel: LabelSelector): string {
  if (isEverything(sel)) return "{}";
  return sel.requirements.map(formatRequirement).join(",");
}

function formatRequirement(r: Requirement): string {
  switch (r.operator) {
    case "In": return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(",")})`;
    case "NotIn": return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(",")})`;
    case "Exists": return r.key;
    case "DoesNotExist": return `!${r.key}`;
    case "Contains": return `${r.key} contains ${JSON.stringify(r.values[0])}`;
    case "StartsWith": return `${r.key} starts with ${JSON.stringify(r.values[0])}`;
    case "EndsWith": return `${r.key} ends with ${JSON.stringify(r.values[0])}`;
    case "NotContains": return `!(${r.key} contains ${JSON.stringify(r.values[0])})`;
    case "NotStartsWith": return `!(${r.key} starts with ${JSON.stringify(r.values[0])})`;
    case "NotEndsWith": return `!(${r.key} ends with ${JSON.stringify(r.values[0])})`;
  }
}
