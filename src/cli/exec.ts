// `tnet exec NAME -- CMD…`: runs a command in a container's namespace, with its hosts and resolv.conf.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Args } from './args.js';
import { EXIT } from '../model/errors.js';
import { loadFromArgs } from './commands.js';
import { netnsPath } from '../ownership/paths.js';

export async function execCommand(args: Args): Promise<number> {
  const [name, ...inline] = args.positional;
  const cmd = args.rest.length ? args.rest : inline;
  if (!name || cmd.length === 0) {
    process.stderr.write('tnet exec: usage: tnet exec NAME [-f FILE] -- CMD...\n');
    return EXIT.usage;
  }
  if (await isHostMode(args, name)) return spawnInherit(cmd[0], cmd.slice(1));
  if (!existsSync(netnsPath(name))) {
    process.stderr.write(`tnet exec: no namespace named ${name} on this host (apply the spec first; host-mode containers need -f)\n`);
    return EXIT.failed;
  }
  // `ip netns exec` bind-mounts /etc/netns/NAME/{hosts,resolv.conf} over /etc for the command, as Docker's files.
  return spawnInherit('ip', ['netns', 'exec', name, ...cmd]);
}

async function isHostMode(args: Args, name: string): Promise<boolean> {
  if (typeof args.flags.file !== 'string') return false;
  const spec = await loadFromArgs(args);
  return typeof spec !== 'number' && spec.containers[name]?.network.kind === 'host';
}

function spawnInherit(cmd: string, argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: 'inherit' });
    child.on('error', (e) => {
      process.stderr.write(`tnet exec: ${e.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
