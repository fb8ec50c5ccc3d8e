// Loading address groups (table inet junction_addressgroups) into the kernel, in this network
// namespace or a named one: one `nft -f` transaction that replaces the table and nothing else.

import { ADDRESSGROUPS_TABLE } from "../targets/addressgroups.js";
import { LabError, run } from "./exec.js";

/** `text` is the replace transaction of targets/addressgroups.ts; on any error nothing changes. */
export function loadAddressGroups(text: string, netns?: string): void {
  const r = netns ? run("ip", ["netns", "exec", netns, "nft", "-f", "-"], text) : run("nft", ["-f", "-"], text);
  if (r.code !== 0) throw new LabError(`nft rejected the address groups${netns ? ` in ${netns}` : ""}:\n  ${(r.stderr || r.stdout).trim().split("\n").slice(0, 12).join("\n  ")}`);
}

export const ADDRESSGROUPS_TABLE_NAME = `${ADDRESSGROUPS_TABLE.family} ${ADDRESSGROUPS_TABLE.name}`;
