#!/usr/bin/env node
'use strict';
// The `tenant-isolation` command: the bundled CLI (build it with `npm run package:cli`).
try {
  require('../dist/cli/index.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/index.js')) {
    process.stderr.write(
      'error: dist/cli/index.js is missing.\nhint: run `npm run package:cli` first (or use `npx tsx src/cli/main.ts`).\n',
    );
    process.exit(1);
  }
  throw e;
}
