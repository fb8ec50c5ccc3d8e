// Where commands write files the user named (-o DIR, --report FILE): a path that is the wrong kind
// of thing, or cannot be written, is one clear error (exit 2), never an internal error; nothing the
// user owns is overwritten unless the command says so.

import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "./command.js";

/** Why a file-system call failed, in words (the errno code kept for the unusual ones). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOTDIR: "a part of the path is a file, not a folder", EACCES: "permission denied", EPERM: "permission denied",
    EROFS: "the file system is read-only", ENOSPC: "no space left on the device", EISDIR: "it is a folder", ELOOP: "too many symbolic links (a loop)",
    ENAMETOOLONG: "the name is too long", ENOENT: "its folder does not exist",
  };
  return (code && words[code]) ?? (e as Error).message;
}

/** A folder to write into (created with its parents): `flag` names the option in errors. */
export function outputFolder(flag: string, dir: string, cwd: string): string {
  const path = resolve(cwd, dir);
  if (existsSync(path) && !statSync(path).isDirectory()) throw new InputError(`${flag} ${dir}: is a file, not a folder; name a folder (it is created if missing)`);
  try { mkdirSync(path, { recursive: true }); }
  catch (e) { throw new InputError(`${flag} ${dir}: cannot create the folder: ${fsReason(e)}`); }
  return path;
}

/** Writes a new file the user named; an existing one (or a folder of that name) is an error. */
export function writeNewFile(flag: string, file: string, cwd: string, text: string): void {
  const path = resolve(cwd, file);
  if (existsSync(path)) throw new InputError(`${flag} ${file}: ${statSync(path).isDirectory() ? "is a folder; name a file" : "the file exists; Junction does not overwrite files"}`);
  writeFile(flag, file, path, text);
}

/** Writes a file, mapping errors to one line. */
export function writeFile(flag: string, file: string, path: string, text: string): void {
  try { writeFileSync(path, text); }
  catch (e) { throw new InputError(`${flag} ${file}: cannot write: ${fsReason(e)}`); }
}
