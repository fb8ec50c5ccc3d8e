// Reads the user's inputs: files, folders (with their subfolders) and stdin. The only IO of the
// sources layer. Every input is bounded (a total size limit,
// streams read in chunks), each file is read once however it is named, and nothing can block: FIFOs
// and sockets inside folders are skipped.

import { closeSync, fstatSync, lstatSync, openSync, readFileSync, readSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { constants, isUtf8 } from "node:buffer";
import { join } from "node:path";
import { Diagnostics } from "../model/source.js";
import { BAD_PATTERN, glob, hasMeta } from "./glob.js";
import { lineAt } from "./documents.js";
import { BIG_FILE, byCodePoint, MANIFEST, skipsFolder } from "./walkrules.js";
import { preread } from "./preread.js";

export { byCodePoint, MANIFEST, skipsFolder };

export interface InputFile {
  /** The name shown in diagnostics: the path as given, or "<stdin>". */
  name: string;
  text: string;
  /** Where each YAML document is ([start, end) offsets, as kubectl splits the stream; the locator uses them). */
  docs?: [number, number][];
  /** The -f path this file was found under. */
  root?: string;
  /** Every -f path it was found under, when more than one (`root` first): a file given twice is read once. */
  roots?: string[];
  /** Kubernetes objects found in it (set when loaded). */
  objects?: number;
}

/** The default limit on all input together (--max-input-size). */
export const DEFAULT_MAX_INPUT = 1024 ** 3;

export interface ReadOptions {
  /** Bytes of input in all, at most (default 1 GiB). */
  maxBytes?: number;
  /**
   * -R: every subfolder, hidden ones and node_modules too, as `kubectl -f DIR -R` reads them. Without
   * it subfolders are read too (unlike `kubectl -f DIR`, a note says so) but hidden ones and
   * node_modules are skipped (a note counts them).
   */
  recursive?: boolean;
  /** Told of each file read from disk (load.ts's check-ahead worker, checkahead.ts). */
  sink?: ReadSink;
}

/**
 * Who else reads the files' bytes (checkahead.ts). `buffer`: memory to read the file `name` of `size`
 * bytes into (shared with a worker thread), READ_AGAIN (the reader reads it into memory of its own,
 * used again for the next file, and the sink reads the file again itself: readSame), or undefined
 * (not for the sink). `read`: the file was read into that shared memory, or into shared memory by the
 * pre-reader (preread.ts; `bytes` may then start past the start of its buffer), and decoded as
 * `file.text`; the memory is never written again. Read into the reader's own memory, `stamp` says
 * which file it was (and `bytes` are valid during the call only).
 */
export interface ReadSink {
  buffer(size: number, name: string): Buffer | typeof READ_AGAIN | undefined;
  read(file: InputFile, bytes: Buffer, stamp?: Stamp): void;
}

/**
 * ReadSink.buffer's answer for a sink that reads the file again (readSame) rather than share the
 * reader's bytes. Each byte read goes to memory the process has touched already: a buffer per file
 * (shared memory, or readFileSync's) is fresh memory, whose page faults made reading a 100k-pod dump's
 * 232 MB cost the main thread about 0.1 s more than reading it into one buffer used again
 * (docs/performance.md, twenty-fifth stop).
 */
export const READ_AGAIN = "read again";

/** Memory used again for one file's bytes after another (each read, used and let go of before the next): grown as needed. */
export class ScratchBuffer {
  private buf?: Buffer;

  /** `size` bytes of it (their content is the last file's). */
  of(size: number): Buffer {
    if (!this.buf || this.buf.length < size) this.buf = Buffer.allocUnsafeSlow(Math.max(size, 1 << 20));
    return this.buf.subarray(0, size);
  }

  release(): void { this.buf = undefined; }
}

/** The reader's own memory for the files a sink reads again (READ_AGAIN), for one readInputs. */
const scratch = new ScratchBuffer();

class Reader {
  readonly files: InputFile[] = [];
  /** Stdin was read (it can be read once). */
  private stdinRead = false;
  /** The files read, by identity (device and inode): a file met again is not read again. */
  private read = new Map<string, InputFile | undefined>();
  /** The folders of the walk under way (a bind mount can make a loop). */
  private walking = new Set<string>();
  /** The folder the walk under way started at (a -f path, or a path a -f pattern matched). */
  private top = "";
  private left: number;
  private skipped = { files: 0, hidden: 0, special: 0, linked: 0, nested: 0 };

  constructor(private diags: Diagnostics, private stdin: (limit?: number) => string, private maxBytes: number, private recursive: boolean, private sink?: ReadSink) {
    this.left = maxBytes;
  }

  /** `root`: the -f path given (a pattern, for the paths it matched). */
  path(p: string, root = p): void {
    if (p === "-") return this.stdinInput();
    let st: Stats;
    try { st = statSync(p); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && p === root && hasMeta(p)) return this.pattern(p);
      return this.fail(p, e);
    }
    // kubectl's filepath.Walk looks at the path itself with Lstat: a symlink to a folder is a file to
    // it, which it then fails to read ("is a directory"); with a trailing slash the folder is walked.
    if (st.isDirectory() && !/[/\\]$/.test(p) && isSymlink(p)) {
      this.diags.error("input-unreadable", `${p}: a symlink to a folder, which kubectl -f reads as a file and fails on ("is a directory"): write ${p}/ to read the folder`);
      return;
    }
    if (st.isDirectory()) { this.walking = new Set([identity(p, st)]); this.top = p; this.walk(p, root); this.noteSkipped(p); }
    else this.fileOnce(p, root, st);
  }

  /**
   * A -f path that does not exist and holds a pattern character: the paths filepath.Glob matches,
   * each read as a -f path (cli-runtime builder.go expandIfFilePattern; a file is read whatever its
   * name, a folder walked).
   */
  private pattern(p: string): void {
    let matches: string[];
    try { matches = glob(p); } catch { this.diags.error("input-not-found", `${p}: no such file or directory; as a file pattern (kubectl expands a -f path that does not exist) it is not valid: ${BAD_PATTERN}`); return; }
    if (!matches.length) { this.diags.error("input-not-found", `${p}: no such file or directory, and no path matches it as a pattern (kubectl: the path "${p}" does not exist)`); return; }
    for (const m of matches) this.path(m, p);
  }

  private stdinInput(): void {
    if (this.stdinRead) { this.diags.error("input-stdin-twice", "-f - is given more than once: stdin can be read only once"); return; }
    this.stdinRead = true;
    let text: string;
    try { text = this.stdin(this.left); } catch (e) { return this.fail("<stdin>", e); }
    this.add({ name: "<stdin>", text, root: "-" }, Buffer.byteLength(text));
  }

  /**
   * The same file through two names (a folder and a file, a symlink, -f twice) is read once; met
   * again, it is applied again (kubectl applies every file of every -f in turn), so it is put at its
   * later place too: readInputs keeps each file at its last place, where its objects' definitions
   * are the last ones (a file between the two that defines the same object does not win).
   */
  private fileOnce(p: string, root: string, st: Stats): void {
    const key = identity(p, st);
    if (!this.read.has(key)) { this.read.set(key, undefined); return this.file(p, root, st, key); }
    const f = this.read.get(key);
    if (!f) return;
    this.files.push(f);
    f.roots ??= [f.root!];
    if (!f.roots.includes(root)) f.roots.push(root);
  }

  /**
   * A folder as kubectl's ExpandPathsToFileVisitors walks it with -R (cli-runtime resource/visitor.go):
   * in Go's order of names, files with a manifest extension (hidden ones too), symlinked folders never.
   * Subfolders are read without -R too (the np-guard convention `list` follows; kubectl would need
   * -R, and a note says so), except hidden ones and node_modules, which only -R reads.
   */
  private walk(dir: string, root: string): void {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch (e) { return this.fail(dir, e); }
    for (const entry of entries.sort((a, b) => byCodePoint(a.name, b.name))) {
      const full = join(dir, entry.name);
      let st: Stats;
      try { st = statSync(full); } catch (e) {
        // filepath.Walk looks at an entry with Lstat, and kubectl drops one without a manifest
        // extension before opening it (ignoreFile): a dangling symlink or a symlink loop named so
        // is skipped as any such file; named *.yaml, opening it fails (kubectl: "no such file").
        if (!entry.isDirectory() && !MANIFEST.test(entry.name)) { this.skipped.files++; continue; }
        this.fail(full, e);
        continue;
      }
      if (st.isDirectory()) {
        // kubectl's filepath.Walk does not follow a symlink to a folder; nor does Junction. Named
        // with a manifest extension, kubectl takes it for a file (Lstat: not a folder) and fails
        // to read it (cli-runtime visitor.go FileVisitor: "is a directory").
        if (entry.isSymbolicLink() && MANIFEST.test(entry.name)) {
          this.diags.error("input-unreadable", `${full}: a symlink to a folder named as a manifest, which kubectl -f reads as a file and fails on ("is a directory")`);
          continue;
        }
        if (entry.isSymbolicLink()) { this.skipped.linked++; continue; }
        if (skipsFolder(entry.name, this.recursive)) { this.skipped.hidden++; continue; }
        const key = identity(full, st);
        if (!this.walking.has(key)) { this.walking.add(key); this.walk(full, root); }
      } else if (!st.isFile()) this.skipped.special++;
      else if (!MANIFEST.test(entry.name)) this.skipped.files++;
      else {
        if (dir !== this.top && !this.recursive) this.skipped.nested++;
        this.fileOnce(full, root, st);
      }
    }
  }

  private file(path: string, root: string, st: Stats, key: string): void {
    if (st.isFile() && st.size > this.left) return this.tooLarge(path);
    // More bytes than any text Junction can hold (even all of them 4-byte characters).
    if (st.isFile() && st.size > 4 * MAX_FILE_TEXT) { this.diags.error("input-too-large", `${path}: ${tooLongText(st.size)}`); return; }
    if (st.isSocket()) { this.diags.error("input-unreadable", `${path}: is a socket, not a file (give a file, a folder, or - for stdin)`); return; }
    let buf: Buffer;
    // (Read already by the pre-reader, when the file is the one stat'ed: preread.ts.)
    const ready = st.isFile() && st.size < BIG_FILE ? preread(path, st) : undefined;
    const wanted = !ready && this.sink && st.isFile() && st.size < BIG_FILE ? this.sink.buffer(st.size, path) : undefined;
    const again = wanted === READ_AGAIN, into = again ? scratch.of(st.size) : wanted;
    // A big file is read in chunks, so that one full of NUL bytes (a disk image) stops at once.
    try { buf = ready ?? (into ? readWhole(path, into) : st.isFile() && st.size < BIG_FILE ? readFileSync(path) : readBounded(path, this.left)); } catch (e) { return this.fail(path, e); }
    if (buf.length > this.left) return this.tooLarge(path);
    const text = decode(buf);
    if (typeof text !== "string") { this.diags.error("input-encoding", `${path}: ${text.error}`); return; }
    const file: InputFile = { name: path, text, root };
    this.add(file, buf.length);
    this.read.set(key, file);
    const stamp = st.isFile() ? { path, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev, length: text.length } : undefined;
    if (stamp) rereadable.set(file, stamp);
    if (this.left < 0) return;
    // (Read again by the sink only when what was read is the file as stat'ed: not grown nor shrunk since.)
    if (again) { if (buf === into && stamp) this.sink!.read(file, buf, stamp); }
    else if ((into && buf.buffer === into.buffer) || (ready && buf === ready)) this.sink?.read(file, buf);
  }

  private add(file: InputFile, bytes: number): void {
    this.left -= bytes;
    if (this.left < 0) return this.tooLarge(file.name);
    this.files.push(file);
  }

  private tooLarge(name: string): void {
    this.diags.error("input-too-large", `${name}: the input is larger than the limit of ${formatBytes(this.maxBytes)} in all (raise it with --max-input-size)`);
    this.left = -1;
  }

  private fail(path: string, e: unknown): void {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "no such file or directory" : code === "EACCES" || code === "EPERM" ? "permission denied (EACCES)"
      : code === "ELOOP" ? "too many levels of symbolic links: a symlink loop (ELOOP)" : code === "EISDIR" ? "is a directory (give a file, a folder, or - for stdin)"
      : code === "ENOTDIR" ? "not a directory" : code === "EILSEQ" ? (e as Error).message : `cannot be read (${code ?? (e as Error).message})`;
    this.diags.error(code === "ENOENT" ? "input-not-found" : "input-unreadable", `${path}: ${what}`);
  }

  private noteSkipped(dir: string): void {
    const s = this.skipped, parts: string[] = [];
    noteSubfolders(this.diags, dir, s.nested);
    if (s.files) parts.push(`${s.files} file${s.files === 1 ? "" : "s"} without a .yaml/.yml/.json extension`);
    if (s.hidden) parts.push(`${s.hidden} hidden or node_modules folder${s.hidden === 1 ? "" : "s"} (read with -R, as kubectl -R reads them)`);
    if (s.linked) parts.push(`${s.linked} symlinked folder${s.linked === 1 ? "" : "s"} (not followed, as kubectl does not follow them)`);
    if (s.special) parts.push(`${s.special} FIFO${s.special === 1 ? "" : "s"}, socket${s.special === 1 ? "" : "s"} or device${s.special === 1 ? "" : "s"} (never read from a folder)`);
    if (parts.length) this.diags.info("input-skipped", `${dir}: skipped ${parts.join(", ")}`);
    this.skipped = { files: 0, hidden: 0, special: 0, linked: 0, nested: 0 };
  }
}

