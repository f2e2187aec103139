#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm ci builds it through the prepare script).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
