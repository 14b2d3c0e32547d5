// Unit-test driver: compiles every test/**/*.test.ts with esbuild into
// build/test/ (one ESM bundle per test file, npm packages left external) and
// runs them with node's built-in test runner. Extra arguments are passed to
// `node --test` (e.g. `npm test -- --test-name-pattern=sm3`).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'build/test');

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'e2e' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

rmSync(outdir, { recursive: true, force: true });
const entryPoints = testFiles(join(root, 'test'));
await build({
  entryPoints,
  outdir,
  outbase: join(root, 'test'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});

const compiled = entryPoints.map((path) =>
  join(outdir, path.slice(join(root, 'test').length + 1).replace(/\.ts$/, '.mjs')),
);
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', ...process.argv.slice(2), ...compiled], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
