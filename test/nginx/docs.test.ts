// docs/gateway-dataplane.md shows real output: the compile message and route table always; the lab's
// side-by-side table and the gateway agent's dry-run diff where root, ip netns and nginx are here.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nginxCapability, nginxStop } from "../../src/lab/nginx.js";
import { cli } from "../helpers.js";
import { labFixture } from "../lab-fixture.js";

const DOC = readFileSync(fileURLToPath(new URL("../../../docs/gateway-dataplane.md", import.meta.url)), "utf8");
const nginx = nginxCapability();
const { skip: skipLab, lab } = labFixture("d", { nginx: true });
const skipAgent = nginx.ok && process.getuid?.() === 0 ? false : [...nginx.missing, "not root"].join("; ");

/** The lines printed after the `$ COMMAND` line of a code block, up to the next `$` line or the block's end. */
function shown(command: string): string {
  const at = DOC.indexOf(`$ ${command}\n`);
  assert.ok(at >= 0, `docs/gateway-dataplane.md shows no "$ ${command}"`);
  const rest = DOC.slice(at + command.length + 3);
  return rest.slice(0, Math.min(...["\n$ ", "\n```"].map((m) => { const i = rest.indexOf(m); return i < 0 ? rest.length : i; }))) + "\n";
}

test("docs: the compile example and its route table are real output", async () => {
  const out = mkdtempSync(join(tmpdir(), "junction-doc-nginx-"));
  try {
    const r = await cli(["compile", "-f", "examples/nginx", "--target", "nginx", "--gateway", "infra/edge", "--output-dir", join(out, "edge")]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err.split(out).join("$out"), shown("junction compile -f examples/nginx --target nginx --gateway infra/edge --output-dir $out/edge"));
    const table = readFileSync(join(out, "edge", "junction-routes.json"), "utf8");
    assert.ok(DOC.includes("```json\n" + table + "```"), "the route table shown is not the compiled one");
  } finally { rmSync(out, { recursive: true, force: true }); }
});

test("docs: the lab's side-by-side table is real output", { skip: skipLab }, async () => {
  try {
    const up = await lab(["up", "-q", "-f", "examples/nginx"]);
    assert.equal(up.code, 0, up.err);
    const probe = await lab(["probe", "--requests", "examples/nginx.requests.yaml"]);
    assert.equal(probe.code, 0, probe.out);
    assert.equal(probe.out, shown("junction lab probe --requests examples/nginx.requests.yaml --name docs"));
  } finally {
    await lab(["down"]);
  }
});

test("docs: the gateway agent's dry-run diff is real output", { skip: skipAgent }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "junction-doc-agent-"));
  const input = join(dir, "gateway-vm"), nginxDir = join(dir, "nginx");
  cpSync("examples/gateway-vm", input, { recursive: true });
  const agent = (...extra: string[]) => cli(["agent", "--host", "edge/edge-vm", "--gateway", "edge/gw", "-f", input, "--nginx-dir", nginxDir, "--listen", "127.0.0.1", ...extra]);
  try {
    const first = await agent();
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /nginx started with the configuration of Gateway edge\/gw for edge\/edge-vm/);
    const file = join(input, "gateway.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("value: /api}", "value: /v2/api}"));
    const dry = await agent("--dry-run");
    assert.equal(dry.code, 1);
    assert.equal(dry.out, shown("junction agent --host edge/edge-vm --gateway edge/gw -f examples/gateway-vm --nginx-dir $dir --listen 127.0.0.1 --dry-run"));
  } finally {
    nginxStop(nginxDir);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("docs: the front map of a port shared by TLS listeners is the golden configuration's", () => {
  const section = DOC.slice(DOC.indexOf("## Ports shared by TLS listeners"));
  const shownMap = section.slice(section.indexOf("```\n") + 4, section.indexOf("```", section.indexOf("```\n") + 4));
  const golden = readFileSync(fileURLToPath(new URL("../../../test/golden/nginx/shared-tls.conf", import.meta.url)), "utf8");
  assert.ok(shownMap.includes("ssl_preread_server_name") && golden.includes(shownMap), shownMap);
});
