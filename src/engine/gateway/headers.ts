// HTTP header lists with case-insensitive names, as header modifiers and matches treat them.

import type { HeaderModifier } from "../../model/route.js";

/**
 * The order a proxy applies a header modifier's set, add and remove in: "envoy" (Envoy's
 * router/header_parser.cc HeaderParser::evaluateHeaders: "Removing headers in the headers_to_remove_
 * list first makes remove-before-add the default behavior", then the overwrites, then the appends),
 * "linkerd" (linkerd2-proxy linkerd/http/route/src/http/filter/modify_header.rs ModifyHeader::apply:
 * append the adds, insert the sets, remove).
 */
export type HeaderOrder = "envoy" | "linkerd";

export class Headers {
  private list: [string, string][];

  constructor(entries: readonly [string, string][] = []) { this.list = entries.map(([n, v]) => [n, v]); }

  /** Every value of the header, in order. */
  values(name: string): string[] {
    const n = name.toLowerCase();
    return this.list.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }

  /** The values joined with "," (how a header with several values reads), or undefined. */
  get(name: string): string | undefined {
    const v = this.values(name);
    return v.length ? v.join(",") : undefined;
  }

  set(name: string, value: string): void { this.remove(name); this.list.push([name, value]); }
  add(name: string, value: string): void { this.list.push([name, value]); }
  remove(name: string): void { const n = name.toLowerCase(); this.list = this.list.filter(([k]) => k.toLowerCase() !== n); }

  /**
   * A header modifier, in the order of the proxy that applies it (HeaderOrder): Envoy removes, then
   * sets, then adds; Linkerd's proxy adds, then sets (replacing what it added), then removes.
   */
  apply(m: HeaderModifier, order: HeaderOrder = "envoy"): void {
    if (order === "linkerd") {
      for (const h of m.add) this.add(h.name, h.value);
      for (const h of m.set) this.set(h.name, h.value);
      for (const r of m.remove) this.remove(r);
      return;
    }
    for (const r of m.remove) this.remove(r);
    for (const h of m.set) this.set(h.name, h.value);
    for (const h of m.add) this.add(h.name, h.value);
  }

  /** Every header line, in order (a repeated header is several entries). */
  entries(): [string, string][] { return this.list.map(([n, v]) => [n, v]); }

  /** One entry per header (first spelling of the name), values joined with ",". */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    const names = new Map<string, string>();
    for (const [k] of this.list) if (!names.has(k.toLowerCase())) names.set(k.toLowerCase(), k);
    for (const [lower, name] of names) out[name] = this.get(lower)!;
    return out;
  }
}
