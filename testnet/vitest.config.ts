import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'testnet',
    // The end-to-end file starts anvil, runs a DKG and four nodes: seconds per step, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
