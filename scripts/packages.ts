// The published packages: build them to JavaScript with type declarations, and pack them.
//
//   pnpm build                       dist/ (JS, .d.ts, source maps) of every published package
//   pnpm packages:pack [DIR]         build, then one npm tarball per package into DIR (default ./packed)
//
// In the workspace every package exports its TypeScript sources (Node 24 strips the types);
// what a tarball exports is its publishConfig: dist/, which Node and bundlers load from
// node_modules (Node does not strip types there). docs/decisions.md "Published packages".
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The published packages, each after those it depends on (the build reads their dist/ types). */
export const PUBLISHED_PACKAGES = ['protocol', 'contracts', 'oracle', 'sdk', 'node'] as const;
export type PublishedPackage = (typeof PUBLISHED_PACKAGES)[number];

const TSC = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');

/** Builds every published package's dist/ from scratch (tsconfig.build.json). */
export async function buildPackages(): Promise<void> {
  for (const name of PUBLISHED_PACKAGES) {
    const dir = join(REPO_ROOT, 'packages', name);
    await rm(join(dir, 'dist'), { recursive: true, force: true });
    try {
      await run(TSC, ['-p', 'tsconfig.build.json'], { cwd: dir });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`building @synod/${name} failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  }
}

/**
 * Packs every published package into `destination` with pnpm (workspace: versions become the
 * packages' own, publishConfig replaces the exports and bin); returns name → tarball path.
 * Build first.
 */
export async function packPackages(destination: string): Promise<Map<PublishedPackage, string>> {
  await mkdir(destination, { recursive: true });
  const tarballs = new Map<PublishedPackage, string>();
  for (const name of PUBLISHED_PACKAGES) {
    const ours = (file: string) => file.startsWith(`synod-${name}-`) && file.endsWith('.tgz');
    for (const file of (await readdir(destination)).filter(ours)) await rm(join(destination, file));
    await run('pnpm', ['pack', '--pack-destination', destination], {
      cwd: join(REPO_ROOT, 'packages', name),
    });
    const tarball = (await readdir(destination)).find(ours);
    if (tarball === undefined)
      throw new Error(`pnpm pack of @synod/${name} wrote no tarball to ${destination}`);
    tarballs.set(name, join(destination, tarball));
  }
  return tarballs;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2);
  if (command === 'build') {
    await buildPackages();
    process.stdout.write(`built ${PUBLISHED_PACKAGES.map((name) => `@synod/${name}`).join(', ')}\n`);
  } else if (command === 'pack') {
    await buildPackages();
    const tarballs = await packPackages(resolve(dir ?? join(REPO_ROOT, 'packed')));
    for (const tarball of tarballs.values()) process.stdout.write(`${tarball}\n`);
  } else {
    process.stderr.write('usage: node scripts/packages.ts build | pack [DIR]\n');
    process.exitCode = 2;
  }
}
