/**
 * `npm run build`: dist/quark, the single binary (and dist/quark.sha256).
 *
 *   npm run build                      the real binary from server/cli/main.ts
 *   npm run build -- --out <file>      somewhere else
 *   npm run build -- --probe           the pipeline probe (build/probe-main.ts), no Monaco
 *   npm run build -- --no-monaco       skip Monaco (faster; the IDE editor will not load)
 *   npm run build -- --no-minify       readable bundle (for --cpu-prof of the binary: NODE_OPTIONS=--cpu-prof dist/quark)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { bundle } from './bundle'
import { collectAssets } from './assets'
import { makeSea } from './sea'

export interface BuildOptions {
  root: string
  out: string
  main: string
  monaco: boolean
  minify?: boolean
  log: (msg: string) => void
}

export async function build(opts: BuildOptions): Promise<{ out: string; size: number; sha256: string }> {
  const { root, log } = opts
  if (!fs.existsSync(opts.main)) throw new Error(`build: the main module ${path.relative(root, opts.main)} does not exist`)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-build-'))
  try {
    const t0 = Date.now()
    const mainJs = path.join(work, 'quark.js')
    await bundle({ root, main: opts.main, outfile: mainJs, minify: opts.minify ?? true })
    log(`bundle: ${(fs.statSync(mainJs).size / 1e6).toFixed(2)} MB in ${Date.now() - t0} ms`)
    const assets = await collectAssets({ root, monaco: opts.monaco, log })
    let total = 0
    for (const b of assets.values()) total += b.length
    log(`assets: ${assets.size}, ${(total / 1e6).toFixed(1)} MB`)
    await makeSea({ mainJs, assets, out: opts.out, workDir: work, log })
    const data = fs.readFileSync(opts.out)
    const sha256 = crypto.createHash('sha256').update(data).digest('hex')
    fs.writeFileSync(`${opts.out}.sha256`, `${sha256}  ${path.basename(opts.out)}\n`)
    log(`${path.relative(process.cwd(), opts.out) || opts.out}: ${(data.length / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    return { out: opts.out, size: data.length, sha256 }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

function parseArgs(argv: string[], root: string): BuildOptions {
  let out = path.join(root, 'dist', process.platform === 'win32' ? 'quark.exe' : 'quark')
  let main = path.join(root, 'server', 'cli', 'main.ts')
  let monaco = true
  let minify = true
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--out' && argv[i + 1]) out = path.resolve(argv[++i]!)
    else if (a === '--probe') { main = path.join(root, 'build', 'probe-main.ts'); monaco = false }
    else if (a === '--no-monaco') monaco = false
    else if (a === '--monaco') monaco = true
    else if (a === '--no-minify') minify = false
    else throw new Error(`build: unknown argument ${a} (see build/build.ts)`)
  }
  return { root, out, main, monaco, minify, log: (m) => console.log(`# ${m}`) }
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..')
  build(parseArgs(process.argv.slice(2), root)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  })
}
