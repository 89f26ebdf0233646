#!/usr/bin/env node
import { homedir } from 'node:os';
import { runCli } from './run.ts';

/**
 * The `synod` executable. Binds runCli to the process: stdout/stderr, env, cwd, and signals.
 * The first SIGINT/SIGTERM aborts the running command (a DKG stops its p2p node and writes
 * nothing); a second one exits at once.
 */
const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  process.stderr.write(`synod: ${signal} received, stopping (again to force)\n`);
  controller.abort(new Error(`${signal} received`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// `synod … | head` closes the pipe early: that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Run as `pnpm synod …`, the script's working directory is the package, not the operator's:
// pnpm passes the directory it was invoked from as INIT_CWD, and relative paths resolve there.
const cwd =
  process.env.npm_lifecycle_event === 'synod' && process.env.INIT_CWD !== undefined
    ? process.env.INIT_CWD
    : process.cwd();

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd,
  homeDir: homedir(),
  signal: controller.signal,
});
process.exitCode = code;
// Lingering handles (a socket in TIME_WAIT, a timer of a stopped library) must not keep a
// finished command alive.
setTimeout(() => process.exit(code), 1_000).unref();
