// A load worker (loadpool.ts): digests the files the main thread hands it, one at a time in the
// order given, and sends each digest back as one JSON text. A file the main thread has claimed
// first is skipped; one whose digest cannot be carried exactly is sent back undigested.

import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { digestFile, encodeDigest } from "./digest.js";
import { interning } from "./intern.js";
import { sharedText, type InputFile } from "./read.js";
import { CLAIM_FREE, CLAIM_WORKER, type FileTask, type TaskResult } from "./loadpool.js";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

function digest(task: FileTask): TaskResult {
  try {
    const text = sharedText(task.bytes);
    const file: InputFile = { name: task.name, text };
    const encoded = interning(() => {
      const d = digestFile(file);
      // A text rewritten while read (CRLF line ends): the main thread's file must be rewritten the same way.
      return file.text === text ? encodeDigest(d) : undefined;
    });
    return encoded === undefined ? { index: task.index } : { index: task.index, length: text.length, docs: file.docs, digest: encoded };
  } catch {
    return { index: task.index };
  }
}

parentPort!.on("message", (task: FileTask | "end") => {
  if (task === "end") { port.close(); parentPort!.close(); return; }
  if (Atomics.compareExchange(task.claim, 0, CLAIM_FREE, CLAIM_WORKER) !== CLAIM_FREE) return;
  port.postMessage(digest(task));
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
