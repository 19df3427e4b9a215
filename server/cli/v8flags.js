'use strict'
/**
 * V8 settings of a Quark server process, applied before any framework code runs
 * (server/cli/quark.js in a checkout, build/sea-entry.ts in the binary).
 *
 * Allocation-site pretenuring off: V8 watches a few early scavenges (start-up, the first
 * concurrent requests), decides that the objects a model makes on every request (the db, auth,
 * their tables) live long, and from then on allocates them in the old generation, where only
 * full collections free them. Measured on /welcome/default/hello: about 3x the CPU per request
 * with it. A server's per-request objects die young; the flag keeps them there.
 */
require('node:v8').setFlagsFromString('--no-allocation-site-pretenuring')
