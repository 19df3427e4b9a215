/**
 * Just enough of the Mach-O format (64-bit, little-endian, one architecture:
 * Node's darwin-x64 build) to remove the code signature before the SEA blob is
 * injected, and to check a built binary's structure (tests/binary), since no
 * Mac runs here.
 */
import fs from 'node:fs'
import crypto from 'node:crypto'

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

const LC_SYMTAB = 0x2
const LC_DYSYMTAB = 0xb
/** linkedit_data_command blobs dyld reads to load and bind the executable */
const DYLD_BLOBS: Record<number, string> = {
  0x80000034: 'LC_DYLD_CHAINED_FIXUPS',
  0x80000033: 'LC_DYLD_EXPORTS_TRIE',
  0x26: 'LC_FUNCTION_STARTS',
  0x29: 'LC_DATA_IN_CODE',
  0x22: 'LC_DYLD_INFO',
  0x80000022: 'LC_DYLD_INFO_ONLY',
}
const ZEROFILL = new Set([0x1, 0xc, 0x12])

/**
 * What dyld and the program see of a Mach-O executable, as sha256 digests of
 * content (offsets may move): every section's bytes, every dyld blob
 * (chained fixups, exports trie, function starts, data in code), every other
 * load command as written. The symbol table and signature are left out:
 * stripping local symbols (`llvm-strip -x`) must change nothing else, which
 * the build checks (sea.ts) since no Mac runs here to try the result.
 */
export function machoLoadDigest(file: string): Record<string, string> {
  const b = fs.readFileSync(file)
  const h = (x: Buffer) => crypto.createHash('sha256').update(x).digest('hex').slice(0, 24)
  const out: Record<string, string> = {}
  let n = 0
  for (const [at, cmd, size] of commands(b)) {
    if (cmd === LC_SYMTAB || cmd === LC_DYSYMTAB || cmd === LC_CODE_SIGNATURE) continue
    if (cmd === LC_SEGMENT_64) {
      const seg = cstr(b, at + 8, 16)
      if (seg === '__LINKEDIT') continue  // its size follows the symbol table; its contents are the blobs below
      const nsects = b.readUInt32LE(at + 64)
      out[`segment ${seg}`] = h(Buffer.concat([b.subarray(at + 8, at + 40), b.subarray(at + 56, at + 72)]))  // name, vm range, prot, nsects
      for (let s = 0; s < nsects; s++) {
        const p = at + 72 + s * 80
        const name = `${seg},${cstr(b, p, 16)}`
        const bytes = Number(b.readBigUInt64LE(p + 40))
        const flags = b.readUInt32LE(p + 64)
        out[`section ${name}`] = ZEROFILL.has(flags & 0xff) ? `zerofill ${bytes}` : h(b.subarray(b.readUInt32LE(p + 48), b.readUInt32LE(p + 48) + bytes))
      }
    } else if (DYLD_BLOBS[cmd]) {
      if (cmd === 0x22 || cmd === 0x80000022) {
        // dyld_info_command: five (offset, size) pairs
        for (let k = 0; k < 5; k++) out[`${DYLD_BLOBS[cmd]} ${k}`] = h(b.subarray(b.readUInt32LE(at + 8 + k * 8), b.readUInt32LE(at + 8 + k * 8) + b.readUInt32LE(at + 12 + k * 8)))
      } else {
        out[DYLD_BLOBS[cmd]] = h(b.subarray(b.readUInt32LE(at + 8), b.readUInt32LE(at + 8) + b.readUInt32LE(at + 12)))
      }
    } else {
      out[`command ${n++} 0x${cmd.toString(16)}`] = h(b.subarray(at, at + size))
    }
  }
  return out
}

/** The number of local symbols in the symbol table (LC_DYSYMTAB nlocalsym): 866,000 in Node's build, ~0 once stripped. */
export function localSymbolCount(file: string): number {
  const b = fs.readFileSync(file)
  const d = commands(b).find(([, cmd]) => cmd === LC_DYSYMTAB)
  return d ? b.readUInt32LE(d[0] + 12) : 0
}
