// A progress line on a terminal for long work: each phase of an apply or destroy as it starts, overwritten
// in place on stderr. Nothing at all when stderr is not a terminal: scripts and tests read the same output.

/** What a reconcile tells as each phase starts: its name and how many actions it carries out. */
export type PhaseListener = (phase: string, actions: number) => void;

/** The line shown: `tnet apply: inside namespaces (812 actions), 4.2 s`. */
export function progressText(verb: string, phase: string, actions: number, ms: number): string {
  const count = actions > 0 ? ` (${actions} action${actions === 1 ? '' : 's'})` : '';
  return `tnet ${verb}: ${phase}${count}, ${(ms / 1000).toFixed(1)} s`;
}

export interface Progress {
  phase: PhaseListener;
  /** Clears the line: the command's own output follows on a clean line. */
  end(): void;
}

/** What the line is written to: a stream that says whether it is a terminal. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A progress line on `stream` when it is a terminal (and not a dumb one), else null. The elapsed time is
 * redrawn every second, so a long phase still shows that tnet works.
 */
export function terminalProgress(stream: ProgressStream, verb: string, env: NodeJS.ProcessEnv = process.env): Progress | null {
  if (!stream.isTTY || env.TERM === 'dumb') return null;
  const start = performance.now();
  let current: { phase: string; actions: number } | null = null;
  // Carriage return and erase-line: the line is rewritten where it is, never scrolled.
  const draw = () => current && stream.write(`\r\x1b[2K${progressText(verb, current.phase, current.actions, performance.now() - start)}`);
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    phase: (phase, actions) => {
      current = { phase, actions };
      draw();
    },
    end: () => {
      clearInterval(timer);
      if (current) stream.write('\r\x1b[2K');
      current = null;
    },
  };
}
