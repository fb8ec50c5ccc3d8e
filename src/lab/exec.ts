// Running the system tools real enforcement needs (ip, nft, perl, unshare), and finding out
// whether this machine can: root, network namespaces, nftables, bridge netfilter.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A system tool failed: the message names the command and what it printed. */
export class LabError extends Error {}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], input?: string): Ran {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error) return { code: -1, stdout: "", stderr: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? `${cmd}: command not found` : r.error.message };
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed; otherwise a LabError with its first lines of output. */
export function must(cmd: string, args: readonly string[], input?: string): string {
  const r = run(cmd, args, input);
  if (r.code !== 0) {
    const said = (r.stderr || r.stdout).trim().split("\n").slice(0, 8).join("\n  ");
    throw new LabError(`${cmd} ${args.slice(0, 6).join(" ")}${args.length > 6 ? " ..." : ""} failed${said ? `:\n  ${said}` : ""}`);
  }
  return r.stdout;
}

/** `ip -n NETNS -batch -` with one command per line. */
export function ipBatch(netns: string | undefined, lines: readonly string[]): void {
  if (!lines.length) return;
  must("ip", [...(netns ? ["-n", netns] : []), "-batch", "-"], lines.join("\n") + "\n");
}

export interface Capability {
  ok: boolean;
  /** What is missing, one reason per line, for errors and test skips. */
  missing: string[];
}

function check(missing: string[], ok: boolean, why: string): void {
  if (!ok) missing.push(why);
}

/** Can this process run nftables rulesets in network namespaces of its own? */
export function nftCapability(): Capability {
  const missing: string[] = [];
  check(missing, process.platform === "linux", "not Linux");
  check(missing, process.getuid?.() === 0, `not running as root (uid ${process.getuid?.()})`);
  if (!missing.length) {
    check(missing, run("nft", ["--version"]).code === 0, "nft (package nftables) is not installed");
    check(missing, run("unshare", ["-n", "true"]).code === 0, "cannot create network namespaces (unshare -n)");
  }
  if (!missing.length) check(missing, run("unshare", ["-n", "nft", "list", "tables"]).code === 0, "nftables does not work here (no kernel support?)");
  return { ok: missing.length === 0, missing };
}

/** Can this process run a lab: namespaces joined by a bridge with netfilter on it, and the Perl helper? */
export function labCapability(): Capability {
  const base = nftCapability();
  const missing = [...base.missing];
  if (!missing.length) {
    check(missing, run("ip", ["netns", "list"]).code === 0, "ip netns does not work (package iproute2)");
    check(missing, run("perl", ["-MSocket", "-MIO::Select", "-e", "1"]).code === 0, "perl (perl-base) is not available");
    if (!existsSync("/proc/sys/net/bridge")) run("modprobe", ["br_netfilter"]);
    check(missing, existsSync("/proc/sys/net/bridge"), "bridge netfilter is not available (kernel module br_netfilter)");
  }
  return { ok: missing.length === 0, missing };
}
