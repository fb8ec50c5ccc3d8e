// The characters never printed raw (cli/terminal.ts escapes them as \uXXXX): C0 but \t and \n, DEL,
// C1, and the Unicode bidi embeddings, overrides and isolates. Renderings that put such a character
// where an escape is not read back as one (a plain YAML scalar) quote it instead.

export const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Whether the text holds a character the terminal escapes. */
export function hasControls(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}
