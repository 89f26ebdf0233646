import { describe, expect, it } from 'vitest';
import { anvilBinaryPath, startAnvil } from '../src/anvil.ts';

async function clientVersion(rpcUrl: string): Promise<string> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_clientVersion', params: [] }),
  });
  return ((await response.json()) as { result: string }).result;
}

describe('startAnvil', () => {
  it('runs the anvil binary of the npm package and stops it', async () => {
    expect(anvilBinaryPath()).toMatch(/@foundry-rs\/anvil-[a-z0-9]+-[a-z0-9]+\/bin\/anvil/);
    const first = await startAnvil();
    const second = await startAnvil();
    expect(first.port).not.toBe(second.port);
    expect(await clientVersion(first.rpcUrl)).toMatch(/^anvil\//);
    await Promise.all([first.stop(), second.stop()]);
    await first.stop(); // idempotent
    await expect(clientVersion(first.rpcUrl)).rejects.toThrow();
  });

  it('reports a port that is already taken', async () => {
    const running = await startAnvil();
    try {
      await expect(startAnvil({ port: running.port })).rejects.toThrow(/anvil exited/);
    } finally {
      await running.stop();
    }
  });
});
