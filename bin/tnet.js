#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point: runs the bundled CLI (npm ci builds it through the prepare script).
import { createRequire } from 'node:module';

const { cli, cache } = createRequire(import.meta.url)('./cli-loader.cjs').loadCli();
if (process.env.TNET_TRACE) process.stderr.write(`tnet trace: code cache ${cache}\n`);
process.exitCode = await cli.main(process.argv.slice(2));
// The benchmark reads the peak resident set from here.
if (process.env.TNET_TRACE) process.stderr.write(`tnet trace: maxrss ${process.resourceUsage().maxRSS} KB\n`);
