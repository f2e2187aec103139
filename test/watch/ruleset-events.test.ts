// xtables-monitor's output: a commit counts when it changed IPv4 rules, and names the process that made it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitReader, eventFamily } from '../../src/watch/ruleset-events.js';

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

// As xtables-monitor 1.8.9 --event (every family) printed it for: iptables -t nat -N FOO; ip6tables -N BAR;
// ip6tables -A BAR -j ACCEPT; nft add table inet x; ebtables -N Z; iptables -A INPUT -j ACCEPT.
const ALL = `\
 EVENT: nft: NEW table: table nat ip flags 0 use 1 handle 1
 EVENT: -4 -t nat -N FOO
NEWGEN: GENID=2 PID=11089 NAME=iptables
 EVENT: nft: NEW table: table filter ip6 flags 0 use 1 handle 2
 EVENT: -6 -t filter -N BAR
NEWGEN: GENID=3 PID=11090 NAME=ip6tables
 EVENT: -6 -t filter -A BAR -j ACCEPT
NEWGEN: GENID=4 PID=11091 NAME=ip6tables
 EVENT: nft: NEW table: table x inet flags 0 use 0 handle 3
NEWGEN: GENID=5 PID=11092 NAME=nft
 EVENT: nft: NEW table: table filter bridge flags 0 use 1 handle 5
 EVENT: # nft: bridge filter Z use 1
 EVENT: 
NEWGEN: GENID=7 PID=11094 NAME=ebtables
 EVENT: # nft: ip filter INPUT use 1 type filter hook input prio 0 policy accept packets 0 bytes 0 flags 1
 EVENT: -4 -t filter -A INPUT -j ACCEPT
NEWGEN: GENID=10 PID=11165 NAME=iptables`;

test('every family monitored: IPv4 and IPv6 commits reported with their family, inet and bridge ones not', () => {
  const commits: [number, number[]][] = [];
  const read = commitReader((pid, families) => commits.push([pid, families]));
  for (const line of ALL.split('\n')) read(line);
  assert.equal(commits, [[11089, [4]], [11090, [6]], [11091, [6]], [11165, [4]]]);
});

test('the family of each event line', () => {
  assert.is(eventFamily(' EVENT: -6 -t nat -D TNET -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00::2]:80'), 6);
  assert.is(eventFamily(' EVENT: nft: DEL table: table t6 ip6 flags 0 use 0 handle 1'), 6);
  assert.is(eventFamily(' EVENT: # nft: ip6 filter FORWARD use 1 type filter hook forward prio 0'), 6);
  assert.is(eventFamily(' EVENT: -4 -t filter -F TNET-FORWARD'), 4);
  assert.is(eventFamily(' EVENT: # nft: inet i c use 0'), null);
  assert.is(eventFamily('NEWGEN: GENID=2 PID=1 NAME=nft'), null);
});

test.run();
