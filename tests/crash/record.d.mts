export const RECORD_SIZE: number;
export function record(seq: number): string;
export function parseRecords(bytes: Uint8Array): { seqs: number[]; bad: number };
