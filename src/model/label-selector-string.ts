// A label selector written as text, as k8s.io/apimachinery labels.Parse reads it (the form of kubectl -l and of flags
// such as ingress-nginx's --watch-namespace-selector): requirements separated by ",", each `key`, `!key`, `key=value`,
// `key==value`, `key!=value` (also true without the key), `key in (v1,v2)` or `key notin (v1,v2)`; spaces around the
// tokens are ignored. (Gt and Lt, `key>N`, are not read: undefined, as for any text it cannot read.)

import { selector, type LabelSelector, type Requirement } from "./selector.js";

const KEY = "[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?";
const VALUE = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?";
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(\\s*(${VALUE}(?:\\s*,\\s*${VALUE})*)\\s*\\)$`);
const EQ = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

/** The selector `text` writes; undefined when labels.Parse would refuse it. The empty text selects everything. */
export function parseLabelSelector(text: string): LabelSelector | undefined {
  const reqs: Requirement[] = [];
  // Split at the commas outside parentheses.
  const parts: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  if (parts.length === 1 && parts[0].trim() === "") return selector();
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = SET.exec(p))) reqs.push({ key: m[1], operator: m[2] === "in" ? "In" : "NotIn", values: m[3].split(",").map((v) => v.trim()) });
    else if ((m = EQ.exec(p))) reqs.push({ key: m[1], operator: m[2] === "!=" ? "NotIn" : "In", values: [m[3]] });
    else if ((m = EXISTS.exec(p))) reqs.push({ key: m[2], operator: m[1] ? "DoesNotExist" : "Exists", values: [] });
    else return undefined;
  }
  return selector({}, reqs);
}
