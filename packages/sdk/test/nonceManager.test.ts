import { describe, expect, it } from 'vitest';
import { createNonceManager } from '../src/index.ts';

const address = '0x00000000000000000000000000000000000000a1';

describe('createNonceManager', () => {
  it('hands out increasing nonces to concurrent callers, starting at the source', async () => {
    const manager = createNonceManager({ source: () => 5n });
    const nonces = await Promise.all(
      Array.from({ length: 4 }, () => manager.consume({ address, networkId: 1 })),
    );
    expect(nonces).toEqual([5n, 6n, 7n, 8n]);
    expect(await manager.consume({ address, networkId: 2 })).toBe(5n); // per network
  });

  it('gives back only the latest nonce, and can be set', async () => {
    const manager = createNonceManager();
    await manager.consume({ address, networkId: 1 });
    const second = await manager.consume({ address, networkId: 1 });
    manager.release({ address, networkId: 1, nonce: second });
    expect(await manager.consume({ address, networkId: 1 })).toBe(1n);
    manager.release({ address, networkId: 1, nonce: 0n }); // not the latest: ignored
    expect(await manager.consume({ address, networkId: 1 })).toBe(2n);
    manager.set({ address, networkId: 1, nonce: 40n });
    expect(await manager.consume({ address, networkId: 1 })).toBe(40n);
  });

  it('asks the source again after it failed', async () => {
    let calls = 0;
    const manager = createNonceManager({
      source: () => {
        calls++;
        if (calls === 1) throw new Error('store offline');
        return 3n;
      },
    });
    await expect(manager.consume({ address, networkId: 1 })).rejects.toThrow('store offline');
    expect(await manager.consume({ address, networkId: 1 })).toBe(3n);
  });
});