/** A file's or folder's identity: device and inode (its real path where the file system has no inodes). */
export function identity(p: string, st: Stats): string {
  if (st.ino !== 0) return `${st.dev}:${st.ino}`;
  try { return realpathSync(p); } catch { return p; }
}

function isSymlink(p: string): boolean {
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}

/** The note that files were read from subfolders without -R, where `kubectl -f` would not read them. */
export function noteSubfolders(diags: Diagnostics, where: string, files: number): void {
  if (files) diags.info("input-subfolders", `${where}: ${files} file${files === 1 ? "" : "s"} read from subfolders (kubectl -f reads subfolders only with -R)`);
}

/**
 * What a file was when read (`length`: its text's): to read it again only if it is the same.
 * `ctimeMs`: a file written again in place at its size, its modification time put back (cp -p,
 * touch -r, rsync --inplace -t, tar: utimensat sets mtime as asked), has other bytes under the same
 * size, mtime, inode and device, and the worker would judge them for the text the main thread read
 * (checkahead.ts verdictOn); its change time is the kernel's own (no call sets it).
 */
export interface Stamp { path: string; size: number; mtimeMs: number; ctimeMs: number; ino: number; dev: number; length: number }

const rereadable = new WeakMap<InputFile, Stamp>();

/** A released file's text was asked for again, and the file changed on disk since it was read. */
export class InputChangedError extends Error {}

