// Finds files shipped with tnet (specs/, libexec/) from wherever the running code was built to.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/**
 * The folder holding tnet's package.json: the compiled modules (dist/src/…), the bundle (dist/bin/…) and
 * an installed package sit at different depths below it.
 */
export function packageFile(relative: string): string {
  if (!root) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return join(root, relative);
}
