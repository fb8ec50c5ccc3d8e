// `junction list` escapes the names it prints where it makes them (a peer's id), not by scanning its
// whole answer (150 MB at 100k pods): every format, with the names of a leniently read input that
// carry terminal controls (ESC sequences, CR, C1, DEL, bidi overrides), must still print none raw.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { cli } from "../helpers.js";
import { CONNLIST_FORMATS } from "../../src/targets/connlist.js";

const NS = "a\u001b]0;pwned\u0007\r\u202e\u0085\u007f";
const POD = "p\u001b[2J\r\u202ex\u2067";
/** A YAML double-quoted string with every character outside printable ASCII escaped. */
const q = (s: string) => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const manifest = [
  `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${q(NS)}}`,
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${q(POD)}, namespace: ${q(NS)}, labels: {app: x}}\nspec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 10.0.0.1}`,
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${q("q\u202e")}, namespace: default, labels: {app: y}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.2}`,
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: default}\nspec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 1.2.3.0/24}}]}]}`,
].join("\n---\n") + "\n";
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test("list prints no terminal control raw in any format (plain, --exposure, --explain, a focus), and JSON and YAML keep the names", async () => {
  for (const format of CONNLIST_FORMATS) {
    const extras = [[], ["--exposure"], ["--focus-workload", `${NS}/${POD}`], ...(["csv", "md", "dot"].includes(format) ? [] : [["--explain"]])];
    for (const extra of extras) {
      const args = ["list", "-f", "-", "--lenient", "-o", format, ...extra];
      const r = await cli(args, manifest);
      const where = args.join(" ");
      assert.equal(r.code, 0, `${where}: ${r.err}`);
      assert.doesNotMatch(r.out + r.err, RAW, where);
      assert.match(r.out, /\\u202e/, `${where}: the names are printed, escaped`);
      if (format === "json" && !extra.length) {
        const ids = (JSON.parse(r.out) as { src: string; dst: string }[]).flatMap((e) => [e.src, e.dst]);
        assert.ok(ids.includes(`${NS}/${POD}[Pod]`), "the escapes are JSON's: the data holds the names as they are");
      }
      if (format === "yaml" && !extra.length) {
        const ids = (parse(r.out) as { src: string; dst: string }[]).flatMap((e) => [e.src, e.dst]);
        assert.ok(ids.includes(`${NS}/${POD}[Pod]`), "and YAML's (in a double-quoted string)");
      }
    }
  }
});
