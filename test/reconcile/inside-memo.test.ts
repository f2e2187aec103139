import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InsideMemo } from '../../src/reconcile/inside-memo.js';
import type { DesiredState } from '../../src/model/desired.js';
import type { KernelView } from '../../src/observe/observe.js';
import type { ObservedNetns } from '../../src/model/observed.js';

const view = (): KernelView => ({ host: { links: [] } as unknown as KernelView['host'], listed: [] });
const endpoint = (name: string, port = 80) => ({ container: name, netns: name, hostIf: `v${name}`, seal: `s${port}` });
const desired = (eps: object[], netns: object[] = eps.map((e) => ({ name: (e as { netns: string }).netns, kind: 'created', mark: 'm' }))): DesiredState =>
  ({ spec: 's', endpoints: eps, netns } as unknown as DesiredState);
const record: Record<string, ObservedNetns> = {};

test('kept while the view and the namespaces desired are the same', () => {
  const m = new InsideMemo();
  const k = view();
  const eps = [endpoint('a'), endpoint('b')];
  const d = desired(eps);
  m.set(k, d, record, true);
  assert.is(m.get(k, d), record);
  // Another wrapper of the same parts (each pass makes one), and an edited container equal to the one before.
  assert.is(m.get({ ...k }, desired([eps[0], endpoint('b')], d.netns)), record);
});

test('dropped when the view, a namespace or an endpoint changed, or when the pass entered a namespace', () => {
  const m = new InsideMemo();
  const k = view();
  const d = desired([endpoint('a'), endpoint('b')]);
  m.set(k, d, record, true);
  assert.is(m.get(view(), d), null, 'a view read again');
  assert.is(m.get(k, desired([endpoint('a'), endpoint('b', 81)], d.netns)), null, 'a seal changed');
  assert.is(m.get(k, desired([endpoint('a')])), null, 'a container gone');
  assert.is(m.get(k, { ...d, spec: 't' } as DesiredState), null, 'another spec');
  m.set(k, d, record, false);
  assert.is(m.get(k, d), null, 'a namespace was entered');
});

test.run();
