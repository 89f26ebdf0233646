// pnpm --filter @synod/dashboard start --rpc http://127.0.0.1:8645/ [--rpc …] [--l1 URL] [--port 8650]
import { parseArgs } from 'node:util';
import { configFromNodes } from './discover.ts';
import { DashboardError, startDashboard } from './server.ts';

const USAGE = `Usage: pnpm --filter @synod/dashboard start --rpc <url> [--rpc <url> …] [--l1 <url>] [--host <host>] [--port <port>]

Serves the Synod dashboard for running nodes. Each node must list the dashboard's origin
(printed below) in rpc.corsOrigins. pnpm testnet serves it by itself.`;

async function main(): Promise<number> {
  let values: { rpc?: string[]; l1?: string; host?: string; port?: string; help?: boolean };
  try {
    // `pnpm start -- --rpc …` hands the script the `--` too.
    const args = process.argv.slice(2);
    ({ values } = parseArgs({
      args: args[0] === '--' ? args.slice(1) : args,
      options: {
        rpc: { type: 'string', multiple: true },
        l1: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.rpc === undefined || values.rpc.length === 0) {
    process.stderr.write(`--rpc is required\n\n${USAGE}\n`);
    return 2;
  }
  const port = values.port === undefined ? 8650 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`--port must be 0..65535: ${values.port}\n`);
    return 2;
  }
  try {
    const config = await configFromNodes({
      rpcUrls: values.rpc,
      ...(values.l1 !== undefined && { l1RpcUrl: values.l1 }),
    });
    const dashboard = await startDashboard({
      config,
      port,
      ...(values.host !== undefined && { host: values.host }),
    });
    process.stdout.write(
      `Synod dashboard on ${dashboard.url} (the nodes' rpc.corsOrigins must list ${dashboard.origin})\n`,
    );
    // The open server keeps the process alive; closing it lets the process end by itself.
    const stop = () => void dashboard.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return 0;
  } catch (error) {
    if (error instanceof DashboardError) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main();
