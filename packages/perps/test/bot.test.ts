import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bot = fileURLToPath(new URL('../examples/bot.ts', import.meta.url));

// The README opens with the bot: if the actions it shows change, this fails.
describe('examples/bot.ts', () => {
  it('opens, adds to and closes a long (in-process node, anvil, keeper), printing each outcome at finality and on L1', async () => {
    const env = { ...process.env };
    delete env.SYNOD_RPC_URL;
    const { stdout } = await run(process.execPath, [bot], { timeout: 30_000, env });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    // After every order, L1 (once the keeper settled it) holds what the model showed at finality.
    for (let i = 0; i < 8; i += 2) {
      const atFinality = /height (\d+): .*; (position .*)$/.exec(lines[i]!)!;
      expect(lines[i + 1]).toBe(`       settled on L1 at height ${atFinality[1]}: ${atFinality[2]}`);
    }
    expect(lines[0]).toMatch(/^vault +seq 0 height \d+: applied; position 0 ETH, collateral 10000$/);
    expect(lines[2]).toMatch(
      /^open +seq 1 height \d+: filled 2 ETH at [\d.]+, pnl 0, fee [\d.]+; position 2 ETH/,
    );
    expect(lines[4]).toMatch(
      /^add +seq 2 height \d+: filled 1 ETH at [\d.]+, pnl 0, fee [\d.]+; position 3 ETH/,
    );
    expect(lines[6]).toMatch(
      /^close +seq 3 height \d+: filled -3 ETH at [\d.]+, pnl [\d.]+, fee [\d.]+; position 0 ETH/,
    );
  });

  it('the README’s first code block is a verbatim part of it', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(readFileSync(bot, 'utf8')).toContain(block!);
  });
});
