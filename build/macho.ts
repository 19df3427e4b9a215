/**
 * Just enough of the Mach-O format (64-bit, little-endian, one architecture:
 * Node's darwin-x64 build) to remove the code signature before the SEA blob is
 * injected, and to check a built binary's structure (tests/binary), since no
 * Mac runs here.
 */
import fs from 'node:fs'

const MH_MAGIC_64 = 0xfeedfacf
export const CPU_TYPE_X86_64 = 0x01000007
const LC_SEGMENT_64 = 0x19
const LC_CODE_SIGNATURE = 0x1d

export interface MachoSection { segment: string; name: string; offset: number; size: number }
export interface MachoInfo {
  cputype: number
  filetype: number
  segments: string[]
  sections: MachoSection[]
  signed: boolean
}

function cstr(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, at + len)
  const z = s.indexOf(0)
  return s.subarray(0, z < 0 ? len : z).toString('latin1')
}

function header(b: Buffer): { ncmds: number; sizeofcmds: number } {
  if (b.length < 32 || b.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a 64-bit little-endian Mach-O file')
  return { ncmds: b.readUInt32LE(16), sizeofcmds: b.readUInt32LE(20) }
}

/** The load commands: [offset, cmd, cmdsize]. */
function commands(b: Buffer): Array<[number, number, number]> {
  const { ncmds } = header(b)
  const out: Array<[number, number, number]> = []
  let at = 32
  for (let i = 0; i < ncmds; i++) {
    const cmd = b.readUInt32LE(at)
    const size = b.readUInt32LE(at + 4)
    out.push([at, cmd, size])
    at += size
  }
  return out
}

export function readMacho(file: string): MachoInfo {
  const b = fs.readFileSync(file)
  header(b)
  const info: MachoInfo = { cputype: b.readUInt32LE(4), filetype: b.readUInt32LE(12), segments: [], sections: [], signed: false }
  for (const [at, cmd] of commands(b)) {
    if (cmd === LC_CODE_SIGNATURE) info.signed = true
    if (cmd !== LC_SEGMENT_64) continue
    const seg = cstr(b, at + 8, 16)
    info.segments.push(seg)
    const nsects = b.readUInt32LE(at + 64)
    for (let s = 0; s < nsects; s++) {
      const p = at + 72 + s * 80
      info.sections.push({ segment: seg, name: cstr(b, p, 16), size: Number(b.readBigUInt64LE(p + 40)), offset: b.readUInt32LE(p + 48) })
    }
  }
  return info
}

/**
 * What `codesign --remove-signature` does: drop the LC_CODE_SIGNATURE load
 * command and the signature bytes at the end of __LINKEDIT. A no-op on an
 * unsigned file.
 */
export function removeMachoSignature(file: string): void {
  let b = fs.readFileSync(file)
  const cmds = commands(b)
  const sig = cmds.find(([, cmd]) => cmd === LC_CODE_SIGNATURE)
  if (!sig) return
  const [at, , size] = sig
  const dataoff = b.readUInt32LE(at + 8)
  const datasize = b.readUInt32LE(at + 12)
  const { ncmds, sizeofcmds } = header(b)
  const end = 32 + sizeofcmds
  b.copy(b, at, at + size, end)
  b.fill(0, end - size, end)
  b.writeUInt32LE(ncmds - 1, 16)
  b.writeUInt32LE(sizeofcmds - size, 20)
  if (dataoff + datasize >= b.length) {
    for (const [segAt, cmd] of commands(b)) {
      if (cmd !== LC_SEGMENT_64 || cstr(b, segAt + 8, 16) !== '__LINKEDIT') continue
      const fileoff = Number(b.readBigUInt64LE(segAt + 40))
      const filesize = dataoff - fileoff
      b.writeBigUInt64LE(BigInt(filesize), segAt + 48)
      b.writeBigUInt64LE(BigInt(Math.ceil(filesize / 0x1000) * 0x1000), segAt + 32)
    }
    b = b.subarray(0, dataoff)
  }
  fs.writeFileSync(file, b)
}
