// Bundles the compiled CLI into dist/bin/tnet.cjs, one CommonJS file, and writes V8's code cache for it.
// One file of CommonJS loads faster than a module graph: the ES module loader costs ~20 ms more, half of it
// importing Node's built-in modules, whose every lazy export it evaluates. The watch's winston and chokidar
// stay outside, required from node_modules only when `tnet watch` runs, and prom-client only with --metrics.
import { rmSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

rmSync('dist/bin', { recursive: true, force: true });

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/bin/tnet.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['chokidar', 'winston', 'prom-client'],
  // Modules find the files beside the bundle (the files thread, the DNS server, libexec) from their URL.
  define: { 'import.meta.url': 'tnetBundleUrl' },
  banner: { js: "const tnetBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

// The files worker's thread is a module of its own, found beside the bundle (observe/files-worker.ts).
await build({
  entryPoints: ['dist/src/observe/files-thread.js'],
  outfile: 'dist/bin/files-thread.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
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

// The code cache, by a node started with bin/tnet.js's flags: V8 takes a cache only under the flags it was made with.
const flags = readFileSync('bin/tnet.js', 'utf8').split('\n', 1)[0].split(/\s+/).filter((w) => w.startsWith('--'));
const made = spawnSync(process.execPath, [...flags, '-e', "require('./bin/cli-loader.cjs').writeCodeCache()"], { stdio: 'inherit' });
if (made.status !== 0) process.exit(made.status ?? 1);
