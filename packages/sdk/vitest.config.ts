import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'sdk',
    // The L1 tests start anvil and deploy the contracts; BLS in pure JS takes ~20–100 ms per check.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
