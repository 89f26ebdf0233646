import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'contracts',
    // Each file starts its own anvil; transactions and solc runs take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
