// `pnpm testnet:ctl <command>`: drives a running `pnpm testnet` through its control endpoint
// (control.ts), found in .testnet/control.json (or $SYNOD_TESTNET_DIR), or given with --url.
import { parseArgs } from 'node:util';
import {
  type ControlLinkStatus,
  type ControlNodeStatus,
  type ControlStatus,
  TestnetControl,
} from './control.ts';
import { ControlError, UsageError } from './errors.ts';
import type { NodeRuntimeStatus } from './validators.ts';

export const CTL_USAGE = `Usage: pnpm testnet:ctl <command> [arguments] [--url URL] [--json]

Drives a running \`pnpm testnet\` (its control endpoint, from .testnet/control.json).
A node is node-<i> or <i>.

Commands:
  status                    nodes (state, pid, height, peers, exits) and links
  kill <node> [--restart]   SIGKILL; it stays down (--restart: the restart policy brings it back)
  stop <node> [--restart]   SIGTERM (graceful shutdown); as kill otherwise
  pause <node>              SIGSTOP: frozen, sockets open, nothing answers
  resume <node>             SIGCONT
  restart <node>            stop it if it runs, start it now
  start <node>              start a node that is down
  sources-down <node>       every price source of that node unreachable (its oracle sees nothing)
  sources-up <node>         its price sources back
  cut <a> <b>               reset the link's connections, refuse new ones (RST), both ways
  blackhole <a> <b>         the link's bytes vanish silently (no RST), both ways
  delay <a> <b> <ms>        every chunk on the link <ms> later, each way (0 lifts it)
  heal <a> <b>              the link up again, without delay
  partition <node>[,<node>…] [--blackhole]
                            separate those nodes from all others (cut, or blackhole)
  heal-all                  every link up, without delay

Options:
  --url URL                 the control endpoint (default: from .testnet/control.json)
  --json                    print the endpoint's JSON answer
  -h, --help                this text

Exit codes: 0 done, 1 refused by the testnet (the message says why), 2 usage, 3 no testnet running.
`;

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

function describeNode(node: NodeRuntimeStatus | ControlNodeStatus): string {
  const state =
    node.state === 'restarting' ? `restarting in ${Math.ceil((node.restartInMs ?? 0) / 1000)} s` : node.state;
  const chain =
    'finalizedHeight' in node && node.finalizedHeight !== null
      ? `height ${node.finalizedHeight}, ${node.peers} peers`
      : '';
  const counts = node.exits + node.restarts > 0 ? `exits ${node.exits}, restarts ${node.restarts}` : '';
  return `${pad(node.name, 9)}${pad(state, 16)}${pad(node.pid === null ? '' : `pid ${node.pid}`, 12)}${pad(chain, 24)}${counts}`.trimEnd();
}

function describeLink(link: ControlLinkStatus): string {
  const state = link.mode === 'up' ? (link.delayMs > 0 ? `delayed ${link.delayMs} ms` : 'up') : link.mode;
  return `${pad(`${link.a} — ${link.b}`, 18)}${pad(state, 18)}${link.connections} connections`;
}

export function formatControlStatus(status: ControlStatus): string {
  const lines = ['nodes:', ...status.nodes.map((node) => `  ${describeNode(node)}`)];
  if (status.links === null) lines.push('links: direct (the testnet runs with --no-proxy)');
  else {
    const faulty = status.links.filter((link) => link.mode !== 'up' || link.delayMs > 0);
    lines.push(
      faulty.length === 0
        ? `links: all ${status.links.length} up`
        : `links (${status.links.length - faulty.length} of ${status.links.length} up):`,
    );
    for (const link of faulty) lines.push(`  ${describeLink(link)}`);
  }
  if (status.sourcesDown.length > 0) lines.push(`price sources down: ${status.sourcesDown.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Runs one ctl command line; returns the exit code. */
export async function runCtl(
  argv: readonly string[],
  io: { stdout(text: string): void; stderr(text: string): void },
): Promise<number> {
  let values: { url?: string; json?: boolean; restart?: boolean; blackhole?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        json: { type: 'boolean' },
        restart: { type: 'boolean' },
        blackhole: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.stderr(`pnpm testnet:ctl: ${(error as Error).message}\n\n${CTL_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.stdout(CTL_USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const args = (count: number, names: string) => {
    if (rest.length !== count) throw new UsageError(`${command} takes ${names}`);
    return rest;
  };
  try {
    if (command === undefined) throw new UsageError('a command is needed');
    if (values.restart === true && command !== 'kill' && command !== 'stop') {
      throw new UsageError('--restart goes with kill and stop');
    }
    if (values.blackhole === true && command !== 'partition')
      throw new UsageError('--blackhole goes with partition');
    const control = values.url === undefined ? await TestnetControl.find() : new TestnetControl(values.url);
    let answer: unknown;
    let text: string;
    switch (command) {
      case 'status': {
        args(0, 'no arguments');
        const status = await control.status();
        answer = status;
        text = formatControlStatus(status);
        break;
      }
      case 'kill':
      case 'stop': {
        const [node] = args(1, 'a node');
        const status = await control[command](node!, { restart: values.restart === true });
        answer = status;
        text = `${describeNode(status)}\n`;
        break;
      }
      case 'pause':
      case 'resume':
      case 'restart':
      case 'start':
      case 'sources-down':
      case 'sources-up': {
        const [node] = args(1, 'a node');
        const method =
          command === 'sources-down' ? 'sourcesDown' : command === 'sources-up' ? 'sourcesUp' : command;
        const status = await control[method](node!);
        answer = status;
        text = `${describeNode(status)}\n`;
        break;
      }
      case 'cut':
      case 'blackhole':
      case 'heal': {
        const [a, b] = args(2, 'two nodes');
        const link = await control[command](a!, b!);
        answer = link;
        text = `${describeLink(link)}\n`;
        break;
      }
      case 'delay': {
        const [a, b, ms] = args(3, 'two nodes and a delay in ms');
        if (!/^\d+$/.test(ms!)) throw new UsageError(`delay: "${ms}" is not a whole number of milliseconds`);
        const link = await control.delay(a!, b!, Number(ms));
        answer = link;
        text = `${describeLink(link)}\n`;
        break;
      }
      case 'partition': {
        const [group] = args(1, 'one node or a comma-separated group (node-1,node-2)');
        const nodes = group!.split(',').filter((name) => name !== '');
        const result = await control.partition(nodes, {
          mode: values.blackhole === true ? 'blackhole' : 'cut',
        });
        answer = result;
        text = formatControlStatus({
          nodes: [],
          links: result.links,
          sourcesDown: [],
          totals: { exits: 0, restarts: 0, crashes: 0 },
        })
          .split('\n')
          .slice(1)
          .join('\n');
        break;
      }
      case 'heal-all': {
        args(0, 'no arguments');
        answer = await control.healAll();
        text = 'every link up\n';
        break;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    io.stdout(values.json === true ? `${JSON.stringify(answer)}\n` : text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pnpm testnet:ctl: ${error.message}\n\n${CTL_USAGE}`);
      return 2;
    }
    if (error instanceof ControlError) {
      io.stderr(`pnpm testnet:ctl: ${error.message}\n`);
      return error.status === 0 ? 3 : 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  process.exitCode = await runCtl(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
