/**
 * Writes packed folders (the format read by server/sea/pack.ts): one buffer
 * holding many files, each brotli-compressed on its own so the runtime can
 * read any one of them in memory.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import crypto from 'node:crypto'
import { promisify } from 'node:util'
import { PACK_MAGIC, packPath, type PackEncoding } from '../server/sea/pack'

const brotli = promisify(zlib.brotliCompress)

export interface PackInput {
  /** path inside the pack, '/'-separated */
  path: string
  data: Buffer
}

export interface PackOptions {
  /** brotli quality 0-11; 11 is smallest and slowest (Monaco: ~4x slower than 9) */
  quality?: number
  /** files smaller than this are stored as is (compressing them saves nothing) */
  minCompress?: number
}

/** Every file under `dir` (recursively), with paths relative to it. `skip` filters by relative path. */
export function collectFolder(dir: string, skip: (rel: string) => boolean = () => false): PackInput[] {
  const out: PackInput[] = []
  const walk = (abs: string, rel: string) => {
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name
      if (skip(r)) continue
      const a = path.join(abs, d.name)
      if (d.isDirectory()) walk(a, r)
      else if (d.isFile()) out.push({ path: r, data: fs.readFileSync(a) })
    }
  }
  walk(dir, '')
  return out.sort((x, y) => (x.path < y.path ? -1 : 1))
}

export async function writePack(files: PackInput[], options: PackOptions = {}): Promise<Buffer> {
  const quality = options.quality ?? 9
  const minCompress = options.minCompress ?? 256
  const seen = new Set<string>()
  for (const f of files) {
    const p = packPath(f.path)
    if (seen.has(p)) throw new Error(`pack: duplicate path ${p}`)
    seen.add(p)
  }
  // Compress in parallel on libuv's thread pool, then lay the results out in order.
  const stored = await Promise.all(files.map(async (f): Promise<{ data: Buffer; encoding: PackEncoding }> => {
    if (f.data.length < minCompress) return { data: f.data, encoding: 'raw' }
    const c = await brotli(f.data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: f.data.length,
      },
    })
    return c.length < f.data.length ? { data: c, encoding: 'br' } : { data: f.data, encoding: 'raw' }
  }))
  const index: [string, number, number, number, PackEncoding, string][] = []
  let offset = 0
  files.forEach((f, i) => {
    const s = stored[i]!
    const etag = crypto.createHash('sha1').update(f.data).digest('base64url').slice(0, 16)
    index.push([packPath(f.path), offset, s.data.length, f.data.length, s.encoding, etag])
    offset += s.data.length
  })
  const indexBuf = Buffer.from(JSON.stringify({ v: 1, files: index }), 'utf8')
  const head = Buffer.alloc(12)
  head.write(PACK_MAGIC, 0, 'latin1')
  head.writeUInt32LE(indexBuf.length, 8)
  return Buffer.concat([head, indexBuf, ...stored.map((s) => s.data)])
}
