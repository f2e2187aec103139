// Loads the bundled CLI (dist/bin/tnet.cjs) with V8's code cache, written beside it when it is built.
'use strict';
// CommonJS, as the bundle: an ES module importing node:fs makes Node evaluate every lazy export of it
// (fs.ReadStream loads all of streams, ~13 ms).
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

// Compiling the ~1 MB bundle costs each command 40-70 ms, most of it before the first line runs; the cache
// takes it. V8 takes a cache only from its own version and the same flags (bin/tnet.js's): scripts/bundle.mjs
// writes it in a node started with them. Without one, or when V8 refuses it, the bundle is compiled as usual.
const BUNDLE = join(__dirname, '..', 'dist', 'bin', 'tnet.cjs');
const CODE_CACHE = `${BUNDLE}.cache`;

function compile(cachedData) {
  return new Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
}

function readCache() {
  try {
    return readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
}

/** The bundle's exports, and whether V8 took the code cache: 'used', 'rejected' or 'missing'. */
function loadCli() {
  const cachedData = readCache();
  const script = compile(cachedData);
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { cli: module.exports, cache: cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used' };
}

/** The bundle compiled, as loadCli compiles it, and its code written to CODE_CACHE (at build time). */
function writeCodeCache() {
  writeFileSync(CODE_CACHE, compile(undefined).createCachedData());
}

module.exports = { loadCli, writeCodeCache };
