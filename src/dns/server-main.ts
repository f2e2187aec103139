// The DNS server's entry point, bundled as dist/bin/dns-server.cjs: main() with the command line, then exit.

import { main } from './server.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Forwarded queries still waiting on an upstream would otherwise hold the process for up to their timeout.
    process.exit();
  },
  (e: unknown) => {
    process.stderr.write(`${new Date().toISOString()} ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
