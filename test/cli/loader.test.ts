// The bundled CLI as bin/tnet.js loads it: from V8's code cache under the entry's flags, compiled afresh otherwise.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const FLAGS = readFileSync('bin/tnet.js', 'utf8').split('\n', 1)[0].split(/\s+/).filter((w) => w.startsWith('--'));

/** Loads the bundle in a node started with `flags`, runs `tnet validate` on the quickstart: the cache's fate and the exit code. */
function load(flags: string[], root = '.'): { cache: string; code: number } {
  const script = `
    import { createRequire } from 'node:module';
    const { loadCli } = createRequire(import.meta.url)(${JSON.stringify(resolve(root, 'bin/cli-loader.cjs'))});
    const { cli, cache } = loadCli();
    process.stdout.write = () => true;
    const code = await cli.main(['validate', '-f', 'examples/quickstart.yaml']);
    console.error(JSON.stringify({ cache, code }));`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stderr.trim().split('\n').pop()!);
}

test("the build's code cache is taken under bin/tnet.js's flags", () => {
  assert.ok(FLAGS.length > 0, 'bin/tnet.js passes node flags: the cache is made under them');
  assert.equal(load(FLAGS), { cache: 'used', code: 0 });
});

test('under other flags V8 refuses the cache, and the bundle is compiled and runs all the same', () => {
  assert.equal(load([]), { cache: 'rejected', code: 0 });
});

test('a cache made for another bundle of the same length is not run: V8 would take it by the length alone', () => {
  const root = mkdtempSync(join(tmpdir(), 'tnet-loader-'));
  try {
    for (const shared of ['package.json', 'specs', 'libexec', 'examples', 'node_modules']) symlinkSync(resolve(shared), join(root, shared));
    mkdirSync(join(root, 'bin'));
    copyFileSync('bin/cli-loader.cjs', join(root, 'bin/cli-loader.cjs'));
    cpSync('dist/bin', join(root, 'dist/bin'), { recursive: true });
    const bundle = join(root, 'dist/bin/tnet.cjs');
    const text = readFileSync(bundle, 'utf8');
    const edited = text.replace('tnet: declarative', 'tnet: Declarative');
    assert.is.not(edited, text);
    writeFileSync(bundle, edited);
    assert.equal(load(FLAGS, root), { cache: 'stale', code: 0 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
