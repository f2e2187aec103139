// The /etc/netns folders: files written where they differ, folders of others refused, this spec's unwanted ones removed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffFiles } from '../../src/plan/diff-files.js';
import type { DesiredFile } from '../../src/model/desired.js';
import { desired, emptyObserved } from '../helpers/fixtures.js';

const hostsOf = (spec: string, name: string, extra = '') => `# tnet:${spec}/files/${name}\n127.0.0.1 localhost\n${extra}`;
const filesFor = (name: string, spec = 'q', extra = ''): DesiredFile[] => [
  { path: `/etc/netns/${name}/hosts`, content: hostsOf(spec, name, extra) },
  { path: `/etc/netns/${name}/resolv.conf`, content: 'nameserver 192.0.2.53\n' },
];
const want = desired({ files: [...filesFor('a'), ...filesFor('b')], fileDirs: ['/etc/netns/a', '/etc/netns/b'] });
const onHost = (files: DesiredFile[]) => emptyObserved({
  files: Object.fromEntries(files.map((f) => [f.path, f.content])),
  fileDirs: [...new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf('/'))))],
});
const ops = (r: ReturnType<typeof diffFiles>) => r.actions.map((a) => `${a.op} ${'path' in a ? a.path : ''}`);

test('every file as wanted: nothing to do', () => {
  const r = diffFiles(want, onHost(want.files));
  assert.equal(r, { actions: [], errors: [] });
});

test('missing folders are written whole; a file that differs in a folder of ours is rewritten alone', () => {
  assert.equal(ops(diffFiles(want, onHost([]))), want.files.map((f) => `file-write ${f.path}`));
  const stale = onHost([...filesFor('a'), filesFor('b', 'q', '10.0.0.9 old\n')[0], filesFor('b')[1]]);
  assert.equal(ops(diffFiles(want, stale)), ['file-write /etc/netns/b/hosts']);
  const resolv = onHost([...filesFor('a'), filesFor('b')[0], { ...filesFor('b')[1], content: 'nameserver 8.8.8.8\n' }]);
  assert.equal(ops(diffFiles(want, resolv)), ['file-write /etc/netns/b/resolv.conf']);
});

test("a folder another spec or someone else wrote is refused, with an error, and none of its files written", () => {
  const r = diffFiles(want, onHost([...filesFor('a', 'other'), { path: '/etc/netns/b/hosts', content: '127.0.0.1 handmade\n' }]));
  assert.equal(ops(r), []);
  assert.equal(r.errors.map((e) => e.message), [
    "/etc/netns/a already exists and belongs to tnet spec 'other'",
    '/etc/netns/b already exists and was not written by tnet',
  ]);
  // Only the refused folder is skipped: the other is written.
  const one = diffFiles(want, onHost(filesFor('a', 'other')));
  assert.equal(ops(one), filesFor('b').map((f) => `file-write ${f.path}`));
  assert.is(one.errors.length, 1);
});

test("this spec's folders no longer wanted are removed; others' and unmarked ones stay", () => {
  const r = diffFiles(want, onHost([...want.files, ...filesFor('gone'), ...filesFor('theirs', 'other'), { path: '/etc/netns/mine/hosts', content: 'x\n' }]));
  assert.equal(ops(r), ['dir-remove /etc/netns/gone']);
});

test.run();
