// Finds files shipped with tnet (specs/, libexec/) from wherever the running code was built to.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding tnet's package.json: the compiled modules (dist/src/…), the bundle (dist/bin/…) and
 * an installed package sit at different depths below it.
 */
const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export function packageFile(relative: string): string {
  return join(ROOT, relative);
}
