/**
 * One single-executable application for one target: the target's pinned Node
 * executable (build/targets.ts), stripped where it is ELF, and the SEA blob
 * (main script + assets) injected by the pinned Node of this machine with
 * `--build-sea` (the blob must come from the same Node version it runs on;
 * Node's own LIEF writes ELF, PE and Mach-O alike, so one machine builds all
 * four). The V8 code cache (~30 ms of start-up) is platform-specific: only the
 * target this machine runs gets one.
 *
 * Mach-O: the injected section invalidates the code signature Node's macOS
 * build carries; an x64 binary with a broken signature is killed, one with no
 * signature runs (Rosetta 2 included). The signature is removed here
 * (macho.ts), after its local symbols are (stripMacho); nothing on Linux
 * makes an ad-hoc signature, see the README.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { nodeExecutable, TARGETS, type Target } from './targets'

const TARGETS_DARWIN = TARGETS['darwin-x64']
import { removeMachoSignature, machoLoadDigest } from './macho'

export interface SeaOptions {
  mainJs: string
  assets: Map<string, Buffer>
  out: string
  target: Target
  /** the Node that runs --build-sea: the pinned Node of this machine's target */
  builder: string
  /** this machine runs the target: the blob gets a V8 code cache */
  codeCache: boolean
  /** a scratch folder for the config, blob and asset files */
  workDir: string
  strip?: boolean
  log?: (msg: string) => void
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`build: ${path.basename(cmd)} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`)
  return `${r.stdout}${r.stderr}`
}

function works(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0
}

/**
 * A strip that reads this file: llvm-strip reads every architecture and
 * format (ELF and Mach-O) and prints nothing; GNU strip reads only this
 * machine's ELF (on Node 20's binary it also warned a dozen times,
 * "Can't find string offset for section name '.note.100'": Node 20's build
 * has 256 note sections named by an index GNU strip cannot read; harmless,
 * and Node 26's build has none).
 */
function stripTool(target: Target): string | undefined {
  for (const t of ['llvm-strip', ...[20, 19, 18, 17, 16, 15, 14].map((v) => `llvm-strip-${v}`)]) if (works(t)) return t
  if (target.platform === 'linux' && target.platform === process.platform && target.arch === process.arch && works('strip')) return 'strip'
  return undefined
}

/**
 * Node's macOS build keeps its 866,000 local symbols (37 MB): `llvm-strip -x`
 * drops them and keeps the global ones (what a native addon links against is
 * in the exports trie anyway). No Mac runs here to try the result, so the
 * strip is kept only if everything dyld and the program read is byte for byte
 * what it was (machoLoadDigest: sections, chained fixups, exports trie, every
 * other load command); else the binary keeps its symbols, with a note.
 */
function stripMacho(file: string, log: (m: string) => void): void {
  const tool = stripTool(TARGETS_DARWIN)
  if (!tool) { log('note: no llvm-strip: the macOS binary keeps its local symbols (+37 MB); install llvm'); return }
  const before = machoLoadDigest(file)
  const stripped = `${file}.stripped`
  run(tool, ['-x', '-o', stripped, file])
  const after = machoLoadDigest(stripped)
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k])
  if (changed.length) {
    fs.rmSync(stripped, { force: true })
    log(`note: ${tool} -x changed more than the symbol table of the macOS binary (${changed.join(', ')}): kept unstripped`)
    return
  }
  fs.renameSync(stripped, file)
}

export async function makeSea(opts: SeaOptions): Promise<void> {
  const log = opts.log ?? (() => {})
  const { target } = opts
  const work = path.join(opts.workDir, target.name)
  fs.mkdirSync(work, { recursive: true })
  const assetFiles: Record<string, string> = {}
  let i = 0
  for (const [name, data] of opts.assets) {
    const file = path.join(work, `asset-${i++}`)
    fs.writeFileSync(file, data)
    assetFiles[name] = file
  }

  // the target's node, prepared (stripped / unsigned) in the scratch folder
  const base = path.join(work, target.node.bin.endsWith('.exe') ? 'node.exe' : 'node')
  fs.copyFileSync(nodeExecutable(target, log), base)
  fs.chmodSync(base, 0o755)
  if (target.platform === 'linux' && opts.strip !== false) {
    const tool = stripTool(target)
    if (tool) run(tool, [base])
    else log(`note: no strip for ${target.name} ELF (install llvm); the binary keeps its symbols (+33 MB)`)
  }
  if (target.platform === 'darwin') {
    if (opts.strip !== false) stripMacho(base, log)
    removeMachoSignature(base)
  }

  fs.mkdirSync(path.dirname(opts.out), { recursive: true })
  const tmpOut = `${opts.out}.tmp`
  fs.rmSync(tmpOut, { force: true })
  const config = path.join(work, 'sea-config.json')
  fs.writeFileSync(config, JSON.stringify({
    main: opts.mainJs,
    executable: base,
    output: tmpOut,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: opts.codeCache,
    assets: assetFiles,
  }, null, 2))
  const out = run(opts.builder, ['--build-sea', config]).trim()
  // --build-sea reports where it wrote; anything else it says is news
  for (const line of out.split('\n')) if (line && !/^Generated single executable/i.test(line)) log(line)
  fs.chmodSync(tmpOut, 0o755)
  fs.renameSync(tmpOut, opts.out)
}
