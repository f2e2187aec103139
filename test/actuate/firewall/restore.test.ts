import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderRestore } from '../../../src/actuate/firewall/restore.js';

test('declares, deletes, refills, inserts, then drops chains, in one COMMIT', () => {
  const text = renderRestore('filter', {
    createChains: ['TNET-USER'],
    replaceChains: { 'TNET-USER': ['-m comment --comment tnet -j RETURN'], 'TNET-FORWARD': ['-o br0 -j ACCEPT', '-i br0 -j ACCEPT'] },
    deleteChains: ['TNET-OLD'],
    deleteRules: [{ chain: 'FORWARD', rule: '-m comment --comment tnet -j TNET-OLD' }],
    insertRules: [
      { chain: 'FORWARD', rule: '-m comment --comment tnet -j TNET-USER', position: 1 },
      { chain: 'FORWARD', rule: '-m comment --comment tnet -j X', position: 'end' },
    ],
  });
  assert.is(
    text,
    [
      '*filter',
      ':TNET-USER - [0:0]',
      ':TNET-FORWARD - [0:0]',
      ':TNET-OLD - [0:0]',
      '-D FORWARD -m comment --comment tnet -j TNET-OLD',
      '-A TNET-USER -m comment --comment tnet -j RETURN',
      '-A TNET-FORWARD -o br0 -j ACCEPT',
      '-A TNET-FORWARD -i br0 -j ACCEPT',
      '-I FORWARD 1 -m comment --comment tnet -j TNET-USER',
      '-A FORWARD -m comment --comment tnet -j X',
      '-X TNET-OLD',
      'COMMIT',
      '',
    ].join('\n'),
  );
});

test('a chain created and filled is declared once', () => {
  const text = renderRestore('nat', { createChains: ['TNET'], replaceChains: { TNET: ['-j RETURN'] }, deleteChains: [], deleteRules: [], insertRules: [] });
  assert.is(text, '*nat\n:TNET - [0:0]\n-A TNET -j RETURN\nCOMMIT\n');
});

test.run();
