/**
 * `npm run build`: one single binary per target, from pinned packages (build/targets.ts).
 *
 *   npm run build                          dist/quark-linux-x64, dist/quark-linux-arm64, dist/quark-win-x64.exe,
 *                                          dist/quark-darwin-x64, dist/quark (this machine's, a copy) and dist/SHA256SUMS
 *   npm run build -- --target <list>       some of them (comma-separated; `host` is this machine's)
 *   npm run build -- --out <file>          this machine's binary only, written there (and <file>.sha256)
 *   npm run build -- --dist <dir>          the binaries and SHA256SUMS in <dir> instead of dist/
 *   npm run build -- --probe               the pipeline probe (build/probe-main.ts), no Monaco, this machine's
 *   npm run build -- --no-monaco           skip Monaco (faster; the IDE editor will not load)
 *   npm run build -- --no-minify           readable bundle (for --cpu-prof of the binary: NODE_OPTIONS=--cpu-prof dist/quark)
 *
 * Targets are built one after the other (each is CPU-heavy); the bundle and
 * the common assets are made once.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { bundle } from './bundle'
import { collectCommonAssets, targetAssets } from './assets'
import { makeSea } from './sea'
import { hostTarget, nodeExecutable, parseTargets, TARGET_NAMES, NODE_VERSION, type Target } from './targets'

export interface BuildOptions {
  root: string
  targets: Target[]
  /** where each target's binary goes */
  outFor: (t: Target) => string
  /** the folder to copy this machine's binary to (quark / quark.exe) and write SHA256SUMS in; none with --out */
  dist?: string
  main: string
  monaco: boolean
  minify?: boolean
  log: (msg: string) => void
}

export interface Built { target: string; out: string; size: number; sha256: string }

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`

export async function build(opts: BuildOptions): Promise<Built[]> {
  const { root, log } = opts
  if (!fs.existsSync(opts.main)) throw new Error(`build: the main module ${path.relative(root, opts.main)} does not exist`)
  const host = hostTarget()
  if (!host) throw new Error(`build: this machine (${process.platform}-${process.arch}) is not one of the targets (${TARGET_NAMES.join(', ')}): its pinned Node writes the SEA blobs`)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-build-'))
  try {
    const t0 = Date.now()
    const builder = nodeExecutable(host, log)
    const mainJs = path.join(work, 'quark.js')
    await bundle({ root, main: opts.main, outfile: mainJs, minify: opts.minify ?? true })
    log(`bundle: ${mb(fs.statSync(mainJs).size)} in ${Date.now() - t0} ms`)
    const common = await collectCommonAssets({ root, monaco: opts.monaco, log })
    let total = 0
    for (const b of common.files.values()) total += b.length
    log(`assets: ${common.files.size}, ${mb(total)}; Node ${NODE_VERSION}`)
    const built: Built[] = []
    for (const target of opts.targets) {
      const t1 = Date.now()
      const out = opts.outFor(target)
      await makeSea({ mainJs, assets: await targetAssets(common, root, target, log), out, target, builder, codeCache: target === host, workDir: work, log })
      fs.rmSync(path.join(work, target.name), { recursive: true, force: true })
      const size = fs.statSync(out).size
      built.push({ target: target.name, out, size, sha256: sha256File(out) })
      log(`${path.relative(process.cwd(), out) || out}: ${mb(size)} in ${((Date.now() - t1) / 1000).toFixed(1)} s`)
    }
    if (opts.dist) writeDist(opts.dist, built, host, log)
    else for (const b of built) fs.writeFileSync(`${b.out}.sha256`, `${b.sha256}  ${path.basename(b.out)}\n`)
    return built
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** dist/quark (this machine's binary, copied) and dist/SHA256SUMS for every target binary in dist/. */
function writeDist(dist: string, built: Built[], host: Target, log: (m: string) => void): void {
  const mine = built.find((b) => b.target === host.name)
  if (mine) {
    const local = path.join(dist, host.platform === 'win32' ? 'quark.exe' : 'quark')
    fs.copyFileSync(mine.out, `${local}.tmp`)
    fs.chmodSync(`${local}.tmp`, 0o755)
    fs.renameSync(`${local}.tmp`, local)
    fs.writeFileSync(`${local}.sha256`, `${mine.sha256}  ${path.basename(local)}\n`)
    log(`${path.relative(process.cwd(), local) || local}: the ${host.name} binary`)
  }
  // every target present, built now or before: `sha256sum -c SHA256SUMS` checks what is there
  const lines: string[] = []
  for (const name of TARGET_NAMES) {
    const file = path.join(dist, parseTargets(name)[0]!.file)
    if (!fs.existsSync(file)) continue
    const b = built.find((x) => x.out === file)
    lines.push(`${b ? b.sha256 : sha256File(file)}  ${path.basename(file)}`)
  }
  fs.writeFileSync(path.join(dist, 'SHA256SUMS'), lines.join('\n') + '\n')
  log(`${path.relative(process.cwd(), path.join(dist, 'SHA256SUMS'))}: ${lines.length} binaries`)
}

function parseArgs(argv: string[], root: string): BuildOptions {
  let out: string | undefined
  let dist = path.join(root, 'dist')
  let targets: Target[] | undefined
  let main = path.join(root, 'server', 'cli', 'main.ts')
  let monaco = true
  let minify = true
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--out' && argv[i + 1]) out = path.resolve(argv[++i]!)
    else if (a === '--dist' && argv[i + 1]) dist = path.resolve(argv[++i]!)
    else if (a === '--target' && argv[i + 1]) targets = parseTargets(argv[++i]!)
    else if (a === '--probe') { main = path.join(root, 'build', 'probe-main.ts'); monaco = false; targets ??= parseTargets('host') }
    else if (a === '--no-monaco') monaco = false
    else if (a === '--monaco') monaco = true
    else if (a === '--no-minify') minify = false
    else throw new Error(`build: unknown argument ${a} (see build/build.ts)`)
  }
  const log = (m: string) => console.log(`# ${m}`)
  if (out) {
    const only = targets ?? parseTargets('host')
    if (only.length !== 1) throw new Error('build: --out takes one target')
    return { root, targets: only, outFor: () => out!, main, monaco, minify, log }
  }
  return { root, targets: targets ?? parseTargets(TARGET_NAMES.join(',')), outFor: (t) => path.join(dist, t.file), dist, main, monaco, minify, log }
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..')
  build(parseArgs(process.argv.slice(2), root)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  })
}
