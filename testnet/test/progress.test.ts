import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.ts';

describe('start-up progress', () => {
  it('prints each step with its time, and says where the time went, slowest first', () => {
    let nowMs = 1_000;
    const lines: string[] = [];
    const progress = createProgress({
      write: (text) => lines.push(text),
      isTty: false,
      startedAtMs: 1_000,
      nowMs: () => nowMs,
    });
    const step = (name: string, ms: number) => {
      progress.start(name);
      nowMs += ms;
      progress.done(`${name}: done`);
    };
    step('synod init × 4', 2_000);
    nowMs += 300; // between steps
    step('running the DKG among 4 nodes', 3_900);
    step('starting the price simulator', 400);
    step('starting 4 nodes', 2_400);
    expect(lines[1]).toBe('[  6.2 s] ✓ running the DKG among 4 nodes: done (3.9 s)\n');
    expect(progress.breakdown()).toBe(
      'running the DKG among 4 nodes 3.9 s, starting 4 nodes 2.4 s, synod init × 4 2.0 s, the rest 0.7 s',
    );
    expect(progress.breakdown(3)).toBe('running the DKG among 4 nodes 3.9 s, the rest 5.1 s');
  });
});
