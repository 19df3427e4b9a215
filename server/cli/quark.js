#!/usr/bin/env node
// The `quark` command in a checkout: registers tsx so the TypeScript sources
// run as they are, then runs server/cli/main.ts.
'use strict'
require('tsx/cjs')
const { main } = require('./main.ts')
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (e) => { console.error(e); process.exitCode = 1 },
)
