// Structural check of a parsed spec against specs/tnet.schema.json: unknown fields, wrong types, version.

import { readFileSync } from 'node:fs';
import { recordPatchOf } from '../util/patch.js';
import { packageFile } from '../util/package-files.js';
import { tnetError, type TnetError } from '../model/errors.js';
import { joinPath, lookupPos, type PathSeg, type PosMap } from './yaml.js';

// What a spec file holds once this check passes: every field optional, names as keys.
export interface RawHost {
  ipForward?: boolean;
  iptables?: boolean;
  ip6tables?: boolean;
  ipMasq?: boolean;
  icc?: boolean;
}

export interface RawBridge {
  subnet?: string;
  gateway?: string;
  mtu?: number;
  ipRange?: string;
  subnet6?: string;
  gateway6?: string;
  ipRange6?: string;
  icc?: boolean;
  internal?: boolean;
  external?: boolean;
  uplink?: string;
}

export interface RawEndpoint {
  ip?: string;
  ip6?: string;
  mac?: string;
  aliases?: string[];
}

export interface RawOverlayHost {
  underlay: string;
  ipRange: string;
  ipRange6?: string;
}

export interface RawOverlay {
  vni: number;
  subnet: string;
  subnet6?: string;
  mtu?: number;
  icc?: boolean;
  internal?: boolean;
  hosts: Record<string, RawOverlayHost>;
}

export interface RawContainer {
  network?: string;
  bridge?: string;
  networks?: Record<string, RawEndpoint | null>;
  gateway?: string;
  host?: string;
  ip?: string;
  ip6?: string;
  mac?: string;
  mtu?: number;
  hostname?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  extraHosts?: string[];
  links?: string[];
  expose?: (string | number)[];
  ports?: (string | number)[];
  publishAll?: boolean;
  netns?: string;
}

export interface RawSpec {
  version?: number;
  name?: string;
  host?: RawHost | null;
  bridges?: Record<string, RawBridge | null> | null;
  overlays?: Record<string, RawOverlay> | null;
  containers?: Record<string, RawContainer | null> | null;
}

/** The part of JSON Schema this checker understands; the test refuses a schema file using more. */
export interface SchemaNode {
  type?: string | string[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  required?: string[];
  items?: SchemaNode;
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
}

export const SUPPORTED_KEYWORDS = [
  '$schema', '$defs', '$ref', 'title', 'description', 'default',
  'type', 'const', 'properties', 'additionalProperties', 'required', 'items',
] as const;

/** specs/tnet.schema.json, read once as the module loads: the one field table both editors and tnet use. */
const SCHEMA: SchemaNode | TnetError = readSchema();

function readSchema(): SchemaNode | TnetError {
  try {
    return JSON.parse(readFileSync(packageFile('specs/tnet.schema.json'), 'utf8')) as SchemaNode;
  } catch {
    return tnetError('install', 'specs/tnet.schema.json not found next to tnet: the installation is incomplete');
  }
}

export function specSchema(): SchemaNode | TnetError {
  return SCHEMA;
}

interface Ctx {
  root: SchemaNode;
  pos: PosMap;
  /** One file of a directory: fields required of the whole spec may live in another file. */
  fragment: boolean;
  clean: CleanValues | null;
  errors: TnetError[];
}

/** Every structural error of one parsed file, each with its field path and position. */
/**
 * Frozen mappings found clean against a schema node, below the root: watch mode's parses share every unchanged
 * entry's frozen value (parse-cache.ts), and neither a frozen value nor the schema ever changes, so ten
 * thousand containers are checked once, not on every edit. Held by whoever re-reads (LoadCache).
 */
export type CleanValues = WeakMap<SchemaNode, WeakSet<object>>;

export function checkSchema(value: unknown, pos: PosMap, opts: { fragment?: boolean; clean?: CleanValues } = {}): TnetError[] {
  const root = specSchema();
  if ('code' in root) return [root as TnetError];
  if (value === null || value === undefined) {
    if (opts.fragment) return [];
    return [err(pos, [], 'the spec is empty', { hint: 'start it with "version: 1"' })];
  }
  const ctx: Ctx = { root, pos, fragment: opts.fragment ?? false, clean: opts.clean ?? null, errors: [] };
  check(value, root, [], ctx);
  return ctx.errors;
}

/**
 * `segs` is the path of `value`, one array pushed and popped along the walk: a copy is made only for an error
 * (copying it for every value of ten thousand containers was a third of this check).
 */
function check(value: unknown, node: SchemaNode, segs: PathSeg[], ctx: Ctx): void {
  const s = node.$ref ? resolve(node, ctx.root) : node;
  if (s.const !== undefined && value !== s.const) {
    ctx.errors.push(err(ctx.pos, [...segs], `${label(segs)} must be ${JSON.stringify(s.const)}, not ${show(value)}`));
    return;
  }
  if (s.type !== undefined && !typeMatches(value, s.type)) {
    ctx.errors.push(typeError(value, s.type, [...segs], ctx.pos));
    return;
  }
  if (isObject(value)) checkCleanOnce(value, s, segs, ctx);
  else if (Array.isArray(value) && s.items) {
    for (let i = 0; i < value.length; i++) {
      segs.push(i);
      check(value[i], s.items, segs, ctx);
      segs.pop();
    }
  }
}

/** checkObject, skipped for a value in ctx.clean (CleanValues); only the root depends on the context (fragment). */
function checkCleanOnce(value: Record<string, unknown>, s: SchemaNode, segs: PathSeg[], ctx: Ctx): void {
  const clean = ctx.clean;
  if (!clean || segs.length === 0 || !Object.isFrozen(value)) return checkObject(value, s, segs, ctx);
  let seen = clean.get(s);
  if (seen?.has(value)) return;
  const errors = ctx.errors.length;
  // A record patched from one found clean (an edit of a few of ten thousand entries): the same keys, so
  // only the values replaced need a look.
  const patch = recordPatchOf(value);
  if (patch && seen?.has(patch.from)) checkObject(value, s, segs, ctx, patch.keys);
  else checkObject(value, s, segs, ctx);
  if (ctx.errors.length > errors) return;
  if (!seen) clean.set(s, (seen = new WeakSet()));
  seen.add(value);
}

/** `only`: the keys to look at, the others known clean (their required fields too). */
function checkObject(value: Record<string, unknown>, s: SchemaNode, segs: PathSeg[], ctx: Ctx, only?: readonly string[]): void {
  const known = s.properties ?? {};
  // The entries of a name-keyed mapping (10,000 containers) found clean before, skipped before any other step.
  const rest = typeof s.additionalProperties === 'object' ? s.additionalProperties : null;
  const cleanRest = rest && ctx.clean ? ctx.clean.get(resolve(rest, ctx.root)) : undefined;
  const field = (key: string) => {
    const sub = Object.hasOwn(known, key) ? known[key] : rest;
    if (sub === rest && cleanRest?.has(value[key] as object)) return;
    if (sub) {
      segs.push(key);
      check(value[key], sub, segs, ctx);
      segs.pop();
    } else if (s.additionalProperties === false) ctx.errors.push(unknownField(key, Object.keys(known), [...segs], ctx.pos));
  };
  if (only) {
    for (const key of only) field(key);
    return;
  }
  for (const key in value) if (Object.hasOwn(value, key)) field(key);
  if (ctx.fragment && segs.length === 0) return;
  for (const req of s.required ?? []) {
    if (!(req in value)) ctx.errors.push(missing(req, known[req], [...segs], ctx));
  }
}

function resolve(node: SchemaNode, root: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.startsWith('#/$defs/') ? node.$ref.slice('#/$defs/'.length) : node.$ref;
  return root.$defs?.[name] ?? {};
}

function typeMatches(value: unknown, type: string | string[]): boolean {
  if (typeof type === 'string') return typeIs(value, type);
  for (const t of type) if (typeIs(value, t)) return true;
  return false;
}

function typeIs(value: unknown, t: string): boolean {
  return jsonType(value) === t || (t === 'number' && typeof value === 'number');
}

function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value; // string, boolean, object
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'nothing',
};

