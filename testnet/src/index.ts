// @synod/testnet: the one-command local network (`pnpm testnet`) as a library, for the network
// benchmark and the end-to-end tests, which drive the same runner with their own options, and
// TestnetControl, the client of a running testnet's control endpoint (faults: kill, pause, cut…).
export * from './args.ts';
export * from './config.ts';
export * from './control.ts';
export * from './follower.ts';
export * from './layout.ts';
export * from './load.ts';
export * from './network.ts';
export * from './ports.ts';
export * from './processes.ts';
export * from './proxy.ts';
export * from './restart.ts';
export * from './runner.ts';
export * from './setup.ts';
export * from './summary.ts';
export * from './validators.ts';
