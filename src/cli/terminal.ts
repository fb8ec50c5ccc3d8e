// Nothing raw reaches the terminal: control characters in names, values, file names or messages
// (ESC sequences that recolour or rewrite the screen, CR that overwrites a line, bidi overrides that
// reorder it) are printed as \uXXXX escapes. The escape is valid inside JSON and double-quoted YAML
// strings, so data stays parseable; newline and tab, which our own layouts use, pass.

import type { Io } from "./command.js";
import { CONTROL, hasControls } from "../targets/controls.js";

export function escapeControls(text: string): string {
  if (!hasControls(text)) return text;
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The same Io with every printed text escaped. A writer that escapes every text it did not make itself
 * (a name, an id, a message) with escapeControls writes through outEscaped: escapeControls works
 * character by character, so its pieces are the escape of the whole, and the whole need not be scanned
 * (at 100k pods, -o json is 150 MB).
 */
export function safeIo(io: Io): Io {
  // outBytes (bytes of text escaped already, as outEscaped's) passes as it is.
  return { ...io, out: (s) => io.out(escapeControls(s)), err: (s) => io.err(escapeControls(s)), outEscaped: (s) => io.out(s) };
}
