// Errors as values: a closed set of codes, each with its stage and exit code; where, what, and a hint.

import type { NamedProcess } from './observed.js';

/** The exit codes of every tnet command, documented in the README and `tnet help`. */
export const EXIT = {
  ok: 0,
  /** The kernel refused an action, or something else failed while reading or changing the host. */
  failed: 1,
  /** `plan --exit-code`: the host differs from the spec. */
  differs: 2,
  /** `why`: the packet is blocked (as grep's 1: no match). */
  blocked: 1,
  /** `why`: cannot tell (a rule it cannot evaluate), or `--probe` found the kernel disagreeing. */
  undecided: 2,
  /** The spec is invalid, or the host has an object in the way: nothing was changed. */
  invalid: 3,
  /** Another tnet holds the host's lock. */
  locked: 4,
  /** Wrong command-line usage. */
  usage: 64,
  /** A bug in tnet (EX_SOFTWARE): an exception nothing expected. */
  internal: 70,
} as const;

/**
 * The exits an error can lead to, strongest first: when several errors are reported together the first
 * of these any of them has wins (a bug over a held lock, a failure on the host over an invalid spec).
 */
const FAILURE_EXITS = [EXIT.internal, EXIT.locked, EXIT.failed, EXIT.invalid] as const;

/** Where in a run an error arises. */
export type Stage = 'spec' | 'observe' | 'desire' | 'host-check' | 'actuate' | 'lock' | 'query' | 'internal';

export interface ErrorKind {
  stage: Stage;
  exit: (typeof FAILURE_EXITS)[number];
}

export const ERRORS = {
  yaml: { stage: 'spec', exit: EXIT.invalid },
  schema: { stage: 'spec', exit: EXIT.invalid },
  duplicate: { stage: 'spec', exit: EXIT.invalid },
  name: { stage: 'spec', exit: EXIT.invalid },
  invalid: { stage: 'spec', exit: EXIT.invalid },
  port: { stage: 'spec', exit: EXIT.invalid },
  // A spec that cannot be read is not an invalid one: like any other failed read, exit 1.
  'spec-io': { stage: 'spec', exit: EXIT.failed },
  // The schema file missing next to tnet: reported with the spec's errors, as it always was.
  install: { stage: 'spec', exit: EXIT.invalid },
  observe: { stage: 'observe', exit: EXIT.failed },
  'pool-exhausted': { stage: 'desire', exit: EXIT.invalid },
  'port-exhausted': { stage: 'desire', exit: EXIT.invalid },
  conflict: { stage: 'host-check', exit: EXIT.invalid },
  'external-missing': { stage: 'host-check', exit: EXIT.invalid },
  'subnet-overlap': { stage: 'host-check', exit: EXIT.invalid },
  'netns-path': { stage: 'host-check', exit: EXIT.invalid },
  'uplink-missing': { stage: 'host-check', exit: EXIT.invalid },
  // A limit of the kernel the plan would pass (neighbour table, namespaces, mounts, open files, inotify): refused before acting.
  'host-limit': { stage: 'host-check', exit: EXIT.invalid },
  kernel: { stage: 'actuate', exit: EXIT.failed },
  io: { stage: 'actuate', exit: EXIT.failed },
  firewall: { stage: 'actuate', exit: EXIT.failed },
  /** tnet's DNS server could not be started, or refused its records (an address it cannot bind). */
  dns: { stage: 'actuate', exit: EXIT.failed },
  // The kernel accepted an apply but does not hold what it asked: rolled back.
  unverified: { stage: 'actuate', exit: EXIT.failed },
  // An apply with --confirm that nobody confirmed in time: rolled back.
  unconfirmed: { stage: 'actuate', exit: EXIT.failed },
  locked: { stage: 'lock', exit: EXIT.locked },
  // An earlier apply awaits `tnet confirm`: nothing else may change the host until it is confirmed or rolled back.
  pending: { stage: 'lock', exit: EXIT.locked },
  'lock-io': { stage: 'lock', exit: EXIT.failed },
  // `tnet inspect NAME` or `tnet port NAME` of a name nothing on the host (or in the spec) answers to: exit 1, as Docker's.
  'no-such-object': { stage: 'query', exit: EXIT.failed },
  // `tnet port NAME PRIVATE` of a port the container does not publish (Docker: "No public port '81/tcp' published").
  'no-public-port': { stage: 'query', exit: EXIT.failed },
  internal: { stage: 'internal', exit: EXIT.internal },
} as const satisfies Record<string, ErrorKind>;

/** Every error tnet reports has one of these codes: the table above is the whole set. */
export type ErrorCode = keyof typeof ERRORS;

/** What a failed apply left: it travels with the errors, and is said after them. */
export interface UndoReport {
  /** Actions of the undo carried out; null when what went through was kept (--no-rollback). */
  rolledBack: number | null;
  /** What differs from before the apply: after a rollback, what could not be set back; else what it changed. */
  left: string[];
  /** How many of the plan's actions were attempted before the failure: 0 means nothing was touched. */
  attempted: number;
}

/**
 * What went through but deserves a word: said after the outcome, never changing the exit code. `netns-held`:
 * a namespace tnet deleted that processes are still inside; they keep it, and run on without a network.
 */
export type TnetWarning = { code: 'netns-held'; netns: string; holders: NamedProcess[] };

export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  lineText?: string;
}

export interface TnetError {
  code: ErrorCode;
  message: string;
  path?: string; // field path in the spec, e.g. containers.nginx-2.ip
  pos?: SourcePos;
  hint?: string;
  /** An internal error's stack trace, kept only when asked for (TNET_DEBUG=1). */
  trace?: string;
}

export function tnetError(code: ErrorCode, message: string, extra: Partial<Omit<TnetError, 'code' | 'message'>> = {}): TnetError {
  return { code, message, ...extra };
}

export const stageOf = (e: TnetError): Stage => ERRORS[e.code].stage;

/** The exit code for errors reported together; a failure that names no error is itself a bug. */
export function exitCodeOf(errors: readonly TnetError[]): number {
  const exits = new Set<number>(errors.map((e) => ERRORS[e.code].exit));
  return FAILURE_EXITS.find((x) => exits.has(x)) ?? EXIT.internal;
}

/** An exception nothing expected, as one line; its stack only when `trace` is asked for. */
export function internalError(thrown: unknown, trace = false): TnetError {
  const stack = trace && thrown instanceof Error ? thrown.stack : undefined;
  return tnetError('internal', oneLine(thrown), {
    hint: 'this is a bug in tnet: please report it',
    ...(stack ? { trace: stack } : {}),
  });
}

/** An exception's message on one line: a log line or a terminal line per error, never a stack. */
export function oneLine(thrown: unknown): string {
  const text = thrown instanceof Error ? thrown.message || thrown.name : String(thrown);
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: TnetError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...errors: TnetError[]): Result<T> => ({ ok: false, errors });

/** Thrown only to carry error values up to the CLI edge through async code. */
export class TnetFailure extends Error {
  constructor(readonly errors: TnetError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** A TnetFailure thrown on the way becomes the failed Result it carries; anything else is still thrown. */
export async function caught<T>(work: Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof TnetFailure) return fail(...e.errors);
    throw e;
  }
}
