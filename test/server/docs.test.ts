// docs/live.md's examples are real output: each "$ junction ..." block runs against the fake API
// server holding examples/shop (KUBECONFIG stands for its kubeconfig, context prod), and each
// "$ curl -s URL" block against `junction serve -f examples/shop`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { FakeApiServer } from "../fixtures/fake-apiserver.js";
import { cli, tempFiles } from "../helpers.js";
import { serve, shopObjects } from "./helpers.js";

const DOC = () => readFileSync("docs/live.md", "utf8");
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

test("the junction examples in docs/live.md are what the commands print", async () => {
  const api = await new FakeApiServer().start();
  api.seed(shopObjects());
  const t = tempFiles({});
  const kubeconfig = api.writeKubeconfig(`${t.dir}/kubeconfig`, "prod");
  try {
    const blocks = [...DOC().matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
    assert.ok(blocks.length >= 3);
    for (const [, command, output] of blocks) {
      const r = await cli(words(command.replace("KUBECONFIG", kubeconfig)));
      assert.equal(r.code, 0, `${command}: ${r.err}`);
      if (output) assert.equal(r.out, output, `docs/live.md: junction ${command}`);
    }
    const role = (await cli(["rbac"])).out;
    const snippet = /```yaml\n([\s\S]*?)```/.exec(DOC())![1];
    assert.ok(role.includes(snippet), "the ClusterRole excerpt is junction rbac's");
  } finally { await api.stop(); t.cleanup(); }
});

test("the curl examples in docs/live.md are what junction serve answers", async () => {
  const s = await serve(["-f", "examples/shop"]);
  try {
    const blocks = [...DOC().matchAll(/```\n\$ curl -s '(http:\/\/127\.0\.0\.1:7470\/[^']*)'\n([\s\S]*?)```/g)];
    assert.ok(blocks.length >= 2);
    for (const [, url, output] of blocks) {
      const res = await fetch(url.replace("http://127.0.0.1:7470/", s.url));
      const body = await res.text();
      if (output) assert.equal(body, output, url);
      else assert.equal(res.status, 200, url);
    }
    const matrix = await (await fetch(`${s.url}api/v1/matrix?port=6379&namespace=shop`)).json();
    assert.deepEqual(matrix, JSON.parse((await cli(["matrix", "-f", "examples/shop", "--port", "6379", "-n", "shop", "-o", "json"])).out));
  } finally { await s.stop(); }
});
