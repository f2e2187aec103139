// tnet's command line: parses arguments, runs one command, renders its result or errors, returns the exit code.

import { setFlagsFromString } from 'node:v8';
import { parseArgs, type Args } from './args.js';
import { EXIT, exitCodeOf, TnetFailure } from '../model/errors.js';
import { renderCrash, renderErrors } from '../render/errors.js';
import { DEBUG } from '../util/debug.js';

const USAGE = `tnet: declarative Docker-style container networking

Usage:
  tnet apply    -f FILE|DIR|- [--dry-run] [--deep] [--no-rollback] [--confirm 30s] [--wait]
                                              make the host match the spec
  tnet confirm                                keep what an apply --confirm changed
  tnet plan     -f FILE|DIR|- [--exit-code] [--deep]   show what apply would do (alias: diff)
  tnet destroy  -f FILE|DIR|- [--dry-run] [--no-rollback] [--wait]   remove everything tnet owns for the spec
  tnet watch    -f FILE|DIR [--resync 30s] [--debounce 50ms] [--log-level error|warn|info|debug]
                [--log-format text|json] [--wait] [--metrics 127.0.0.1:9365]
                                              keep the host converged: on edits, kernel events, resync
  tnet status   [-f FILE|DIR|-] [-o table|json|yaml]   what tnet owns, and whether it matches (alias: get)
  tnet inspect  [NAME...] [-f FILE|DIR|-] [-o table|json|yaml]
                                              containers, bridges, overlays: addresses, ports, veths, state
  tnet port     NAME [PRIVATE[/PROTO]] [-f FILE|DIR|-]   the host ports a container publishes
  tnet validate -f FILE|DIR|-                 check the spec; needs no root
  tnet graph    [-f FILE|DIR|-] [--format mermaid|dot]   draw the networks, from the spec or what tnet owns
  tnet exec NAME [-f FILE] -- CMD...          run a command in a container's namespace
  tnet why SRC DST[:PORT[/tcp|udp]] [-f FILE|DIR|-] [--probe] [-o text|json]
                                              why a packet gets through or not: its way hop by hop, the
                                              rules that decide and the spec fields behind them

--host NAME picks this host's part of a spec shared by several hosts (overlays, containers with host:); default:
the hostname. Every host applies the same spec.

--deep enters every container namespace, also those whose host veth seal vouches for them: it finds edits made
by hand inside a namespace, which a plain apply trusts the seal for (watch mode's start and resync are deep).

When applying fails, tnet undoes what it did and says whether the host is as it found it; --no-rollback keeps
what went through and lists it.

Exit codes: 0 ok, 1 apply failed, 2 plan --exit-code found differences, 3 invalid spec, object in the way
or kernel limit, 4 another tnet holds the lock (apply, destroy and watch take it; --wait waits for it),
64 usage error, 70 internal error (a bug in tnet: TNET_DEBUG=1 shows its stack trace). inspect and port exit 1
when a NAME (or PRIVATE port) is not there, after printing what is. tnet why: 0 allowed,
1 blocked, 2 cannot tell (or --probe found the kernel disagreeing); its errors exit as above.`;

type Command = (args: Args) => Promise<number>;

// Loaded on demand: a one-shot apply then never loads the watch's winston and chokidar (start-up is most of a
// small apply's time).
const COMMANDS: Record<string, () => Promise<Command>> = {
  apply: async () => (await import('./commands.js')).applyCommand,
  plan: async () => (await import('./commands.js')).planCommand,
  diff: async () => (await import('./commands.js')).planCommand,
  destroy: async () => (await import('./commands.js')).destroyCommand,
  validate: async () => (await import('./commands.js')).validateCommand,
  status: async () => (await import('./status.js')).statusCommand,
  get: async () => (await import('./status.js')).statusCommand,
  inspect: async () => (await import('./inspect.js')).inspectCommand,
  port: async () => (await import('./inspect.js')).portCommand,
  exec: async () => (await import('./exec.js')).execCommand,
  why: async () => (await import('./why.js')).whyCommand,
  confirm: async () => (await import('./confirm.js')).confirmCommand,
  watch: async () => (await import('./watch.js')).watchCommand,
  graph: async () => (await import('./graph.js')).graphCommand,
};

/** The one place anything thrown ends: as the errors it carries, or as a bug to report, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (e) {
    return e instanceof TnetFailure ? reported(e) : crashed(e, argv);
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') return usage(args);
  if (!args.command || args.command === 'help' || args.flags.help || args.flags.h) {
    process.stdout.write(`${USAGE}\n`);
    return args.command || args.flags.help || args.flags.h ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[args.command];
  if (!load) return usage(`unknown command '${args.command}'`);
  if (args.command !== 'watch') oneShot();
  return (await load())(args);
}

/**
 * A command that runs once calls each of its functions a few thousand times at most, over a second or two:
 * V8's optimizing compiler then costs more than it saves. At 3,000 containers a no-op re-apply spent ~0.5 s
 * of CPU compiling on a second thread, the core the host's reads (ip, iptables-save) run on. `tnet watch`
 * runs for days and keeps it; an apply turns it back on once it starts changing the host (commands.ts).
 */
function oneShot(): void {
  setFlagsFromString('--no-opt');
}

function usage(message: string): number {
  process.stderr.write(`tnet: ${message}\n\n${USAGE}\n`);
  return EXIT.usage;
}

function reported(failure: TnetFailure): number {
  process.stderr.write(`${renderErrors(failure.errors)}\n`);
  return exitCodeOf(failure.errors);
}

function crashed(thrown: unknown, argv: string[]): number {
  process.stderr.write(`${renderCrash(thrown, ['tnet', ...argv].join(' '), DEBUG)}\n`);
  return EXIT.internal;
}
