// xtables-monitor's output: a commit counts when it changed IPv4 rules, and names the process that made it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitReader } from '../../src/watch/ruleset-events.js';

// As xtables-monitor 1.8.9 --event --ipv4 printed it for: iptables -t nat -N FOO; ip6tables -N BAR;
// nft add table inet x; an iptables-restore adding a filter chain and rule.
const OUTPUT = `\
 EVENT: nft: NEW table: table nat ip flags 0 use 1 handle 1
 EVENT: -4 -t nat -N FOO
NEWGEN: GENID=2 PID=5153 NAME=iptables
NEWGEN: GENID=3 PID=5154 NAME=ip6tables
NEWGEN: GENID=4 PID=5155 NAME=nft
 EVENT: nft: NEW table: table filter ip flags 0 use 1 handle 2
 EVENT: -4 -t filter -N BAR
 EVENT: -4 -t filter -A BAR -j ACCEPT
NEWGEN: GENID=5 PID=4916 NAME=iptables-restor`;

test('IPv4 commits are reported with their pid; commits of other families are not', () => {
  const pids: number[] = [];
  const read = commitReader((pid) => pids.push(pid));
  for (const line of OUTPUT.split('\n')) read(line);
  assert.equal(pids, [5153, 4916]);
});

test('events are counted per commit: one without events after one with them is not reported', () => {
  const pids: number[] = [];
  const read = commitReader((pid) => pids.push(pid));
  [' EVENT: -4 -t nat -N FOO', 'NEWGEN: GENID=2 PID=10 NAME=iptables', 'NEWGEN: GENID=3 PID=11 NAME=ip6tables'].forEach(read);
  assert.equal(pids, [10]);
});

test.run();
