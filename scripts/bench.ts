// `pnpm bench <name>`: runs bench/<name>.ts on the pinned Node. Each benchmark prints a table
// and writes bench/results/<name>.json; benchmarks are not tests and never run under `pnpm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const available = readdirSync(benchDirectory)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
const [name, ...rest] = process.argv.slice(2);

if (!name || !available.includes(name)) {
  process.stderr.write(`usage: pnpm bench <${available.join('|')}> [args]\n`);
  if (name) process.stderr.write(`unknown benchmark: ${name}\n`);
  process.exit(2);
}
const file = join(benchDirectory, `${name}.ts`);
if (!existsSync(file)) throw new Error(`missing ${file}`);
const result = spawnSync(process.execPath, [file, ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
