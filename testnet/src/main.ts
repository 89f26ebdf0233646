// `pnpm testnet`: binds the runner to this process (argv, stdout/stderr, signals, exit code).
import { parseCommandLine, USAGE } from './args.ts';
import { UsageError } from './errors.ts';
import { testnetLayout } from './layout.ts';
import { ProcessSupervisor } from './processes.ts';
import { ExitCode, processListWriter, runTestnet } from './runner.ts';

const startedAtMs = Date.now();
let parsed: ReturnType<typeof parseCommandLine>;
try {
  parsed = parseCommandLine(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`pnpm testnet: ${error.message}\n\n${USAGE}`);
  process.exit(ExitCode.usage);
}
if (parsed.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(ExitCode.ok);
}

const layout = testnetLayout();
const supervisor = new ProcessSupervisor({ onChange: processListWriter(layout) });
const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals > 1) {
    // A second Ctrl-C: no more waiting for graceful shutdowns.
    supervisor.killAllNow();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  }
  process.stderr.write(`\n${signal} received: stopping the testnet (again to force)\n`);
  controller.abort(new Error(`${signal} received`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Whatever ends this process (an uncaught error included), no child outlives it.
process.on('exit', () => supervisor.killAllNow());

const code = await runTestnet(parsed.options, {
  io: {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
  },
  signal: controller.signal,
  startedAtMs,
  layout,
  supervisor,
});
process.exitCode = code;
// Exit now rather than when the event loop empties: Node's teardown (FreeEnvironment →
// CleanupHandles) once spun at 100% CPU for minutes after the runner had stopped everything and
// printed its summary (1 of 20 fresh starts; gdb showed uv_run looping inside CleanupHandles).
process.stderr.write('', () => process.stdout.write('', () => process.exit(code)));
