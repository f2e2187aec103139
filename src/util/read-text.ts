// A file's text, or a fallback when it cannot be read (missing, gone meanwhile, a folder).

import { readFileSync } from 'node:fs';

export function readTextOr<T>(path: string, fallback: T): string | T {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
