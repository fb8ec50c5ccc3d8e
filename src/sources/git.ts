// Inputs read from a git revision of the repository around the current folder: `git:REV` (the
// current folder as it was at REV) or `git:REV:PATH` (a folder or file, relative to the current folder).
// Read with `git ls-tree` and `git cat-file --batch` only: the work tree, the index and HEAD are never
// touched, so a user's uncommitted changes are safe.

import { execFileSync } from "node:child_process";
import { posix } from "node:path";
import { Diagnostics } from "../model/source.js";
import { byCodePoint, decode, formatBytes, noteSubfolders, readInputs, skipsFolder, DEFAULT_MAX_INPUT, MANIFEST, type InputFile, type ReadOptions } from "./read.js";
import { loadFiles, type Loaded, type LoadOptions } from "./load.js";

export interface GitSpec { rev: string; path?: string }

/** `git:REV[:PATH]`, or undefined for any other path. */
export function parseGitSpec(text: string): GitSpec | undefined {
  if (!text.startsWith("git:")) return undefined;
  const rest = text.slice(4);
  const colon = rest.indexOf(":");
  return colon < 0 ? { rev: rest } : { rev: rest.slice(0, colon), path: rest.slice(colon + 1) || undefined };
}

/**
 * The manifests under the spec's path at its revision, named `git:REV:PATH` in diagnostics, chosen as
 * read.ts chooses them on disk: a file named by the path whatever its name, the files of a folder and
 * its subfolders with a manifest extension, hidden folders and node_modules only with `recursive` (-R).
 */
export function readGitInputs(spec: GitSpec, cwd: string, diags: Diagnostics, maxBytes = DEFAULT_MAX_INPUT, recursive = false): InputFile[] {
  const label = `git:${spec.rev}${spec.path ? `:${spec.path}` : ""}`;
  if (!spec.rev || spec.rev.startsWith("-")) { diags.error("input-not-found", `${label}: write git:REVISION or git:REVISION:PATH`); return []; }
  const commit = git(["rev-parse", "--verify", "--quiet", `${spec.rev}^{commit}`], cwd);
  if (!commit.ok) { diags.error("input-not-found", `${label}: ${commit.error.includes("not a git repository") ? "the current folder is not in a git repository" : `no revision ${spec.rev} in this repository`}`); return []; }
  const sha = commit.out.toString().trim();
  const listed = git(["ls-tree", "-r", "-z", sha, "--", spec.path ?? "."], cwd);
  if (!listed.ok) { diags.error("input-unreadable", `${label}: ${listed.error}`); return []; }
  const base = posix.normalize(spec.path ?? ".").replace(/\/+$/, "");
  let nested = 0;
  const blobs = parseTree(listed.out).filter((b) => {
    if (b.path === base) return true;
    const rel = base === "." ? b.path : b.path.slice(base.length + 1);
    if (!MANIFEST.test(rel)) return false;
    const folders = rel.split("/").slice(0, -1);
    if (folders.some((part) => skipsFolder(part, recursive))) return false;
    if (folders.length && !recursive) nested++;
    return true;
  });
  // In the order a walk of the checkout reads them (read.ts, filepath.Walk): name by name in each
  // folder, a subfolder's files at its name's place. git lists a folder as "name/", after "name-x"
  // and "name.yaml"; the last definition of an object wins, so the order decides.
  blobs.sort((a, b) => byWalkOrder(a.path, b.path));
  noteSubfolders(diags, label, nested);
  if (!blobs.length) { diags.error("input-not-found", `${label}: no .yaml, .yml or .json file at ${spec.rev}${spec.path ? ` under ${spec.path}` : ""}`); return []; }
  return readBlobs(blobs, spec, label, cwd, diags, maxBytes);
}

