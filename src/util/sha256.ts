// SHA-256 of a string as hex: the one-shot crypto.hash where Node has it (20.12 and later), createHash before.

import * as crypto from 'node:crypto';

/**
 * Veth names and seals hash a short string per container, ten thousand of them on an apply: the one-shot
 * call takes half the time of a Hash object made, fed and digested for each. Same digest either way.
 */
export const sha256Hex: (s: string) => string =
  typeof crypto.hash === 'function' ? (s) => crypto.hash('sha256', s, 'hex') : (s) => crypto.createHash('sha256').update(s).digest('hex');
