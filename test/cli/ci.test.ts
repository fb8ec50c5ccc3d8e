// The CI integration: action.yml's junction steps run as GitHub would run them (bash, with the
// inputs as environment variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) in a git repository
// whose pull request turns examples/shop into examples/shop-v2; and the pre-commit hook definitions.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { parse } from "yaml";
import { cli, tempFiles } from "../helpers.js";

interface Step { id?: string; run?: string; env?: Record<string, string>; uses?: string }
const action = parse(readFileSync("action.yml", "utf8")) as { inputs: Record<string, { default: string }>; runs: { using: string; steps: Step[] } };
const step = (id: string) => action.runs.steps.find((s) => s.id === id)!;

function git(dir: string, ...args: string[]): void {
  execFileSync("git", args, { cwd: dir, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } });
}

/** Runs one step's script; returns its exit status and the outputs it wrote. */
function runStep(id: string, dir: string, env: Record<string, string>): { status: number; outputs: Record<string, string>; stdout: string } {
  const out = `${dir}/.github-output`;
  writeFileSync(out, "");
  const r = spawnSync("bash", ["-e", "-c", step(id).run!], { cwd: dir, encoding: "utf8", env: { ...process.env, GITHUB_ACTION_PATH: process.cwd(), GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: `${dir}/.step-summary`, ...env } });
  const outputs = Object.fromEntries(readFileSync(out, "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  return { status: r.status ?? -1, outputs, stdout: r.stdout + r.stderr };
}

test("action.yml: a composite action whose diff, lint, test, report and verdict steps work on a pull request (shop -> shop-v2)", () => {
  assert.equal(action.runs.using, "composite");
  const t = tempFiles({});
  try {
    git(t.dir, "init", "-q", "-b", "main");
    // The policies in a subfolder: read with the action's recursive input (-R) only.
    const copy = (from: string) => {
      cpSync(from, `${t.dir}/deploy`, { recursive: true });
      mkdirSync(`${t.dir}/deploy/policies`);
      for (const f of readdirSync(`${t.dir}/deploy`).filter((n) => n.startsWith("policies-"))) renameSync(`${t.dir}/deploy/${f}`, `${t.dir}/deploy/policies/${f}`);
    };
    copy("examples/shop");
    git(t.dir, "add", "."); git(t.dir, "commit", "-qm", "shop");
    rmSync(`${t.dir}/deploy`, { recursive: true });
    copy("examples/shop-v2");
    writeFileSync(`${t.dir}/expect.yaml`, "- {from: shop/web, to: shop/api, port: 8080, expect: allow}\n- {from: shop/web, to: payments/payments, port: 50051, expect: deny}\n");
    const inputs = { INPUT_PATH: "deploy", INPUT_RECURSIVE: "true", INPUT_BASE: "main", INPUT_FAIL_ON: action.inputs["fail-on"].default, INPUT_LINT_FAIL_ON: action.inputs["lint-fail-on"].default, INPUT_SARIF: "junction.sarif", INPUT_EXPECT: "expect.yaml" };
    const diff = runStep("diff", t.dir, inputs);
    assert.equal(diff.outputs.status, "1", `exposure grew: --fail-on exposure fails\n${diff.stdout}${readFileSync(`${t.dir}/junction-diff.err`, "utf8")}`);
    const md = readFileSync(`${t.dir}/junction-diff.md`, "utf8");
    assert.match(md, /^### Junction: what this change does/);
    assert.match(md, /\| added \| shop\/web\[Deployment\] \| shop\/recommendations\[Deployment\] \|/);
    const lint = runStep("lint", t.dir, inputs);
    assert.equal(lint.outputs.status, "0", "warnings only: lint passes at --fail-on error");
    const sarif = JSON.parse(readFileSync(`${t.dir}/junction.sarif`, "utf8"));
    assert.equal(sarif.version, "2.1.0");
    assert.ok(sarif.runs[0].results.some((r: { ruleId: string }) => r.ruleId === "policy-selects-nothing"));
    assert.match(readFileSync(`${t.dir}/junction-lint.txt`, "utf8"), /policy-selects-nothing\s+deploy\/policies\/policies-shop.yaml:\d+/);
    const check = runStep("test", t.dir, inputs);
    assert.equal(check.outputs.status, "0", readFileSync(`${t.dir}/junction-test.txt`, "utf8"));
    const statuses = { DIFF_STATUS: diff.outputs.status, LINT_STATUS: lint.outputs.status, TEST_STATUS: check.outputs.status };
    const report = runStep("report", t.dir, statuses);
    assert.equal(report.status, 0, report.stdout);
    const summary = readFileSync(report.outputs.summary, "utf8");
    assert.match(summary, /#### Lint/);
    assert.match(summary, /#### Connectivity assertions/);
    assert.equal(readFileSync(`${t.dir}/.step-summary`, "utf8"), summary);
    const verdict = runStep("verdict", t.dir, statuses);
    assert.equal(verdict.status, 1);
    assert.match(verdict.stdout, /junction: diff 1, lint 0, test 0/);
    assert.equal(runStep("verdict", t.dir, { ...statuses, DIFF_STATUS: "0" }).status, 0);
  } finally {
    t.cleanup();
  }
});

test(".pre-commit-hooks.yaml: each hook is a junction command that runs on a folder", async () => {
  const hooks = parse(readFileSync(".pre-commit-hooks.yaml", "utf8")) as { id: string; entry: string; language: string; pass_filenames: boolean }[];
  assert.deepEqual(hooks.map((h) => h.id), ["junction-lint", "junction-test"]);
  for (const h of hooks) {
    assert.equal(h.language, "node");
    assert.equal(h.pass_filenames, false, "a policy is judged with the whole folder, not the files a commit touches");
    assert.match(h.entry, /^junction /);
  }
  const lint = await cli([...hooks[0].entry.split(" ").slice(1), "-f", "examples/shop"]);
  assert.equal(lint.code, 0, lint.err);
  const bad = await cli([...hooks[0].entry.split(" ").slice(1), "-f", "examples/shop-v2"]);
  assert.equal(bad.code, 1, "warnings fail the hook");
  const check = await cli([...hooks[1].entry.split(" ").slice(1), "-f", "examples/shop", "--expect", "examples/shop.expect.yaml"]);
  assert.equal(check.code, 0, check.out + check.err);
});
