// resource.Quantity as the API server reads it (apimachinery pkg/api/resource): Quantity.UnmarshalJSON
// trims white space from a string and calls ParseQuantity, whose errors refuse the whole object
// (the decoder fails: kubectl apply reports it). A number always parses.

import { goTrimSpace } from "../../model/gostrings.js";

/** ErrFormatWrong's words. */
const FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** ErrSuffix's words. */
const SUFFIX = "unable to parse quantity's suffix";

/** The suffixes quantitySuffixer.interpret knows: decimal SI (n u m "" k M G T P E) and binary SI (Ki … Ei). */
const SUFFIXES = new Set(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]);

/** Why ParseQuantity(strings.TrimSpace(s)) fails, or undefined (parseQuantityString's scan, then the suffix). */
export function quantityError(text: string): string | undefined {
  const s = goTrimSpace(text);
  if (s === "") return FORMAT;
  const end = s.length;
  let i = s[0] === "-" || s[0] === "+" ? 1 : 0;
  while (i < end && s[i] === "0") i++;
  while (i < end && isDigit(s, i)) i++;
  if (i < end && s[i] === ".") { i++; while (i < end && isDigit(s, i)) i++; }
  if (i >= end) return undefined;
  const suffixStart = i;
  while (i < end && "eEinumkKMGTP".includes(s[i])) i++;
  if (i < end) {
    if (s[i] === "-" || s[i] === "+") i++;
    while (i < end && isDigit(s, i)) i++;
    if (i < end) return FORMAT;
  }
  return suffixOk(s.slice(suffixStart)) ? undefined : SUFFIX;
}

/** quantitySuffixer.interpret: a known suffix, or e/E and an integer strconv.ParseInt(_, 10, 64) reads. */
function suffixOk(suffix: string): boolean {
  if (SUFFIXES.has(suffix)) return true;
  if (suffix.length < 2 || (suffix[0] !== "e" && suffix[0] !== "E")) return false;
  const m = /^([-+]?)0*([0-9]+)$/.exec(suffix.slice(1));
  if (!m || m[2].length > 19) return false;
  const n = BigInt(m[1] + m[2]);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}
