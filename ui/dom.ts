// Small DOM helpers: element creation with text (never HTML from data), and lookups.

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? (e.className = v) : e.setAttribute(k, v);
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

export function table(head: string[], rows: (string | Node)[][], cellClass?: (row: number, col: number) => string | undefined): HTMLElement {
  return el("table", {}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((r, i) => el("tr", {}, ...r.map((c, j) => el(j === 0 ? "th" : "td", { ...(j === 0 ? { scope: "row" } : {}), ...(cellClass?.(i, j) ? { class: cellClass(i, j)! } : {}) }, c))))));
}

export function message(target: HTMLElement, text: string, cls = "hint"): void {
  target.replaceChildren(el("p", { class: cls }, text));
}
