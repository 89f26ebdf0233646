import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'packaging',
    // Building, packing and two npm installs: tens of seconds, not milliseconds.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
