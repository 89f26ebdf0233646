import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'perps',
    // Each anvil test file starts its own anvil; settle calls and solc runs take seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
