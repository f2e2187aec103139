// Bundles the compiled CLI into dist/bin: one module graph of a few files loads ~40 ms faster than a hundred.
// The watch's winston and chokidar stay outside, loaded from node_modules only when `tnet watch` runs, and
// prom-client only when it runs with --metrics.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a hash of their content: without this, every edit would leave stale chunks to be packed.
rmSync('dist/bin', { recursive: true, force: true });

await build({
  // The files worker's thread is a module of its own, found beside the bundle (observe/files-worker.ts).
  entryPoints: { main: 'dist/src/cli/main.js', 'files-thread': 'dist/src/observe/files-thread.js' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['chokidar', 'winston', 'prom-client'],
  // yaml is CommonJS and calls require() for Node built-ins, which an ES module bundle must provide.
  banner: { js: "import { createRequire as tnetRequire } from 'node:module'; const require = tnetRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The DNS server runs for as long as the host has containers: one CommonJS file of its own, since Node's ES module
// loader alone costs a long-running process 1.4 MB of memory. It imports only model/, ownership/, util/ and
// dns-packet. dns-server.js is for whoever runs it as an ES module; dns-server.cjs is the lean entry.
await build({
  entryPoints: ['dist/src/dns/server-main.js'],
  outfile: 'dist/bin/dns-server.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
writeFileSync('dist/bin/dns-server.js', "// tnet's DNS server as an ES module entry; dns-server.cjs itself is leaner.\nimport { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./dns-server.cjs');\n");
