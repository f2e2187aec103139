// Loads the bundled CLI (dist/bin/tnet.cjs) with V8's code cache, written beside it when it is built.
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

// Compiling the ~1 MB bundle costs each command 40-70 ms, most of it before the first line runs; the cache
// takes it. V8 takes a cache only from its own version and the same flags (bin/tnet.js's): scripts/bundle.mjs
// writes it in a node started with them. Without one, or when V8 refuses it, the bundle is compiled as usual.
const BUNDLE = fileURLToPath(new URL('../dist/bin/tnet.cjs', import.meta.url));
export const CODE_CACHE = `${BUNDLE}.cache`;

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
export function loadCli() {
  const cachedData = readCache();
  const script = compile(cachedData);
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { cli: module.exports, cache: cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used' };
}

/** The bundle compiled, as loadCli compiles it, and its code written to CODE_CACHE (at build time). */
export function writeCodeCache() {
  writeFileSync(CODE_CACHE, compile(undefined).createCachedData());
}
