// A plan made while an edit settles is used only for exactly that spec, with nothing changed on the host since.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ok, type Result } from '../../src/model/errors.js';
import type { Spec } from '../../src/model/spec.js';
import type { Planned } from '../../src/reconcile/reconcile.js';
import { Speculator } from '../../src/watch/speculate.js';

const spec = (name: string) => ({ name }) as unknown as Spec;
const tick = () => new Promise((r) => setTimeout(r, 1));

/** A speculator whose loads return `files.current` and whose plans record what they were made for. */
function rig(idle: (s: Spec) => boolean = () => false) {
  const files = { current: spec('a') };
  const runs: string[] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const s = new Speculator({
    load: async () => ok(files.current),
    observe: () => null,
    plan: async (sp): Promise<Result<Planned>> => {
      runs.push(sp.name);
      await gate;
      return ok({ report: { actions: [], applied: false, ms: 0 }, fw: null, started: 0, for: sp.name } as unknown as Planned);
    },
    idle,
  });
  const hold = () => (gate = new Promise<void>((r) => (release = r)));
  return { s, files, runs, hold, release: () => release() };
}

const madeFor = (p: Planned | null) => (p as unknown as { for: string } | null)?.for ?? null;

test('the plan for the very spec loaded is taken', async () => {
  const { s, files } = rig();
  s.start();
  assert.is(madeFor(await s.take(files.current)), 'a');
});

test('another Spec object, even an equal one, gets no plan', async () => {
  const { s } = rig();
  s.start();
  assert.is(await s.take(spec('a')), null);
});

test('a kernel event or a reconcile in between discards the plan, also one still being made', async () => {
  const r = rig();
  r.s.start();
  await tick();
  r.s.invalidate();
  assert.is(await r.s.take(r.files.current), null);
  r.hold();
  r.s.start();
  const taking = r.s.take(r.files.current);
  await tick();
  r.s.invalidate();
  r.release();
  assert.is(await taking, null);
});

test('edits during a run queue one more run, for the latest text', async () => {
  const r = rig();
  r.hold();
  r.s.start();
  r.files.current = spec('b');
  r.s.start();
  r.files.current = spec('c');
  r.s.start();
  await tick();
  assert.equal(r.runs, ['a'], 'runs never overlap');
  r.release();
  await tick();
  assert.equal(r.runs, ['a', 'c'], 'one more run, for what the file holds then');
  assert.is(madeFor(await r.s.take(r.files.current)), 'c');
});

test('nothing started: nothing to take', async () => {
  const { s, files } = rig();
  assert.is(await s.take(files.current), null);
});

test('the spec the controller applied last is not planned again: it will not reconcile for it', async () => {
  const applied = spec('a');
  const r = rig((sp) => sp === applied);
  r.files.current = applied;
  r.s.start();
  assert.is(await r.s.take(applied), null);
  r.files.current = spec('b');
  r.s.start();
  assert.is(madeFor(await r.s.take(r.files.current)), 'b');
  assert.equal(r.runs, ['b'], 'only the new spec was planned');
});

test('the dry passes after start: for the spec applied, though it is idle; an edit meanwhile runs after the one in flight, and its plan is taken', async () => {
  const r = rig(() => true);
  r.hold();
  r.s.warm(spec('applied'));
  await tick();
  r.files.current = spec('edited');
  r.s.start();
  r.release();
  await tick();
  await tick();
  assert.equal(r.runs, ['applied'], 'the edit waits for the pass in flight only; idle (the spec applied) plans nothing');
  const s2 = rig(() => false);
  s2.hold();
  s2.s.warm(spec('applied'));
  s2.files.current = spec('edited');
  s2.s.start();
  s2.release();
  await tick();
  await tick();
  assert.is(madeFor(await s2.s.take(s2.files.current)), 'edited');
  assert.equal(s2.runs, ['applied', 'edited']);
  const quiet = rig();
  quiet.s.warm(spec('applied'));
  await tick();
  await tick();
  assert.equal(quiet.runs, ['applied', 'applied'], 'two passes when no edit comes');
});

test('a kernel event during the dry passes stops them', async () => {
  const r = rig();
  r.hold();
  r.s.warm(spec('applied'));
  await tick();
  r.s.invalidate();
  r.release();
  await tick();
  await tick();
  assert.equal(r.runs, ['applied']);
});

test.run();
