// Bundles the console into dist/: index.html, app.js (the page and the Chart.js parts it
// registers) and app.css. Prints each asset's raw and gzip size and fails when the gzip total
// passes the budget (issue 16: at most 500 KB compressed).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 500 * 1024;
const here = fileURLToPath(new URL('.', import.meta.url));
const dist = `${here}dist`;

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.ts', 'app-style': 'src/styles.css' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(`${here}src/index.html`, `${dist}/index.html`);

let raw = 0;
let gzip = 0;
for (const name of readdirSync(dist).sort()) {
  const bytes = readFileSync(`${dist}/${name}`);
  // served pre-compressed by services/api (@fastify/static preCompressed)
  const zipped = gzipSync(bytes, { level: 9 });
  writeFileSync(`${dist}/${name}.gz`, zipped);
  writeFileSync(`${dist}/${name}.br`, brotliCompressSync(bytes));
  raw += bytes.length;
  gzip += zipped.length;
  console.log(`console: dist/${name.padEnd(14)} ${kb(bytes.length).padStart(9)} raw ${kb(zipped.length).padStart(9)} gzip`);
}
console.log(`console: total ${kb(raw)} raw, ${kb(gzip)} gzip (budget ${kb(BUDGET_GZIP_BYTES)} gzip)`);
if (gzip > BUDGET_GZIP_BYTES) {
  console.error(`console: the assets are ${kb(gzip)} gzip, over the ${kb(BUDGET_GZIP_BYTES)} budget`);
  process.exit(1);
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