function readBlobs(blobs: { sha: string; path: string }[], spec: GitSpec, label: string, cwd: string, diags: Diagnostics, maxBytes: number): InputFile[] {
  const out = git(["cat-file", "--batch"], cwd, blobs.map((b) => b.sha).join("\n") + "\n", maxBytes + blobs.length * 64 + 1024);
  if (!out.ok) { diags.error("input-too-large", `${label}: ${out.error.includes("ENOBUFS") ? `the input is larger than the limit of ${formatBytes(maxBytes)} in all (raise it with --max-input-size)` : out.error}`); return []; }
  const files: InputFile[] = [];
  let at = 0, total = 0;
  for (const b of blobs) {
    const eol = out.out.indexOf(10, at);
    const size = Number(out.out.subarray(at, eol).toString().split(" ")[2]);
    const buf = out.out.subarray(eol + 1, eol + 1 + size);
    at = eol + 1 + size + 1;
    total += size;
    if (total > maxBytes) { diags.error("input-too-large", `${label}: the input is larger than the limit of ${formatBytes(maxBytes)} in all (raise it with --max-input-size)`); return []; }
    const name = `git:${spec.rev}:${b.path}`;
    const text = decode(buf);
    if (typeof text !== "string") { diags.error("input-encoding", `${name}: ${text.error}`); continue; }
    files.push({ name, text, root: label });
  }
  return files;
}

/** `<mode> <type> <sha>\t<path>` entries, NUL-separated; only regular files (symlinks and submodules are not read). */
function parseTree(buf: Buffer): { sha: string; path: string }[] {
  return buf.toString("utf8").split("\0").filter(Boolean).flatMap((entry) => {
    const tab = entry.indexOf("\t");
    const [mode, type, sha] = entry.slice(0, tab).split(" ");
    return type === "blob" && mode !== "120000" ? [{ sha, path: entry.slice(tab + 1) }] : [];
  });
}

function git(args: string[], cwd: string, input?: string, maxBuffer = 64 * 1024 * 1024): { ok: true; out: Buffer } | { ok: false; error: string } {
  try {
    return { ok: true, out: execFileSync("git", args, { cwd, input, maxBuffer, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } }) };
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer; message: string };
    if (err.code === "ENOENT") return { ok: false, error: "git is not installed (needed to read git: inputs)" };
    if (err.code === "ENOBUFS") return { ok: false, error: "ENOBUFS" };
    return { ok: false, error: (err.stderr?.toString().trim().split("\n")[0] || err.message).replace(/^fatal: /, "") };
  }
}

/**
 * Loads paths as -f does (files, folders, - for stdin), where a path may also be git:REV[:PATH]: one
 * inventory from all of them, read in the order given, over a cluster's objects when `cluster` gives them.
 */
export function loadRevisions(paths: readonly string[], cwd: string, stdin?: (limit?: number) => string, options: ReadOptions & Pick<LoadOptions, "ingressController"> = {}, cluster: LoadOptions = {}): Loaded {
  const diags = new Diagnostics();
  let left = options.maxBytes ?? DEFAULT_MAX_INPUT;
  const perPath = paths.map((p) => {
    const spec = parseGitSpec(p);
    const read = spec ? readGitInputs(spec, cwd, diags, left, options.recursive) : readInputs([p], diags, stdin, { maxBytes: left, recursive: options.recursive });
    for (const f of read) left -= Buffer.byteLength(f.text);
    return read;
  });
  const loaded = loadFiles(perPath.flat(), diags, options.ingressController !== undefined ? { ...cluster, ingressController: options.ingressController } : cluster);
  if (!diags.hasErrors) paths.forEach((p, i) => { if (!perPath[i].some((f) => f.objects)) diags.error("input-empty", `no Kubernetes objects in ${p === "-" ? "stdin" : p}`); });
  return loaded;
}

/** Paths compared folder by folder, each name by code points: the order filepath.Walk visits them. */
function byWalkOrder(a: string, b: string): number {
  const x = a.split("/"), y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = byCodePoint(x[i], y[i]);
    if (c) return c;
  }
  return x.length - y.length;
}
