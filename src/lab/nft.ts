// Loading, reading and checking Junction's nftables table, in this network namespace or a named one.
// Every load is one `nft -f` transaction that replaces `inet junction` and nothing else.

import { replaceTransaction } from "../targets/nftables/ruleset.js";
import { TABLE_NAME } from "../targets/nftables/common.js";
import { LabError, must, run, type Ran } from "./exec.js";

const TABLE = { family: "inet", name: TABLE_NAME } as const;

function nft(netns: string | undefined, args: string[], input?: string): Ran {
  return netns ? run("ip", ["netns", "exec", netns, "nft", ...args], input) : run("nft", args, input);
}

/** Replaces the table atomically: on any error nothing changes. */
export function applyTable(text: string, netns?: string): void {
  const r = nft(netns, ["-f", "-"], replaceTransaction(TABLE, text));
  if (r.code !== 0) throw new LabError(`nft rejected the ruleset${netns ? ` in ${netns}` : ""}:\n  ${(r.stderr || r.stdout).trim().split("\n").slice(0, 12).join("\n  ")}`);
}

/** The loaded table as `nft list` prints it, or undefined when there is none. */
export function listTable(netns?: string): string | undefined {
  const r = nft(netns, ["list", "table", TABLE.family, TABLE.name]);
  if (r.code === 0) return r.stdout;
  if (/No such file or directory|does not exist/i.test(r.stderr)) return undefined;
  throw new LabError(`nft list table ${TABLE.family} ${TABLE.name} failed: ${r.stderr.trim()}`);
}

export function deleteTable(netns?: string): boolean {
  return nft(netns, ["delete", "table", TABLE.family, TABLE.name]).code === 0;
}

/** The text `nft list` would print once `text` is loaded, found in a throwaway network namespace. */
export function normalizeTable(text: string): string {
  return must("unshare", ["-n", "sh", "-c", `nft -f - && nft list table ${TABLE.family} ${TABLE.name}`], replaceTransaction(TABLE, text));
}

/** Syntax and kernel check of a ruleset without loading it anywhere that matters. */
export function checkTable(text: string): Ran {
  return run("unshare", ["-n", "nft", "-c", "-f", "-"], replaceTransaction(TABLE, text));
}
