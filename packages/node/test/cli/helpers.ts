import { runCli } from '../../src/cli/run.ts';
import type { CliIo } from '../../src/cli/types.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `synod <argv>` in-process with captured output and a clean environment. */
export async function synod(
  argv: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; homeDir?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: options.env ?? {},
    cwd: options.cwd ?? '/',
    homeDir: options.homeDir ?? '/nonexistent-home',
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
