// Reads the user's inputs: files, folders (recursively) and stdin. The only IO of the sources layer.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Diagnostics } from "../model/source.js";

export interface InputFile {
  /** The name shown in diagnostics: the path as given, or "<stdin>". */
  name: string;
  text: string;
  /** Where each YAML document is ([start, end) offsets, as kubectl splits the stream; the locator uses them). */
  docs?: [number, number][];
}

const MANIFEST = /\.(ya?ml|json)$/i;

export function readInputs(paths: readonly string[], diags: Diagnostics, stdin: () => string = readStdin): InputFile[] {
  const files: InputFile[] = [];
  for (const p of paths) {
    if (p === "-") { files.push({ name: "<stdin>", text: stdin() }); continue; }
    let st;
    try { st = statSync(p); } catch { diags.error("input-not-found", `${p}: no such file or directory`); continue; }
    if (st.isDirectory()) walk(p, files, diags);
    else readOne(p, files, diags);
  }
  return files;
}

function walk(dir: string, out: InputFile[], diags: Diagnostics): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) { if (!entry.name.startsWith(".") && entry.name !== "node_modules") walk(full, out, diags); }
    else if (MANIFEST.test(entry.name)) readOne(full, out, diags);
  }
}

function readOne(path: string, out: InputFile[], diags: Diagnostics): void {
  try { out.push({ name: path, text: readFileSync(path, "utf8") }); }
  catch (e) { diags.error("input-unreadable", `${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`); }
}

function readStdin(): string {
  try { return readFileSync(0, "utf8"); } catch { return ""; }
}
