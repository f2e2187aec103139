// The DNS server's entry point, bundled as dist/bin/dns-server.js: main() with the command line, then exit.

import { main } from './server.js';

process.exitCode = await main(process.argv.slice(2));
// Forwarded queries still waiting on an upstream would otherwise hold the process for up to their timeout.
process.exit();
