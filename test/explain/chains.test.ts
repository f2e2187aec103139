// The chain walker: jumps, RETURN, goto, policies, NAT targets, targets that only look, and rules whose
// matches cannot be evaluated (the hook is then unknown unless the rule could not have changed its end).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runHook, type WalkContext } from '../../src/explain/chains.js';
import type { Packet } from '../../src/explain/match.js';
import type { FwChainObserved } from '../../src/model/firewall.js';

const pkt: Packet = { src: '10.0.0.2', dst: '10.0.1.2', proto: 'tcp', sport: null, dport: 80, in: 'br0', out: 'br1', ct: ['NEW'], first: true };

function ctx(chains: Record<string, FwChainObserved>): WalkContext {
  return {
    isLocal: () => false,
    ephemeral: [32768, 60999],
    chains: () => chains,
    describe: () => ({ owner: { kind: 'foreign' }, cause: null }),
  };
}
const builtin = (policy: string, rules: string[]): FwChainObserved => ({ policy, rules });
const user = (rules: string[]): FwChainObserved => ({ policy: null, rules });
const run = (chains: Record<string, FwChainObserved>, p: Packet = pkt) => runHook('filter', 'FORWARD', p, ctx(chains));

test('a jump, a RETURN back, then the next rule decides', () => {
  const r = run({ FORWARD: builtin('ACCEPT', ['-j A', '-s 10.0.0.0/24 -j DROP']), A: user(['-s 10.0.0.2/32 -j RETURN', '-j ACCEPT']) });
  assert.is(r.outcome, 'drop');
  assert.equal(r.steps.map((s) => `${s.chain} ${s.index} ${s.effect}`), ['FORWARD 1 A', 'A 1 RETURN', 'FORWARD 2 DROP']);
});

test('falling off a user chain returns; falling off a built-in is its policy', () => {
  const r = run({ FORWARD: builtin('DROP', ['-j A']), A: user(['-s 10.9.0.0/16 -j ACCEPT']) });
  assert.is(r.outcome, 'drop');
  assert.equal(r.steps.at(-1), { table: 'filter', chain: 'FORWARD', index: 0, rule: 'DROP', effect: 'DROP', certain: true, owner: { kind: 'foreign' }, cause: null });
});

test('an ACCEPT in a user chain ends the hook', () => {
  assert.is(run({ FORWARD: builtin('DROP', ['-j A', '-j DROP']), A: user(['-i br0 -o br1 -j ACCEPT']) }).outcome, 'accept');
});

test('goto: returning from the chain gone to returns from the caller too', () => {
  const r = run({ FORWARD: builtin('ACCEPT', ['-j A', '-j DROP']), A: user(['-g B', '-j DROP']), B: user([]) });
  assert.is(r.outcome, 'drop', 'FORWARD rule 2, not A rule 2');
  assert.equal(r.steps.map((s) => `${s.chain} ${s.index}`), ['FORWARD 1', 'A 1', 'FORWARD 2']);
});

test('LOG and rules without target only look', () => {
  const r = run({ FORWARD: builtin('ACCEPT', ['-j LOG --log-prefix "x: "', '-s 10.0.0.2/32', '-j REJECT --reject-with icmp-port-unreachable']) });
  assert.is(r.outcome, 'drop');
  assert.equal(r.steps.map((s) => s.effect), ['REJECT']);
});

test('nat: DNAT and MASQUERADE end the chain with the translation', () => {
  const chains = { PREROUTING: builtin('ACCEPT', ['-j T']), T: user(['-p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:8080']) };
  const r = runHook('nat', 'PREROUTING', pkt, ctx(chains));
  assert.equal(r.nat, { kind: 'dnat', ip: '172.17.0.2', port: 8080 });
  const m = runHook('nat', 'POSTROUTING', pkt, ctx({ POSTROUTING: builtin('ACCEPT', ['-s 10.0.0.0/24 ! -o br0 -j MASQUERADE']) }));
  assert.equal(m.nat, { kind: 'snat', ip: null });
});

test('a rule it cannot evaluate makes the hook unknown when it could have ended it otherwise', () => {
  const r = run({ FORWARD: builtin('ACCEPT', ['-m set --match-set bad src -j DROP']) });
  assert.is(r.outcome, 'unknown');
  assert.is(r.steps[0].certain, false);
  assert.is(r.steps[0].reason, '-m set --match-set bad src');
});

test('… and changes nothing when it would have ended it the same way', () => {
  assert.is(run({ FORWARD: builtin('DROP', ['-m set --match-set bad src -j DROP']) }).outcome, 'drop');
  assert.is(run({ FORWARD: builtin('DROP', ['-m set --match-set ok src -j ACCEPT', '-j ACCEPT']) }).outcome, 'accept');
});

test('a target it does not model is unknown, and so is a loop of jumps', () => {
  assert.is(run({ FORWARD: builtin('ACCEPT', ['-p tcp -j TPROXY --on-port 1']) }).outcome, 'unknown');
  assert.is(run({ FORWARD: builtin('ACCEPT', ['-j A', '-j DROP']), A: user(['-j A']) }).outcome, 'unknown', 'a loop is cut off');
});

test.run();
