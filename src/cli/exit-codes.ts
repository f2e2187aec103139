// The exit codes of every tnet command, documented in the README.

export const EXIT = {
  ok: 0,
  /** The kernel refused an action, or something else failed while applying. */
  failed: 1,
  /** `plan --exit-code`: the host differs from the spec. */
  differs: 2,
  /** The spec is invalid, or the host has an object in the way: nothing was changed. */
  invalid: 3,
  /** Another tnet holds the host's lock. */
  locked: 4,
  /** Wrong command-line usage. */
  usage: 64,
} as const;
