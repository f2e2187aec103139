// Reads one rule as iptables-save prints it into its matches and its target, keeping what it cannot read.

/** The match forms `why` evaluates; `unknown` keeps the text of any other. */
export type MatchKind = 'src' | 'dst' | 'in' | 'out' | 'proto' | 'dport' | 'sport' | 'ctstate' | 'dsttype' | 'srctype' | 'icmp' | 'syn' | 'unknown';

export interface Match {
  kind: MatchKind;
  neg: boolean;
  value: string;
  /** The module it came with (`tcp`, `multiport`, `conntrack` …), '' for the base options. */
  module: string;
}

export interface ParsedRule {
  matches: Match[];
  /** `-j` or `-g`'s target; null for a rule without one (it only counts). */
  target: string | null;
  /** `-g`: go to the chain, and return from it to the caller of this chain. */
  goto: boolean;
  /** The target's options: `--to-destination` → `172.17.0.2:80`. */
  options: Record<string, string>;
  /** `-m comment --comment`'s text, unescaped. */
  comment: string | null;
}

/** Splits on spaces, keeping double-quoted strings (with backslash escapes) whole and unquoted. */
export function tokens(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

const BASE: Record<string, MatchKind> = { '-s': 'src', '-d': 'dst', '-i': 'in', '-o': 'out', '-p': 'proto' };

/** Module options read, by module; any other option makes an `unknown` match. */
const KNOWN: Record<string, Record<string, MatchKind>> = {
  tcp: { '--dport': 'dport', '--sport': 'sport', '--syn': 'syn' },
  udp: { '--dport': 'dport', '--sport': 'sport' },
  sctp: { '--dport': 'dport', '--sport': 'sport' },
  multiport: { '--dports': 'dport', '--sports': 'sport', '--destination-ports': 'dport', '--source-ports': 'sport' },
  conntrack: { '--ctstate': 'ctstate' },
  state: { '--state': 'ctstate' },
  addrtype: { '--dst-type': 'dsttype', '--src-type': 'srctype' },
  icmp: { '--icmp-type': 'icmp' },
};

/** Options that take no value. */
const FLAGS = new Set(['--syn', '--random', '--random-fully', '--persistent', '--log-uid', '--log-tcp-sequence', '--log-tcp-options', '--log-ip-options']);

export function parseRule(rule: string): ParsedRule {
  const t = tokens(rule);
  const out: ParsedRule = { matches: [], target: null, goto: false, options: {}, comment: null };
  let module = '';
  let neg = false;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    if (tok === '!') {
      neg = true;
      continue;
    }
    if (tok === '-m') module = t[++i] ?? '';
    else if (tok === '-j' || tok === '-g') {
      out.target = t[++i] ?? null;
      out.goto = tok === '-g';
      i = targetOptions(t, i + 1, out.options) - 1;
    } else if (BASE[tok]) out.matches.push({ kind: BASE[tok], neg, value: t[++i] ?? '', module: '' });
    else if (module === 'comment' && tok === '--comment') out.comment = t[++i] ?? '';
    else i = moduleOption(t, i, module, neg, out.matches);
    neg = false;
  }
  return out;
}

/** One module option at `i`; returns the index of its last token. */
function moduleOption(t: string[], i: number, module: string, neg: boolean, matches: Match[]): number {
  const tok = t[i];
  const kind = KNOWN[module]?.[tok];
  const values = FLAGS.has(tok) ? [] : valuesFrom(t, i + 1);
  if (kind) matches.push({ kind, neg, value: values.join(' '), module });
  else matches.push({ kind: 'unknown', neg, value: [neg ? '!' : '', module ? `-m ${module}` : '', tok, ...values].filter(Boolean).join(' '), module });
  return i + values.length;
}

/** The values after an option: the tokens up to the next option (`--tcp-flags SYN,ACK SYN` has two). */
function valuesFrom(t: string[], from: number): string[] {
  const out: string[] = [];
  for (let j = from; j < t.length && !t[j].startsWith('-') && t[j] !== '!'; j++) out.push(t[j]);
  return out;
}

function targetOptions(t: string[], from: number, options: Record<string, string>): number {
  let i = from;
  while (i < t.length && t[i].startsWith('--')) {
    const values = FLAGS.has(t[i]) ? [] : valuesFrom(t, i + 1);
    options[t[i].slice(2)] = values.join(' ');
    i += 1 + values.length;
  }
  return i;
}
