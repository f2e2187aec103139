// tnet's command line: parses arguments, runs one command, renders its result or errors, returns the exit code.

import { parseArgs, type Args } from './args.js';
import { EXIT } from './exit-codes.js';
import { applyCommand, destroyCommand, planCommand, validateCommand } from './commands.js';
import { statusCommand } from './status.js';
import { execCommand } from './exec.js';
import { watchCommand } from '../watch/command.js';

const USAGE = `tnet: declarative Docker-style container networking

Usage:
  tnet apply    -f FILE|DIR|- [--dry-run] [--deep] [--wait]   make the host match the spec
  tnet plan     -f FILE|DIR|- [--exit-code] [--deep]   show what apply would do (alias: diff)
  tnet destroy  -f FILE|DIR|- [--dry-run] [--wait]   remove everything tnet owns for the spec
  tnet watch    -f FILE|DIR [--resync 30s] [--debounce 200ms] [--log-level error|warn|info|debug]
                [--log-format text|json] [--wait]     keep the host converged: on edits, kernel events, resync
  tnet status   [-f FILE|DIR|-] [-o table|json|yaml]   what tnet owns, and whether it matches (alias: get)
  tnet validate -f FILE|DIR|-                 check the spec; needs no root
  tnet exec NAME [-f FILE] -- CMD...          run a command in a container's namespace

--deep enters every container namespace, also those whose host veth seal vouches for them: it finds edits made
by hand inside a namespace, which a plain apply trusts the seal for (watch mode's start and resync are deep).

Exit codes: 0 ok, 1 apply failed, 2 plan --exit-code found differences, 3 invalid spec or object in the way,
4 another tnet holds the lock (apply, destroy and watch take it; --wait waits for it), 64 usage error.`;

type Command = (args: Args) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  apply: applyCommand,
  plan: planCommand,
  diff: planCommand,
  destroy: destroyCommand,
  status: statusCommand,
  get: statusCommand,
  validate: validateCommand,
  exec: execCommand,
  watch: watchCommand,
};

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') return usage(args);
  if (!args.command || args.command === 'help' || args.flags.help || args.flags.h) {
    process.stdout.write(`${USAGE}\n`);
    return args.command || args.flags.help || args.flags.h ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS[args.command];
  if (!cmd) return usage(`unknown command '${args.command}'`);
  return cmd(args);
}

function usage(message: string): number {
  process.stderr.write(`tnet: ${message}\n\n${USAGE}\n`);
  return EXIT.usage;
}
