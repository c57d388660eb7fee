export function normStat(st: { mode: number; size: number; nlink: number; uid: number; gid: number }): unknown;
export const hostOps: Record<string, (...args: unknown[]) => unknown>;
export function runSteps(ops: Record<string, (...args: unknown[]) => unknown>, steps: unknown[][]): unknown[];
