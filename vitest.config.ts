import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // RSA key generation and openssl interop spawn real processes; on a 2-core CI box the
    // default 5 s is too tight for the slowest of them, and a stuck test should still end.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