function typeError(value: unknown, type: string | string[], segs: PathSeg[], pos: PosMap): TnetError {
  const want = (Array.isArray(type) ? type : [type]).filter((t) => t !== 'null');
  const got = jsonType(value);
  const message = `${label(segs)} must be ${want.map((t) => TYPE_WORDS[t]).join(' or ')}, not ${TYPE_WORDS[got]}`;
  return err(pos, segs, message, { hint: typeHint(value, want) });
}

function typeHint(value: unknown, want: string[]): string | undefined {
  if (want.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `quote it to make it a string: "${String(value)}"`;
  }
  if (want.includes('array') && value !== null && typeof value !== 'object') return `write a list: [${JSON.stringify(value)}]`;
  if (want.includes('array') && value === null) return 'give a list, or remove the field';
  return undefined;
}

function unknownField(key: string, known: string[], segs: PathSeg[], pos: PosMap): TnetError {
  const where = segs.length === 0 ? 'at the top level' : `in ${joinPath(segs)}`;
  const close = didYouMean(key, known);
  const hint = close ? `did you mean "${close}"?` : `known fields: ${known.join(', ')}`;
  const path = joinPath([...segs, key]);
  return tnetError('schema', `unknown field "${key}" ${where}`, { path, pos: lookupPos(pos, path, 'key'), hint });
}

function missing(req: string, node: SchemaNode | undefined, segs: PathSeg[], ctx: Ctx): TnetError {
  const example = node?.const !== undefined ? `"${req}: ${JSON.stringify(node.const)}"` : `"${req}"`;
  return err(ctx.pos, segs, `missing required field ${example}${segs.length ? ` in ${joinPath(segs)}` : ''}`, {
    path: joinPath([...segs, req]),
    hint: `add ${example}`,
  });
}

function err(pos: PosMap, segs: PathSeg[], message: string, extra: { hint?: string; path?: string } = {}): TnetError {
  const path = extra.path ?? joinPath(segs);
  // A missing field has no node of its own: point at its parent.
  return tnetError('schema', message, { path, pos: lookupPos(pos, joinPath(segs)), ...(extra.hint ? { hint: extra.hint } : {}) });
}

function label(segs: PathSeg[]): string {
  return segs.length === 0 ? 'the spec' : joinPath(segs);
}

function show(v: unknown): string {
  return v === null || v === undefined ? 'nothing' : JSON.stringify(v);
}

/** A known field the user probably meant: same letters ignoring case and -_, or a small typo away. */
export function didYouMean(word: string, known: string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_ ]/g, '');
  const exact = known.find((k) => squash(k) === squash(word));
  if (exact) return exact;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDist = limit + 1;
  for (const k of known) {
    const d = editDistance(squash(word), squash(k));
    if (d < bestDist) [best, bestDist] = [k, d];
  }
  return best;
}

/** Optimal string alignment distance: a swapped pair of letters ("prots") counts as one typo. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
