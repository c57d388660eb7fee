// Fixed-size, self-checking records for the crash tests: "R<seq, 10 digits> <sha1 of seq>" padded
// with dots to 63 bytes and a newline. A torn or misplaced record does not parse.
import { createHash } from "node:crypto";

export const RECORD_SIZE = 64;

export function record(seq: number): string {
  const head = `R${String(seq).padStart(10, "0")} ${createHash("sha1").update(String(seq)).digest("hex")}`;
  return head.padEnd(RECORD_SIZE - 1, ".") + "\n";
}

/** The sequence numbers of the valid records in `bytes`, and how many chunks were not valid records. */
export function parseRecords(bytes: Uint8Array): { seqs: number[]; bad: number } {
  const seqs: number[] = [];
  let bad = 0;
  for (let at = 0; at + RECORD_SIZE <= bytes.length; at += RECORD_SIZE) {
    const text = Buffer.from(bytes.subarray(at, at + RECORD_SIZE)).toString("latin1");
    const m = /^R(\d{10}) /.exec(text);
    if (m && text === record(Number(m[1]))) seqs.push(Number(m[1]));
    else bad++;
  }
  if (bytes.length % RECORD_SIZE !== 0) bad++;
  return { seqs, bad };
}
