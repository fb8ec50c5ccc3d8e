// The Calico selector language (`app == 'web' && has(tier)`, `role in {'a', 'b'}`, `!has(x)`,
// `all()`, `global()`, `name starts with 'web-'`, `contains`, `ends with`), parsed with precise errors and brought into disjunctive normal form: a
// list of conjunctions of Kubernetes label requirements. A Calico selector selects what any one
// conjunction selects, so it lowers into one model selector per conjunction.

import type { Requirement } from "../../model/selector.js";

export type SelectorExpr =
  | { t: "all" }
  | { t: "global" }
  | { t: "req"; req: Requirement }
  | { t: "not"; e: SelectorExpr }
  | { t: "and" | "or"; es: SelectorExpr[] };

export class SelectorError extends Error {}

const MAX_TERMS = 64;
const KEY = /^[A-Za-z0-9_.\/-]+/;
// Calico's tokenizer skips only spaces and tabs: a newline in a selector is an error there.
const TOKEN = /^[ \t]*(==|!=|&&|\|\||!|\(|\)|\{|\}|,|'[^']*'|"[^"]*"|[A-Za-z0-9_.\/-]+)/;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): SelectorExpr {
    if (this.text.replace(/[ \t]/g, "") === "") return { t: "all" };
    const e = this.or();
    if (this.peek() !== undefined) this.fail(`unexpected ${JSON.stringify(this.peek())}`);
    return e;
  }

  private fail(message: string): never {
    const rest = this.text.slice(this.pos);
    const column = this.pos + rest.length - rest.replace(/^[ \t]+/, "").length + 1;
    throw new SelectorError(`${message} at column ${column} of ${JSON.stringify(this.text)}`);
  }

  private peek(): string | undefined {
    const m = TOKEN.exec(this.text.slice(this.pos));
    const rest = this.text.slice(this.pos).replace(/^[ \t]+/, "");
    if (!m && rest !== "") this.fail(`unexpected character ${JSON.stringify(rest[0])}`);
    return m?.[1];
  }

  private next(): string {
    const m = TOKEN.exec(this.text.slice(this.pos));
    if (!m) this.fail("unexpected end of selector");
    this.pos += m[0].length;
    return m[1];
  }

  private expect(tok: string): void {
    const got = this.peek();
    if (got !== tok) this.fail(`expected ${JSON.stringify(tok)}${got ? `, found ${JSON.stringify(got)}` : " before the end"}`);
    this.next();
  }

  private or(): SelectorExpr {
    const es = [this.and()];
    while (this.peek() === "||") { this.next(); es.push(this.and()); }
    return es.length === 1 ? es[0] : { t: "or", es };
  }

  private and(): SelectorExpr {
    const es = [this.unary()];
    while (this.peek() === "&&") { this.next(); es.push(this.unary()); }
    return es.length === 1 ? es[0] : { t: "and", es };
  }

  private unary(): SelectorExpr {
    const tok = this.peek();
    if (tok === "!") { this.next(); return { t: "not", e: this.unary() }; }
    if (tok === "(") { this.next(); const e = this.or(); this.expect(")"); return e; }
    if (tok === undefined) this.fail("expected a selector term before the end");
    return this.term();
  }

  private string(): string {
    const tok = this.peek();
    if (!tok || !/^['"]/.test(tok)) this.fail(`expected a quoted string${tok ? `, found ${JSON.stringify(tok)}` : ""}`);
    return this.next().slice(1, -1);
  }


  private term(): SelectorExpr {
    const start = this.pos;
    const word = this.next();
    // has(, all( and global( are single tokens in Calico's tokenizer: "has (x)" is the label has.
    if (this.text[this.pos] === "(" && ["all", "global", "has"].includes(word)) {
      this.next();
      if (word === "has") { const key = this.key(); this.expect(")"); return req(key, "Exists", []); }
      this.expect(")");
      return { t: word as "all" | "global" };
    }
    if (!KEY.test(word) || /^['"]/.test(word)) { this.pos = start; this.fail(`expected a label key, has(), all() or global(), found ${JSON.stringify(word)}`); }
    if (!TOKEN.test(this.text.slice(this.pos))) {
      const rest = this.text.slice(this.pos).trim();
      this.fail(`expected ==, !=, in, not in, contains, starts with or ends with after ${JSON.stringify(word)}${rest ? `, found ${JSON.stringify(rest.split(/\s/)[0])}` : " before the end"}`);
    }
    const op = this.next();
    switch (op) {
      case "==": return req(word, "In", [this.string()]);
      case "!=": return req(word, "NotIn", [this.string()]);
      case "in": return req(word, "In", this.set());
      case "not": this.expect("in"); return req(word, "NotIn", this.set());
      // The tokenizer cuts "not", skips spaces and tabs (none too), then "in" (cutMultiWordPrefixCheckBreak).
      case "notin": return req(word, "NotIn", this.set());
      // The tokenizer, after a label: "contains"; "starts" and "ends", spaces and tabs (or none), then
      // "with" (AppendTokens: TokContains, TokStartsWith, TokEndsWith); the parser wants a string after.
      case "contains": return req(word, "Contains", [this.string()]);
      case "starts": case "ends": this.expect("with"); return req(word, op === "starts" ? "StartsWith" : "EndsWith", [this.string()]);
      case "startswith": case "endswith": return req(word, op === "startswith" ? "StartsWith" : "EndsWith", [this.string()]);
      default: this.fail(`expected ==, !=, in, not in, contains, starts with or ends with after ${JSON.stringify(word)}, found ${JSON.stringify(op)}`);
    }
  }

  private key(): string {
    const tok = this.next();
    if (!KEY.test(tok)) this.fail(`expected a label key, found ${JSON.stringify(tok)}`);
    return tok;
  }

  private set(): string[] {
    this.expect("{");
    const values: string[] = [];
    // As Calico's parser: strings separated by commas, a trailing comma allowed ({'a', 'b',}).
    while (this.peek() !== "}") {
      values.push(this.string());
      if (this.peek() !== ",") break;
      this.next();
    }
    this.expect("}");
    return values;
  }
}

function req(key: string, operator: Requirement["operator"], values: string[]): SelectorExpr {
  return { t: "req", req: { key, operator, values } };
}

export function parseSelector(text: string): SelectorExpr {
  return new Parser(text).parse();
}

/** One conjunction: label requirements, and whether it asks for non-namespaced endpoints (global()). */
export interface Term { reqs: Requirement[]; global: boolean }

const NEGATED = {
  In: "NotIn", NotIn: "In", Exists: "DoesNotExist", DoesNotExist: "Exists",
  Contains: "NotContains", NotContains: "Contains", StartsWith: "NotStartsWith", NotStartsWith: "StartsWith", EndsWith: "NotEndsWith", NotEndsWith: "EndsWith",
} as const;

/** Disjunctive normal form; [] selects nothing, [{reqs: []}] everything. */
export function toDnf(e: SelectorExpr, negate = false): Term[] {
  switch (e.t) {
    case "all": return negate ? [] : [{ reqs: [], global: false }];
    case "global":
      if (negate) throw new SelectorError("!global() is not supported");
      return [{ reqs: [], global: true }];
    case "req": {
      const r = e.req;
      // `k in {}` never holds, `k not in {}` always does.
      if (r.values.length === 0 && (r.operator === "In" || r.operator === "NotIn")) return (r.operator === "In") !== negate ? [] : [{ reqs: [], global: false }];
      return [{ reqs: [negate ? { ...r, operator: NEGATED[r.operator] } : r], global: false }];
    }
    case "not": return toDnf(e.e, !negate);
    case "and": case "or": {
      const conj = (e.t === "and") !== negate;
      const parts = e.es.map((x) => toDnf(x, negate));
      return conj ? parts.reduce(product, [{ reqs: [], global: false }]) : parts.flat();
    }
  }
}

function product(a: Term[], b: Term[]): Term[] {
  const out: Term[] = [];
  for (const x of a) for (const y of b) out.push({ reqs: [...x.reqs, ...y.reqs], global: x.global || y.global });
  if (out.length > MAX_TERMS) throw new SelectorError(`the selector expands to more than ${MAX_TERMS} alternatives; simplify it`);
  return out;
}
