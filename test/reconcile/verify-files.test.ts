// The check after an apply takes the files as the apply wrote them: the folders it removed gone, its writes in place.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { filesAfter } from '../../src/reconcile/verify.js';
import type { Action } from '../../src/model/action.js';

const before = {
  files: { '/etc/netns/a/hosts': 'a old', '/etc/netns/a/resolv.conf': 'a r', '/etc/netns/ab/hosts': 'ab', '/etc/netns/b/hosts': 'b' },
  fileDirs: ['/etc/netns/a', '/etc/netns/ab', '/etc/netns/b'],
};

test('writes replace or add files, and add their folder once', () => {
  const actions: Action[] = [
    { op: 'file-write', path: '/etc/netns/a/hosts', content: 'a new' },
    { op: 'file-write', path: '/etc/netns/c/hosts', content: 'c' },
    { op: 'file-write', path: '/etc/netns/c/resolv.conf', content: 'c r' },
  ];
  assert.equal(filesAfter(actions, before), {
    files: { '/etc/netns/a/hosts': 'a new', '/etc/netns/a/resolv.conf': 'a r', '/etc/netns/ab/hosts': 'ab', '/etc/netns/b/hosts': 'b', '/etc/netns/c/hosts': 'c', '/etc/netns/c/resolv.conf': 'c r' },
    fileDirs: ['/etc/netns/a', '/etc/netns/ab', '/etc/netns/b', '/etc/netns/c'],
  });
});

test('a folder removed takes its files with it, and no folder whose name merely starts the same', () => {
  const r = filesAfter([{ op: 'dir-remove', path: '/etc/netns/a' }], before);
  assert.equal(r, { files: { '/etc/netns/ab/hosts': 'ab', '/etc/netns/b/hosts': 'b' }, fileDirs: ['/etc/netns/ab', '/etc/netns/b'] });
});

test('no file action: the files as they were', () => {
  assert.equal(filesAfter([{ op: 'netns-add', name: 'x' } as Action], before), before);
});

test.run();
