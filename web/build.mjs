// Production build of the browser console: bundles src/app/main.tsx with
// esbuild into dist/ (and the public portal's verify script into dist/portal/),
// copies the static files (index.html, manifest, icons) next to it and records
// raw and gzip sizes in dist/bundle-size.json so the size of what a browser
// downloads can be watched over time; writes a gzip copy of each text file,
// which the node serves to browsers that accept gzip.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('.', import.meta.url));
const dist = join(root, 'dist');
const staticDir = join(root, 'static');

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Text files get a gzip copy (`main.js.gz`) that the node sends to browsers accepting gzip. */
const COMPRESS = /\.(js|css|html|svg|json|webmanifest)$/;

function writeGzipCopies() {
  for (const path of listFiles(dist).filter((p) => COMPRESS.test(p) && !p.endsWith('bundle-size.json'))) {
    writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
  }
}

function writeSizes() {
  const files = listFiles(dist).filter((path) => !path.endsWith('bundle-size.json') && !path.endsWith('.gz')).sort();
  const sizes = {};
  for (const path of files) {
    const bytes = readFileSync(path);
    sizes[relative(dist, path)] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  writeFileSync(join(dist, 'bundle-size.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  return sizes;
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [join(root, 'src/app/main.tsx')],
  outdir: dist,
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'es2020',
  format: 'esm',
  splitting: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});

// The public portal's one script (the verify button): separate from the console's bundle, a
// classic script so older browsers just ignore it, and the page works without it.
await build({
  entryPoints: [join(root, 'src/portal/verify.ts')],
  outfile: join(dist, 'portal', 'verify.js'),
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'es2020',
  format: 'iife',
  legalComments: 'none',
  logLevel: 'warning',
});

if (existsSync(staticDir)) {
  cpSync(staticDir, dist, { recursive: true });
}

const sizes = writeSizes();
writeGzipCopies();
for (const [name, size] of Object.entries(sizes)) {
  console.log(`${name.padEnd(32)} ${String(size.raw).padStart(9)} B  gzip ${String(size.gzip).padStart(8)} B`);
}
