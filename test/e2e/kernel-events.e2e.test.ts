// ip monitor under a burst, as root in a throwaway namespace: the kernel's dropped events are told, not lost unseen.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox } from '../helpers/sandbox.js';
import { watchKernel } from '../../src/watch/kernel-events.js';
import { until } from '../helpers/watch.js';

test('a burst past the monitor\'s buffer: `ip` goes on after the kernel dropped events, and the watcher is told', async () => {
  const box = await Sandbox.create();
  try {
    const pairs = Array.from({ length: 600 }, (_, i) => [`fa${i}`, `fb${i}`]);
    await box.must(`ip -batch - <<'EOF'\n${pairs.flatMap(([a, b]) => [`link add ${a} up type veth peer name ${b}`, `link set dev ${b} up`]).join('\n')}\nEOF`);
    let events = 0;
    let lost = 0;
    // The smallest buffer the kernel grants, in the sandbox's namespace: a burst of 1,200 overflows it.
    const monitor = `nsenter -t ${box.pid} -n ip -rcvbuf 2304 -o monitor link & cat >/dev/null; kill $! 2>/dev/null`;
    const w = watchKernel(() => events++, () => {}, () => lost++, monitor);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await box.must(`ip -batch - <<'EOF'\n${pairs.flatMap(([a, b]) => [`link set dev ${a} alias x${a}`, `link set dev ${b} alias x${b}`]).join('\n')}\nEOF`);
      await until(() => lost > 0, 3000, 'told of the dropped events');
      assert.ok(events < 1200, `${events} events of 1,200 arrived`);
    } finally {
      w.close();
    }
  } finally {
    await box.destroy();
  }
});

test.run();
