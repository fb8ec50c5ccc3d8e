// Go's strconv.ParseBool (strconv/atob.go): the only spellings Go's readers of a boolean string accept.
// Many upstream components read annotations, labels and ConfigMap keys with it (Istio's dry-run and
// ingress-use-waypoint, ingress-nginx's annotations and ConfigMap, the Cilium agent's options).

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** strconv.ParseBool: true, false, or undefined where Go returns an error (no trimming: callers trim as their reader does). */
export function parseGoBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

/** The value reads as true under strconv.ParseBool (unset and unparsable are false, as `v, _ := ParseBool(s)` leaves them). */
export function isGoTrue(v: string | undefined): boolean {
  return v !== undefined && TRUE.has(v);
}