/**
 * Drops the text of a file read from disk; it is read again when asked for (a line number, a second
 * load). A 100k-pod JSON dump is 230 MB of text that nothing needs once parsed. Reading it again
 * requires the same file (size, modification time, inode), else `text` throws InputChangedError:
 * lines are never counted in, nor objects read from, a text other than the one loaded. Returns
 * whether the text was released (not for stdin, nor a text replaced after reading).
 */
export function releaseText(file: InputFile): boolean {
  const stamp = rereadable.get(file);
  if (!stamp || file.text.length !== stamp.length) return false;
  const hold = (text: string) => Object.defineProperty(file, "text", { value: text, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(file, "text", { enumerable: true, configurable: true, get: () => { const text = reread(stamp); hold(text); return text; }, set: hold });
  return true;
}

function reread(s: Stamp): string {
  const changed = () => new InputChangedError(`${s.path} changed while junction was using it (it was read once already); run again`);
  const bytes = readSame(s);
  if (!bytes) throw changed();
  let text: string | { error: string };
  try { text = decode(bytes); } catch { throw changed(); }
  if (typeof text !== "string" || text.length !== s.length) throw changed();
  return text;
}

/**
 * The bytes of the file `s` names, read again, or undefined when it is not the same file any more
 * (another size, modification or change time, inode or device, as the descriptor read says, or more or fewer
 * bytes than its size) or cannot be read. The caller compares the text it decodes with `s.length`.
 * `into`: the memory to read them into, of that size (a buffer used again: ScratchBuffer).
 */
export function readSame(s: Stamp, into: (size: number) => Buffer = Buffer.allocUnsafeSlow): Buffer | undefined {
  let fd: number;
  try { fd = openSync(s.path, "r"); } catch { return undefined; }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== s.size || st.mtimeMs !== s.mtimeMs || st.ctimeMs !== s.ctimeMs || st.ino !== s.ino || st.dev !== s.dev) return undefined;
    const bytes = into(s.size);
    let n = 0;
    for (let r: number; n < bytes.length && (r = readSync(fd, bytes, n, bytes.length - n, null)) > 0;) n += r;
    return n === bytes.length && readSync(fd, PROBE, 0, 1, null) === 0 ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * A file's bytes as readFileSync reads them (to its end, whatever its size was when looked at), into
 * `into` when they fit (the file did not grow; a part of it when it shrank), else a new buffer.
 */
function readWhole(path: string, into: Buffer): Buffer {
  const fd = openSync(path, "r");
  try {
    let n = 0;
    for (let r: number; n < into.length && (r = readSync(fd, into, n, into.length - n, null)) > 0;) n += r;
    if (n < into.length) return into.subarray(0, n);
    // (One byte more tells whether it grew: no chunk allocated per file.)
    if (readSync(fd, PROBE, 0, 1, null) === 0) return into;
    return Buffer.concat([into, PROBE.subarray(0, 1), readBounded(fd, DEFAULT_MAX_INPUT * 4)]);
  } finally {
    closeSync(fd);
  }
}

const PROBE = Buffer.alloc(1);

export function readInputs(paths: readonly string[], diags: Diagnostics, stdin: (limit?: number) => string = readStdin, options: ReadOptions = {}): InputFile[] {
  const reader = new Reader(diags, stdin, options.maxBytes ?? DEFAULT_MAX_INPUT, options.recursive ?? false, options.sink);
  try { for (const p of paths) reader.path(p); }
  finally { scratch.release(); }
  // Each file at its last place (Reader.fileOnce).
  const last = new Map<InputFile, number>();
  reader.files.forEach((f, i) => last.set(f, i));
  return last.size === reader.files.length ? reader.files : reader.files.filter((f, i) => last.get(f) === i);
}

/**
 * A file's bytes, at most `limit` + 1 of them (so that an over-long input is seen without reading it
 * all): regular files, FIFOs, devices and endless streams (/dev/zero) alike. A NUL byte ends the
 * read at once: no YAML or JSON holds one (in UTF-8; a UTF-16 stream is read to its end or the limit).
 */
export function readBounded(pathOrFd: string | number, limit: number): Buffer {
  const fd = typeof pathOrFd === "number" ? pathOrFd : openSync(pathOrFd, "r");
  try {
    if (fstatSync(fd).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    const chunks: Buffer[] = [];
    let total = 0, utf16 = false;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total) || 1);
      let n: number;
      try { n = readSync(fd, chunk, 0, chunk.length, null); }
      catch (e) { if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue; if ((e as NodeJS.ErrnoException).code === "EOF") break; throw e; }
      if (n === 0) break;
      const part = chunk.subarray(0, n);
      // (UTF-16 text holds NUL bytes: decode finds a NUL character in it.)
      if (total < 2) utf16 = isUtf16(Buffer.concat([...chunks, part]));
      chunks.push(part);
      total += n;
      if (total > limit || (!utf16 && part.includes(0))) break;
    }
    return Buffer.concat(chunks, total);
  } finally {
    if (typeof pathOrFd !== "number") closeSync(fd);
  }
}

