import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where every benchmark writes its JSON (git-ignored). */
export const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function writeResults(name: string, results: unknown): string {
  mkdirSync(resultsDirectory, { recursive: true });
  const path = join(resultsDirectory, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

export interface Measurement {
  opsPerSecond: number;
  msPerOp: number;
  iterations: number;
}

/**
 * Runs `operation` in a warm loop for about `durationMs` and reports throughput. The first
 * `warmupIterations` calls are not timed (JIT, lazy init). Results of the operation are folded
 * into a sink so the work cannot be optimized away.
 */
export function measure(operation: () => unknown, durationMs = 1000, warmupIterations = 50): Measurement {
  let sink = 0;
  for (let i = 0; i < warmupIterations; i++) sink ^= operation() ? 1 : 0;
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) sink ^= operation() ? 1 : 0;
    iterations += 10;
    now = process.hrtime.bigint();
  }
  const elapsedMs = Number(now - start) / 1e6;
  if (sink === 42) process.stdout.write('');
  return { opsPerSecond: (iterations / elapsedMs) * 1000, msPerOp: elapsedMs / iterations, iterations };
}

/** Median of several timed single runs of `operation`, in ms: robust to a stray GC pause. */
export function medianMs(operation: () => unknown, runs = 200): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    operation();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export function printTable(title: string, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([key]) => key.length));
  process.stdout.write(`\n${title}\n${'-'.repeat(title.length)}\n`);
  for (const [key, value] of rows) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
}
