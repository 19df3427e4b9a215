#!/usr/bin/env node
// The `quark` command in a checkout: registers a .ts loader (ts-hook.js) so the TypeScript sources
// run as they are, then runs server/cli/main.ts.
'use strict'
// Before any framework code runs: V8's allocation-site pretenuring watches a few early scavenges
// (start-up, the first concurrent requests), decides that objects a model makes on every request
// (the db, auth, their tables) live long, and from then on allocates them in the old generation,
// where only full collections free them. Measured on /welcome/default/hello: about 3x the CPU per
// request with it. A server's per-request objects die young; the flag keeps them there.
require('node:v8').setFlagsFromString('--no-allocation-site-pretenuring')
require('./ts-hook.js')
const { main } = require('./main.ts')
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (e) => { console.error(e); process.exitCode = 1 },
)
