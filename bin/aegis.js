#!/usr/bin/env node
// The `aegis` command. Sources are TypeScript, loaded through tsx's ESM hooks (no build step to go stale).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
