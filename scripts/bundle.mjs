// Bundles the compiled CLI into dist/bin: one module graph of a few files loads ~40 ms faster than a hundred.
// The watch's winston and chokidar stay outside, loaded from node_modules only when `tnet watch` runs.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a hash of their content: without this, every edit would leave stale chunks to be packed.
rmSync('dist/bin', { recursive: true, force: true });

await build({
  // The files worker's thread is a module of its own, found beside the bundle (observe/files-worker.ts).
  // The DNS server is a long-running process of its own: it imports only model/, ownership/, util/ and
  // dns-packet, so its graph stays small (it shares a chunk with the CLI at most for those).
  entryPoints: {
    main: 'dist/src/cli/main.js',
    'files-thread': 'dist/src/observe/files-thread.js',
    'dns-server': 'dist/src/dns/server-main.js',
  },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['chokidar', 'winston'],
  // yaml is CommonJS and calls require() for Node built-ins, which an ES module bundle must provide.
  banner: { js: "import { createRequire as tnetRequire } from 'node:module'; const require = tnetRequire(import.meta.url);" },
  logLevel: 'warning',
});