/** The longest text one file can be (V8's string limit, buffer.constants.MAX_STRING_LENGTH). */
const MAX_FILE_TEXT = constants.MAX_STRING_LENGTH;


function tooLongText(bytes: number): string {
  return `${bytes} bytes in one file: Junction reads at most about 512 MiB of text (${MAX_FILE_TEXT} characters) per file; split it into several files`;
}

/** Whether bytes start with a UTF-16 byte-order mark (FF FE: little-endian, FE FF: big-endian). */
export function isUtf16(buf: Uint8Array): boolean {
  return (buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff);
}

const NUL_ERROR = "binary data (a NUL byte): not a YAML or JSON file";

/**
 * A file's text as kubectl's FileVisitor decodes it (cli-runtime resource/visitor.go: the bytes go
 * through unicode.BOMOverride(unicode.UTF8.NewDecoder())): UTF-16 when they start with its
 * byte-order mark, else UTF-8 without a leading BOM; or why not. Where kubectl's decoders put
 * U+FFFD (invalid UTF-8, a lone UTF-16 surrogate or an odd last byte), Junction refuses the file
 * naming the line; a NUL is refused as go-yaml refuses control characters.
 */
export function decode(buf: Buffer): string | { error: string } {
  if (isUtf16(buf)) return decodeUtf16(buf);
  const nul = buf.indexOf(0);
  if (nul >= 0) return { error: `line ${byteLine(buf, nul)}: ${NUL_ERROR}` };
  if (!isUtf8(buf)) return { error: `line ${byteLine(buf, firstInvalidUtf8(buf))}: invalid UTF-8 (kubectl would read it as U+FFFD, the replacement character); save the file as UTF-8` };
  let text: string;
  // V8 strings hold at most 2^29 - 24 characters (about 512 MiB): a larger file cannot be read as text.
  try { text = buf.toString("utf8"); }
  catch { return { error: tooLongText(buf.length) }; }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The line of byte `at` (1-based: the newlines before it, plus one). */
function byteLine(buf: Uint8Array, at: number): number {
  let line = 1;
  for (let i = buf.indexOf(10); i >= 0 && i < at; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629: no overlongs, surrogates or code points above U+10FFFF). */
function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length;) {
    const b = buf[i];
    if (b < 0x80) { i++; continue; }
    const n = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    // The second byte's range depends on the first (E0: A0-BF, ED: 80-9F, F0: 90-BF, F4: 80-8F).
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80, hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (i + 1 >= buf.length || buf[i + 1] < lo || buf[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if (i + k >= buf.length || buf[i + k] < 0x80 || buf[i + k] > 0xbf) return i;
    i += n + 1;
  }
  return buf.length;
}

/**
 * UTF-16 after its byte-order mark (BOMOverride consumes it; a second one is text, as in kubectl),
 * little- or big-endian as the mark says.
 */
function decodeUtf16(buf: Buffer): string | { error: string } {
  const end = buf.length - (buf.length % 2);
  // V8 strings hold at most 2^29 - 24 characters.
  if ((end - 2) / 2 > MAX_FILE_TEXT) return { error: tooLongText(buf.length) };
  let body = buf.subarray(2, end);
  if (buf[0] === 0xfe) body = Buffer.from(body).swap16();
  const text = body.toString("utf16le");
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u === 0) return { error: `line ${lineAt(text, i)}: ${NUL_ERROR}` };
    if (u < 0xd800 || u > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
    return { error: `line ${lineAt(text, i)}: invalid UTF-16 (a lone surrogate: kubectl would read it as U+FFFD, the replacement character); save the file as UTF-8` };
  }
  if (end !== buf.length) return { error: `line ${lineAt(text, text.length)}: invalid UTF-16 (an odd number of bytes: kubectl would read the last one as U+FFFD); save the file as UTF-8` };
  return text;
}

/** Stdin as text, bounded like a file; a directory on stdin is an error (EISDIR). */
export function readStdin(limit = DEFAULT_MAX_INPUT): string {
  let buf: Buffer;
  try { buf = readBounded(0, limit); }
  catch (e) { if ((e as NodeJS.ErrnoException).code === "EISDIR") throw e; if ((e as NodeJS.ErrnoException).code === "EAGAIN") return ""; throw e; }
  if (buf.length > limit) return buf.toString("latin1");
  const text = decode(buf);
  if (typeof text !== "string") throw Object.assign(new Error(text.error), { code: "EILSEQ" });
  return text;
}

export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

/** "512M", "1G", "2GiB", "1000000" → bytes; undefined when unreadable. */
export function parseBytes(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(s);
  if (!m) return undefined;
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  // A fraction of a byte is not a size ("1.5" is refused, "1.5GiB" is not).
  if (mult === 1 && m[1].includes(".")) return undefined;
  const n = Math.floor(Number(m[1]) * mult);
  return n > 0 ? n : undefined;
}

/** A side file (--expect, --requests) as text, bounded and checked like a manifest; throws a one-line Error. */
export function readTextFile(path: string, limit = DEFAULT_MAX_INPUT): string {
  // (A folder would be read as -f reads one: its first file, under the folder's name.)
  let folder = false;
  try { folder = statSync(path).isDirectory(); } catch { /* readInputs names the problem */ }
  if (folder) throw new Error(`${path}: is a directory (give a file, or - for stdin)`);
  const diags = new Diagnostics();
  const files = readInputs([path], diags, readStdin, { maxBytes: limit });
  const err = diags.errors[0];
  if (err) throw new Error(err.message);
  if (!files.length) throw new Error(`${path}: not a file`);
  return files[0].text;
}
