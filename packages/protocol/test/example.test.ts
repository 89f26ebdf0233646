import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's example is a real script: if the API it shows changes, this fails.
describe('README example', () => {
  it('signs, certifies and proves a transaction end to end', () => {
    const script = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
    const output = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(output).toContain('certificate verifies: true');
    expect(output).toContain('transaction included: true');
    expect(output).toContain('namespace batch: true');
  });
});
