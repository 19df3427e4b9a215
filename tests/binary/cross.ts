// For tests/binary/targets.test.ts: how each foreign target's binary is run
// here (qemu-user for linux-arm64, wine for win-x64) and what a built file
// must look like (ELF, PE, Mach-O) when it cannot run.
import fs from 'node:fs'

export const SEA_FUSE_FLIPPED = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1'
export const SEA_FUSE_UNFLIPPED = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:0'

/** The manifest build/assets.ts embeds names the target: found as text inside the SEA blob. */
export function embeddedTarget(data: Buffer): string | undefined {
  return /"node":"v[\d.]+","target":"([\w-]+)"/.exec(data.toString('latin1'))?.[1]
}

export function elfMachine(data: Buffer): number {
  if (data.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file')
  return data.readUInt16LE(0x12)
}
export const EM_X86_64 = 0x3e
export const EM_AARCH64 = 0xb7

export interface PeInfo { machine: number; pe32plus: boolean; subsystem: number }
export function peInfo(data: Buffer): PeInfo {
  if (data.toString('latin1', 0, 2) !== 'MZ') throw new Error('no MZ header')
  const pe = data.readUInt32LE(0x3c)
  if (data.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('no PE signature')
  const opt = pe + 24
  return { machine: data.readUInt16LE(pe + 4), pe32plus: data.readUInt16LE(opt) === 0x20b, subsystem: data.readUInt16LE(opt + 68) }
}
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664
export const IMAGE_SUBSYSTEM_WINDOWS_CUI = 3

/** PE resources are named in UTF-16: the SEA blob is the resource NODE_SEA_BLOB. */
export function hasPeResource(data: Buffer, name: string): boolean {
  return data.includes(Buffer.from(name, 'utf16le'))
}

const QEMU = '/usr/bin/qemu-aarch64-static'
const ARM64_ROOT = '/usr/aarch64-linux-gnu'
const BINFMT = '/proc/sys/fs/binfmt_misc/qemu-aarch64'

/**
 * Whether linux-arm64 executables run here: Debian's qemu-user-static with
 * libc6-arm64-cross, and qemu registered with binfmt_misc (the binary spawns
 * itself and its esbuild, which qemu-user alone would not follow; .ci/run and
 * build/cross-setup.sh register it). The env gives qemu the arm64 libraries.
 */
export function arm64Runner(): { env: NodeJS.ProcessEnv } | string {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'qemu-user runs arm64 binaries on linux-x64 only'
  if (!fs.existsSync(QEMU)) return 'no qemu-aarch64-static: apt-get install qemu-user-static'
  if (!fs.existsSync(`${ARM64_ROOT}/lib/ld-linux-aarch64.so.1`)) return 'no arm64 C library: apt-get install libc6-arm64-cross'
  let binfmt = ''
  try { binfmt = fs.readFileSync(BINFMT, 'utf8') } catch { /* not registered */ }
  if (!binfmt.startsWith('enabled')) return 'qemu-aarch64 is not registered with binfmt_misc: run build/cross-setup.sh as root'
  return { env: { QEMU_LD_PREFIX: ARM64_ROOT } }
}

/** The section names of a 64-bit little-endian ELF file (a stripped one has no .symtab nor .debug_*). */
export function elfSections(data: Buffer): string[] {
  elfMachine(data)
  const shoff = Number(data.readBigUInt64LE(0x28))
  const size = data.readUInt16LE(0x3a)
  const count = data.readUInt16LE(0x3c)
  const strIndex = data.readUInt16LE(0x3e)
  const header = (i: number) => shoff + i * size
  const strOff = Number(data.readBigUInt64LE(header(strIndex) + 0x18))
  const names: string[] = []
  for (let i = 0; i < count; i++) {
    const at = strOff + data.readUInt32LE(header(i))
    names.push(data.toString('latin1', at, data.indexOf(0, at)))
  }
  return names
}
