import { CONFIG_KEYS } from './schema.ts';

const BOOLEAN_KEYS = new Set(CONFIG_KEYS.filter((key) => key.field.isBoolean === true).map((key) => key.key));

/**
 * Separates config flags (`--<section>.<key> [value]`, recognizable by the dot) from a command's
 * own flags, so each command parses only its own with node:util parseArgs and every command
 * accepts every config override the same way.
 */
export function splitConfigFlags(argv: readonly string[]): { configArgv: string[]; commandArgv: string[] } {
  const configArgv: string[] = [];
  const commandArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      commandArgv.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith('--') ? arg.slice(2).split('=', 1)[0]! : '';
    if (!name.includes('.')) {
      commandArgv.push(arg);
      continue;
    }
    configArgv.push(arg);
    if (arg.includes('=')) continue;
    const next = argv[i + 1];
    const takesValue = !BOOLEAN_KEYS.has(name) || (next !== undefined && /^(true|false|1|0)$/i.test(next));
    if (takesValue && next !== undefined && !next.startsWith('--')) configArgv.push(argv[++i]!);
  }
  return { configArgv, commandArgv };
}
