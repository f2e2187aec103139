// A fast first reading of YAML (js-yaml) that yields exactly the values the `yaml` library would, or nothing.

import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';

/*
 * The `yaml` library gives tnet positions for its errors, and costs ~0.1 ms per line (3 s for a spec of
 * 10,000 containers); js-yaml reads the same text seven times faster. Positions are only needed when
 * something is wrong, so a valid spec is read here and positions are made on demand by the library.
 * The schema is YAML 1.2's core schema with the `yaml` library's exact patterns: js-yaml's own also
 * takes 0b101 and 1_000, which would turn strings the library keeps into numbers.
 */
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new Type(tag, { kind: 'scalar', resolve: (s: string | null) => s !== null && test.test(s), construct });

const CORE = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: string | null) => s === null || /^(?:~|[Nn]ull|NULL)?$/.test(s),
      construct: () => null,
    }),
    scalar('tag:yaml.org,2002:bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('tag:yaml.org,2002:int', /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/, (s) =>
      s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10),
    ),
    scalar('tag:yaml.org,2002:float', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/, (s) =>
      /nan$/i.test(s) ? NaN : /inf$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : parseFloat(s),
    ),
  ],
});

/**
 * The document's value, or undefined when this reader declines: any error (the library then words it, with
 * its position), several documents, anchors or aliases (js-yaml shares an aliased value where the library
 * bounds how far aliases expand), and null keys.
 */
export function fastLoad(text: string): { value: unknown } | undefined {
  if (text.includes('&') || text.includes('*')) return undefined;
  let value: unknown;
  try {
    value = load(text, { schema: CORE }) ?? null;
  } catch {
    return undefined;
  }
  return hasKeyNull(value) ? undefined : { value };
}

/** A null key is "null" to js-yaml and "" to the library; a key "null" leaves it to the library. */
function hasKeyNull(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (hasKeyNull(x)) return true;
    return false;
  }
  if (Object.hasOwn(v, 'null')) return true;
  // A loop, not Object.values: no array per mapping of a spec read once per command.
  for (const k in v) if (Object.hasOwn(v, k) && hasKeyNull((v as Record<string, unknown>)[k])) return true;
  return false;
}
