// A lone '-' in a flow collection (`[-]`, `{a: -}`) is the string "-" to kubectl (go-yaml) and an
// error to the `yaml` library. kubeyaml.ts spellLoneDashes finds them with the library's lexer
// before the first parse, so the document is parsed once, meeting no error. (Found by the parse's
// errors they cost three errors each and a second parse: a 1 MB document of 333,000 took 17 s and
// 1.5 GB, now 6.6 s and 0.9 GB, what a document of as many quoted "-" takes.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { yaml } from "../../src/sources/yamllib.js";
import { parseKubeYaml } from "../../src/sources/kubeyaml.js";

/** The documents the `yaml` library composes while `read` runs, and the errors they hold. */
function composing<T>(read: () => T): { value: T; documents: number; errors: number } {
  type Composing = new (...args: unknown[]) => { compose(...args: unknown[]): Iterable<{ errors: unknown[] }> };
  const lib = yaml() as unknown as { Composer: Composing };
  const Composer = lib.Composer;
  let documents = 0, errors = 0;
  lib.Composer = class extends Composer {
    override *compose(...args: unknown[]) {
      for (const d of super.compose(...args)) { documents++; errors += d.errors.length; yield d; }
    }
  };
  try { return { value: read(), documents, errors }; } finally { lib.Composer = Composer; }
}

test("lone '-' in flow collections are spelt before the first parse: one parse, no error, each the string \"-\"", () => {
  const text = "a: [-, -]\nb: {c: -, d: [x, -]}\ne: \"[-]\"\nf: |\n  [-]\ng: [x-, -1, '-']\n# [-]\n";
  const r = composing(() => parseKubeYaml(text));
  assert.deepEqual(r.value, { a: ["-", "-"], b: { c: "-", d: ["x", "-"] }, e: "[-]", f: "[-]\n", g: ["x-", -1, "-"] });
  assert.deepEqual({ documents: r.documents, errors: r.errors }, { documents: 1, errors: 0 });
});

test("a '-' the lexer does not take for a lone one stays as the yaml library reads it: `[ - ]` (go-yaml: a block entry, an error) and one in a block scalar", () => {
  assert.throws(() => parseKubeYaml("a: [ - ]\n"), /line|block|-/i);
  assert.deepEqual(parseKubeYaml("a: |\n  {b: -}\n"), { a: "{b: -}\n" });
});
