import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** How long anvil may take to print that it listens before startAnvil gives up. */
const ANVIL_START_TIMEOUT_MS = 20_000;
/** How long stop() waits after SIGTERM before SIGKILL. */
const ANVIL_STOP_TIMEOUT_MS = 5_000;

export interface StartAnvilParameters {
  /** Port to listen on; a free port is picked when omitted. */
  port?: number;
  /** EVM hardfork; anvil's latest by default (has the EIP-2537 precompiles). */
  hardfork?: string;
  /** Extra command-line arguments for anvil. */
  args?: readonly string[];
}

export interface AnvilInstance {
  /** http://127.0.0.1:<port> */
  rpcUrl: string;
  port: number;
  /** Kills anvil and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Path of the anvil binary shipped by the npm package @foundry-rs/anvil for this platform. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const wrapper = require.resolve('@foundry-rs/anvil/package.json');
  const platformPackage = `@foundry-rs/anvil-${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const fromWrapper = createRequire(wrapper);
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  return join(dirname(fromWrapper.resolve(`${platformPackage}/package.json`)), 'bin', binary);
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/**
 * Starts the real anvil binary from @foundry-rs/anvil on 127.0.0.1 and resolves once it accepts
 * requests. Call stop() when done (tests: afterAll); the process is also killed if this Node
 * process exits.
 *
 * @example
 * const anvil = await startAnvil();
 * const client = createPublicClient({ transport: http(anvil.rpcUrl) });
 * await anvil.stop();
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<AnvilInstance> {
  const port = parameters.port ?? (await freePort());
  const args = ['--host', '127.0.0.1', '--port', String(port)];
  if (parameters.hardfork !== undefined) args.push('--hardfork', parameters.hardfork);
  args.push(...(parameters.args ?? []));
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForListening(child, port);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    process.removeListener('exit', killOnExit);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), ANVIL_STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
      })();
      return stopped;
    },
  };
}

async function waitForListening(child: ChildProcess, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => finish(new Error(`anvil did not start within ${ANVIL_START_TIMEOUT_MS} ms:\n${output}`)),
      ANVIL_START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Listening on 127.0.0.1:${port}`)) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`anvil exited with code ${code}:\n${output}`));
    const onError = (error: Error) => finish(error);
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
      // Keep draining output so anvil never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error === undefined) resolve();
      else reject(error);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
