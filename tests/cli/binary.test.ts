// The same cases as checkout.test.ts against the single binary, copied alone into an empty folder
// with no node on PATH. Slow (builds the binary once): only with QUARK_BINARY_TEST=1;
// QUARK_BINARY=<file> tests an existing binary instead of building one.
import { before, after } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { binarySkip, buildBinary } from '../binary/helpers'
import { binaryTarget } from './helpers'
import { commandCases, backgroundCases } from './suite'

let binary = process.env.QUARK_BINARY ?? ''
let work = ''

before(() => {
  if (binarySkip || binary) return
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cli-binary-'))
  binary = path.join(work, 'quark')
  buildBinary(binary)
})

after(() => { if (work) fs.rmSync(work, { recursive: true, force: true }) })

const target = binaryTarget(() => binary)
commandCases(target, binarySkip)
backgroundCases(target, binarySkip)
