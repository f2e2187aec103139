// Loads the bundled CLI (dist/bin/tnet.cjs) with V8's code cache, written beside it when it is built.
'use strict';
// CommonJS, as the bundle: an ES module importing node:fs makes Node evaluate every lazy export of it
// (fs.ReadStream loads all of streams, ~13 ms).
const { createHash } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

// Compiling the ~1 MB bundle costs each command 40-70 ms, most of it before the first line runs; the cache
// takes it. V8 takes a cache only from its own version and the same flags (bin/tnet.js's): scripts/bundle.mjs
// writes it in a node started with them. Without one, or when V8 refuses it, the bundle is compiled as usual.
// V8 knows a cache's source by its length alone: the file starts with the SHA-256 of the bundle it was made
// for, so that a cache left beside another bundle is never run (node:crypto, which the bundle loads anyway).
const BUNDLE = join(__dirname, '..', 'dist', 'bin', 'tnet.cjs');
const CODE_CACHE = `${BUNDLE}.cache`;
const DIGEST_BYTES = 32;

const digest = (source) => createHash('sha256').update(source).digest();

function compile(source, cachedData) {
  return new Script(Module.wrap(source), { filename: BUNDLE, cachedData });
}

/** The cache's code for `source`, 'missing', or 'stale' when it was made for another bundle. */
function readCache(source) {
  let file;
  try {
    file = readFileSync(CODE_CACHE);
  } catch {
    return 'missing';
  }
  return file.length > DIGEST_BYTES && file.subarray(0, DIGEST_BYTES).equals(digest(source)) ? file.subarray(DIGEST_BYTES) : 'stale';
}

/** The bundle's exports, and what became of the code cache: 'used', 'rejected' (by V8), 'stale' or 'missing'. */
function loadCli() {
  const source = readFileSync(BUNDLE, 'utf8');
  const cached = readCache(source);
  const script = compile(source, typeof cached === 'string' ? undefined : cached);
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { cli: module.exports, cache: typeof cached === 'string' ? cached : script.cachedDataRejected ? 'rejected' : 'used' };
}

/** The bundle compiled, as loadCli compiles it, and its code written to CODE_CACHE after its digest (at build time). */
function writeCodeCache() {
  const source = readFileSync(BUNDLE, 'utf8');
  writeFileSync(CODE_CACHE, Buffer.concat([digest(source), compile(source, undefined).createCachedData()]));
}

module.exports = { loadCli, writeCodeCache };
