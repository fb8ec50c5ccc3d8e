// Plain-text tables, CSV and Markdown from rows of cells: every tabular output goes through here.

export type Row = readonly (string | number | boolean | null | undefined)[];

const cell = (v: Row[number]): string => (v === null || v === undefined ? "" : String(v));

/** Columns padded to their widest cell, separated by two spaces. */
export function renderTable(header: Row, rows: readonly Row[]): string {
  const all = [header, ...rows].map((r) => r.map(cell));
  // A loop, not Math.max(...cells): spreading more than about 120k arguments overflows the stack (list -o table at 100k pods).
  const widths = header.map((_, i) => all.reduce((w, r) => Math.max(w, (r[i] ?? "").length), 0));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n") + "\n";
}

export function renderCsv(header: Row, rows: readonly Row[]): string {
  const quote = (v: Row[number]) => {
    const s = cell(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(quote).join(",")).join("\n") + "\n";
}

export function renderMarkdown(header: Row, rows: readonly Row[]): string {
  const esc = (v: Row[number]) => cell(v).replace(/\|/g, "\\|");
  const lines = [`| ${header.map(esc).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(" | ")} |`);
  return lines.join("\n") + "\n";
}

/** One CSV row (with its newline), for outputs written a row at a time. */
export function csvLine(r: Row): string {
  return renderCsv(r, []);
}
