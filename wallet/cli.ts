#!/usr/bin/env node
/** The `gossip-wallet` binary: runs program.ts's `main` on this process's arguments and exits with its code. */
import { main } from './program.js';

const code = await main(process.argv, {
  stdout: (text) => console.log(text),
  stderr: (text) => console.error(text),
  stderrRaw: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
});
process.exit(code);
