// Parses the command line into a command, flags and the words after `--`.

export interface Args {
  command: string;
  positional: string[];
  flags: Record<string, string | boolean>;
  rest: string[];
}

const WITH_VALUE = new Set(['f', 'file', 'o', 'output', 'name', 'log-level', 'log-format', 'resync', 'host', 'debounce', 'confirm', 'format', 'metrics']);
const ALIASES: Record<string, string> = { f: 'file', o: 'output' };

export function parseArgs(argv: string[]): Args | string {
  const out: Args = { command: '', positional: [], flags: {}, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const [rawKey, inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2);
      const key = ALIASES[rawKey] ?? rawKey;
      if (WITH_VALUE.has(rawKey)) {
        const value = inline ?? argv[++i];
        if (value === undefined) return `option ${a} needs a value`;
        out.flags[key] = value;
      } else out.flags[key] = true;
    } else if (!out.command) out.command = a;
    else out.positional.push(a);
  }
  return out;
}
