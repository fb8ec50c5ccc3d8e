// Hostile-input and kubectl-fidelity audit, third round: line numbers after a file changes, tabs in
// the fast YAML reader, addresses in ipBlock, and the serve/reader edges listed in docs/input.md.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Locator } from "../../src/sources/locate.js";
import { parseKubeYaml, splitKubectlDocuments } from "../../src/sources/kubeyaml.js";
import { cli, tempFiles } from "../helpers.js";
import { events, getJson, serve } from "../server/helpers.js";

const NS = (name: string, extra = "") => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${extra}`;

test("a file read again (Locator.add) has its lines counted in the new text, also for documents after the first", () => {
  const file = (text: string) => ({ name: "m.yaml", text, docs: splitKubectlDocuments(text) });
  const before = NS("a") + "---\n" + NS("b", "  labels:\n    x: y\n");
  const locator = new Locator([file(before)]);
  const ref = { file: "m.yaml", doc: 1, path: [] };
  assert.equal(locator.lineOf(ref, ["metadata", "labels", "x"]), 11);
  // Two lines inserted above the field: it moves to line 13.
  locator.add(file(NS("a") + "---\n# one\n# two\n" + NS("b", "  labels:\n    x: y\n")));
  assert.equal(locator.lineOf(ref, ["metadata", "labels", "x"]), 13);
});

test("serve -f: after a changed file is reloaded, a diagnostic names its new line", async () => {
  const dup = (pad: string) => `${pad}${NS("a")}---\n${NS("a", "  labels:\n    x: \"1\"\n")}`;
  const t = tempFiles({ "ns.yaml": dup("") });
  const s = await serve(["-f", join(t.dir, "ns.yaml")]);
  const stream = await events(s.url + "api/v1/events");
  try {
    const line = async () => (await getJson(s.url + "api/v1/diagnostics")).body.diagnostics.find((d: { code: string }) => d.code === "duplicate").line;
    assert.equal(await line(), 1);
    await stream.next("hello");
    writeFileSync(join(t.dir, "ns.yaml"), dup("# one\n# two\n# three\n"));
    await stream.next("update");
    assert.equal(await line(), 4);
  } finally { stream.close(); await s.stop(); t.cleanup(); }
});

test("-o yaml reads back as -o json does when a value holds a character the terminal escapes (kubectl reads \\u202e as the character only in a double-quoted scalar; in a plain one it is text)", async () => {
  const odd = ["x\u202ey", "a\u001bb", "c\u0085d", "e\u2066f", "g\u007fh"];
  const escaped = (k: string) => k.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const spec = odd.map((k) => `  "${escaped(k)}": 1\n`).join("");
  const t = tempFiles({ "np.yaml": `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector: {}\n${spec}` });
  try {
    const json = await cli(["validate", "-f", join(t.dir, "np.yaml"), "--lenient", "-o", "json"]);
    const yaml = await cli(["validate", "-f", join(t.dir, "np.yaml"), "--lenient", "-o", "yaml"]);
    const fields = (d: { diagnostics: { field?: string }[] }) => d.diagnostics.map((x) => x.field).filter((f) => f !== undefined);
    const fromJson = fields(JSON.parse(json.out));
    assert.deepEqual(fromJson, odd.map((k) => `spec.${k}`));
    assert.deepEqual(fields(parseKubeYaml(yaml.out) as never), fromJson);
  } finally { t.cleanup(); }
});
