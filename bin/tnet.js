#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point: runs the bundled CLI (npm ci builds it through the prepare script). CommonJS (bin/package.json
// says so): an ES module entry makes Node start its ES module loader first, 10-25 ms of every command.
'use strict';

const { cli, cache } = require('./cli-loader.cjs').loadCli();
if (process.env.TNET_TRACE) process.stderr.write(`tnet trace: code cache ${cache}\n`);
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // The benchmark reads the peak resident set from here.
  if (process.env.TNET_TRACE) process.stderr.write(`tnet trace: maxrss ${process.resourceUsage().maxRSS} KB\n`);
});
