// nginx configuration text as a tree of directives, rendered with one indentation style and
// nginx's quoting rules. Literal text never reaches nginx unquoted: a value that holds a space, a
// quote, a brace, a semicolon or a "$" is quoted, and a literal "$" is written as ${jx_dollar}
// (nginx strings have no escape for it; the geo variable holds one).

export interface Directive {
  name: string;
  args: string[];
  /** Present for block directives (server { ... }). */
  block?: Directive[];
  /** A comment line written above the directive. */
  comment?: string;
}

export const dir = (name: string, ...args: string[]): Directive => ({ name, args });
export const block = (name: string, args: string[], children: Directive[], comment?: string): Directive => ({ name, args, block: children, ...(comment ? { comment } : {}) });

/** The variable a literal "$" is written as. */
export const DOLLAR = "${jx_dollar}";

const BARE = /^[A-Za-z0-9_\-.\/:@~^=*%?&+,!|<>]+$/;

/** An argument nginx reads back as exactly `s`, variables included ("$host" stays a variable). */
export function arg(s: string): string {
  if (s !== "" && BARE.test(s.replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, "v"))) return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Literal text (a header value, a host) as an argument: its "$" cannot start a variable. */
export function literal(s: string): string {
  return arg(s.replace(/\$/g, DOLLAR));
}

/** Whether a literal needs the ${jx_dollar} variable. */
export const needsDollar = (s: string): boolean => s.includes("$");

export function render(directives: readonly Directive[], depth = 0): string {
  const pad = "    ".repeat(depth);
  return directives.map((d) => {
    const head = `${d.comment ? `${pad}# ${d.comment}\n` : ""}${pad}${[d.name, ...d.args].join(" ")}`;
    if (!d.block) return `${head};\n`;
    return d.block.length ? `${head} {\n${render(d.block, depth + 1)}${pad}}\n` : `${head} {\n${pad}}\n`;
  }).join("");
}

/** A PCRE pattern matching exactly the literal text `s`. */
export function pcreLiteral(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}
