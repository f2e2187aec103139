// Which iptables variant plain `iptables` is, read from the program it resolves to, without running it.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { multiCallVariant } from '../../../src/actuate/firewall/iptables.js';

/** A PATH of folders, each holding `iptables` as the given chain of links ending in a file, or nothing. */
function pathOf(layout: Record<string, string[] | null>): { path: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'tnet-variant-'));
  const dirs = Object.entries(layout).map(([name, chain]) => {
    const dir = join(root, name);
    mkdirSync(dir);
    if (chain) {
      // chain: [final program, link, link, …]; iptables points at the last link (or at the program).
      writeFileSync(join(dir, chain[0]), '#!/bin/sh\n', { mode: 0o755 });
      let target = chain[0];
      for (const link of chain.slice(1)) {
        symlinkSync(target, join(dir, link));
        target = link;
      }
      symlinkSync(target, join(dir, 'iptables'));
    }
    return dir;
  });
  return { path: dirs.join(':'), done: () => rmSync(root, { recursive: true, force: true }) };
}

test("Debian's alternatives: the multi-call program at the end of the links says the variant", () => {
  for (const [program, variant] of [['xtables-nft-multi', 'nf_tables'], ['xtables-legacy-multi', 'legacy']] as const) {
    const p = pathOf({ a: [program, 'iptables-x', 'alternative'] });
    try {
      assert.is(multiCallVariant(p.path), variant);
    } finally {
      p.done();
    }
  }
});

test('the first iptables on the path is the one that counts, as a spawn would run it', () => {
  const p = pathOf({ empty: null, first: ['xtables-legacy-multi'], second: ['xtables-nft-multi'] });
  try {
    assert.is(multiCallVariant(p.path), 'legacy');
  } finally {
    p.done();
  }
});

test('any other program, or none, is not guessed at: iptables --version is asked then', () => {
  const p = pathOf({ a: ['iptables-wrapper'] });
  try {
    assert.is(multiCallVariant(p.path), null);
    assert.is(multiCallVariant(''), null);
    assert.is(multiCallVariant('/nonexistent-tnet-dir'), null);
  } finally {
    p.done();
  }
});

test.run();
