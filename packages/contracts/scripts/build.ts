// Compiles contracts/{core,adapters,test}/*.sol and writes src/artifacts.ts (typed ABIs and bytecode for viem).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS_PATH, compileContracts, renderArtifacts } from '../src/compile.ts';

const compiled = compileContracts();
writeFileSync(ARTIFACTS_PATH, renderArtifacts(compiled));
// Format like the rest of the repository so `biome check` passes on the generated file.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
execFileSync(join(repositoryRoot, 'node_modules', '.bin', 'biome'), ['format', '--write', ARTIFACTS_PATH], {
  stdio: 'ignore',
});
for (const [name, contract] of compiled) {
  const size = (contract.bytecode.length - 2) / 2;
  console.log(`${name.padEnd(24)} ${String(size).padStart(6)} bytes`);
}
