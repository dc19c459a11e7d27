#!/usr/bin/env node
'use strict';
// The `tenant-isolation` command. Runs the bundled CLI (`npm run package:cli` builds
// dist/cli/index.js); in a checkout without the bundle it runs the TypeScript source through tsx
// (a devDependency), so `npx tenant-isolation` works right after `npm ci`.
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
if (fs.existsSync(bundle)) {
  require(bundle);
} else {
  let register;
  try {
    register = require('tsx/cjs/api').register;
  } catch {
    process.stderr.write(
      'error: dist/cli/index.js is missing and tsx is not installed.\nhint: run `npm ci && npm run package:cli`.\n',
    );
    process.exit(1);
  }
  register();
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
