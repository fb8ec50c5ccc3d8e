// Structural-schema defaulting, as the API server applies it to custom resources before it validates
// them (k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting): an absent property with a
// `default` gets a copy of it, then every property (defaulted or not), additionalProperties value and
// list item is defaulted in turn, so defaults nest. CEL rules and required fields then see the
// defaulted object (Gateway API's parentRefs rules read `p.group`, defaulted to
// "gateway.networking.k8s.io"). The input is never modified: changed objects are copied.

import { isObject, type Structural } from "./structural.js";

export type Defaulter = (v: unknown) => unknown;

/** The defaulting function of a schema, or undefined when nothing below it has a default. */
export function compileDefaults(s: Structural): Defaulter | undefined {
  const props = isObject(s.properties) ? (s.properties as Record<string, Structural>) : {};
  const fields = Object.entries(props)
    .map(([key, p]) => ({ key, def: p.default, sub: compileDefaults(p) }))
    .filter((f) => f.def !== undefined || f.sub);
  const extra = isObject(s.additionalProperties) ? compileDefaults(s.additionalProperties as Structural) : undefined;
  const items = isObject(s.items) ? compileDefaults(s.items as Structural) : undefined;
  if (!fields.length && !extra && !items) return undefined;
  return (v) => {
    if (Array.isArray(v)) return items ? copyOnChange(v, items) : v;
    if (!isObject(v)) return v;
    let out: Record<string, unknown> = v;
    const set = (k: string, x: unknown) => {
      if (out[k] === x) return;
      if (out === v) out = { ...v };
      out[k] = x;
    };
    for (const f of fields) {
      const x = v[f.key] === undefined && f.def !== undefined ? structuredClone(f.def) : v[f.key];
      if (x !== undefined) set(f.key, f.sub ? f.sub(x) : x);
    }
    if (extra) for (const k of Object.keys(v)) if (!(k in props)) set(k, extra(v[k]));
    return out;
  };
}

function copyOnChange(list: unknown[], f: Defaulter): unknown[] {
  let out = list;
  list.forEach((x, i) => {
    const y = f(x);
    if (y === x) return;
    if (out === list) out = [...list];
    out[i] = y;
  });
  return out;
}
