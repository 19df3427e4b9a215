/**
 * Guards of IS_FILE, IS_UPLOAD_FILENAME and IS_IMAGE (files.ts, room validators-files, #17 item 6): what
 * counts as an upload, which part of the name is the extension (last dot, first dot, none), the case
 * options, rules anchored at the start of the part (and stateless /g rules), the image headers read to
 * the exact byte (signature, minimum lengths, JPEG's SOF0-SOF3 markers after other segments) and the
 * inclusive size bounds and aspect ratio.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as V from '../../server/validators/index'

const NAME = 'Enter valid filename'
const IMG = 'Invalid image'
const up = (filename: string, data?: Buffer) => ({ filename, data })

function png(w: number, h: number, chunk = 'IHDR'): Buffer {
  const b = Buffer.alloc(33)
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0)
  b.writeUInt32BE(13, 8)
  b.write(chunk, 12, 'latin1')
  b.writeUInt32BE(w, 16)
  b.writeUInt32BE(h, 20)
  return b
}
function gif(w: number, h: number, magic = 'GIF89a'): Buffer {
  const b = Buffer.alloc(10) // exactly the 10 bytes the size needs
  b.write(magic, 0, 'latin1')
  b.writeUInt16LE(w, 6)
  b.writeUInt16LE(h, 8)
  return b
}
function bmp(w: number, h: number): Buffer {
  const b = Buffer.alloc(26) // exactly the 26 bytes the size needs
  b.write('BM', 0, 'latin1')
  b.writeUInt32LE(w, 18)
  b.writeUInt32LE(h, 22)
  return b
}
/** A JPEG whose size marker (SOF0-SOF3 = 0xc0-0xc3) comes after a DHT (0xc4) and an APP1 segment. */
function jpeg(w: number, h: number, sof = 0xc0): Buffer {
  const dht = Buffer.from([0xff, 0xc4, 0x00, 0x04, 0, 0])
  const app1 = Buffer.from([0xff, 0xe1, 0x00, 0x06, 1, 2, 3, 4])
  const frame = Buffer.from([0xff, sof, 0x00, 0x11, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), dht, app1, frame])
}

test('only an object with a string filename is an upload', () => {
  for (const v of [V.IS_FILE(), V.IS_UPLOAD_FILENAME(), V.IS_IMAGE()]) {
    for (const bad of [null, undefined, '', 'a.png', 0, { filename: 5 }, { name: 'a.png' }, ['a.png']]) {
      assert.notEqual(v.validate(bad)[1], null, JSON.stringify(bad))
    }
  }
  assert.equal(V.IS_FILE().validate({ filename: '' })[1], null, 'an empty name with no rule passes')
})

test('the extension is after the last dot (first with lastdot: false; none without a dot); the name before it', () => {
  assert.equal(V.IS_FILE({ extension: 'pdf' }).validate(up('report.exe.pdf'))[1], null)
  assert.equal(V.IS_FILE({ extension: 'pdf' }).validate(up('report.pdf.exe'))[1], NAME, 'a double extension ending in exe')
  assert.equal(V.IS_FILE({ extension: 'gz' }).validate(up('a.tar.gz'))[1], null)
  assert.equal(V.IS_FILE({ extension: 'tar.gz', lastdot: false }).validate(up('a.tar.gz'))[1], null)
  assert.equal(V.IS_FILE({ extension: 'gz', lastdot: false }).validate(up('a.tar.gz'))[1], NAME)
  assert.equal(V.IS_FILE({ filename: 'a.tar' }).validate(up('a.tar.gz'))[1], null)
  assert.equal(V.IS_FILE({ filename: 'a', lastdot: false }).validate(up('a.tar.gz'))[1], null)
  assert.equal(V.IS_FILE({ filename: 'README', extension: '' }).validate(up('readme'))[1], NAME, 'the rule is not lowered')
  assert.equal(V.IS_FILE({ filename: 'readme', extension: '' }).validate(up('README'))[1], null, 'no dot: all name, no extension')
  assert.equal(V.IS_FILE({ extension: '' }).validate(up('x.'))[1], null, 'a trailing dot: an empty extension')
  assert.equal(V.IS_FILE({ filename: '' }).validate(up('.htaccess'))[1], null, 'a leading dot: an empty name')
  assert.equal(V.IS_FILE({ extension: 'htaccess' }).validate(up('.htaccess'))[1], null)
})

test('case: 1 (default) lowers the name, 2 uppers it, 0 keeps it', () => {
  assert.equal(V.IS_FILE({ extension: 'pdf' }).validate(up('A.PDF'))[1], null)
  assert.equal(V.IS_FILE({ extension: 'PDF' }).validate(up('a.PDF'))[1], NAME)
  assert.equal(V.IS_FILE({ extension: 'PDF', case: 2 }).validate(up('a.pdf'))[1], null)
  assert.equal(V.IS_FILE({ extension: 'pdf', case: 2 }).validate(up('a.pdf'))[1], NAME)
  assert.equal(V.IS_FILE({ extension: 'pdf', case: 0 }).validate(up('a.PDF'))[1], NAME)
  assert.equal(V.IS_FILE({ extension: 'PDF', case: 0 }).validate(up('a.PDF'))[1], null)
  assert.equal(V.IS_UPLOAD_FILENAME({ extension: 'PDF', case: 2 }).validate(up('a.pdf'))[1], null)
  assert.equal(V.IS_UPLOAD_FILENAME({ extension: 'pdf', case: 0 }).validate(up('a.PDF'))[1], NAME)
})

test('rules: strings equal the part; expressions match from its start; /g rules answer the same every time; lists any', () => {
  assert.equal(V.IS_FILE({ extension: 'pdf' }).validate(up('a.xpdf'))[1], NAME)
  assert.equal(V.IS_FILE({ extension: 'pdf' }).validate(up('a.pdfx'))[1], NAME, 'a string must equal the extension')
  assert.equal(V.IS_FILE({ extension: /pdf/ }).validate(up('a.xpdf'))[1], NAME, 'an expression is anchored at the start')
  assert.equal(V.IS_FILE({ extension: /pdf|doc/ }).validate(up('a.xdoc'))[1], NAME, 'the whole alternation is anchored')
  assert.equal(V.IS_FILE({ extension: /pdf$/ }).validate(up('a.pdf'))[1], null)
  const g = V.IS_FILE({ extension: /pdf/g })
  for (let i = 0; i < 3; i++) assert.equal(g.validate(up('a.pdf'))[1], null, `call ${i}`)
  const y = V.IS_FILE({ filename: /ab/y })
  for (let i = 0; i < 3; i++) assert.equal(y.validate(up('ab.txt'))[1], null, `sticky call ${i}`)
  assert.equal(V.IS_FILE({ extension: /PDF/i }).validate(up('a.pdf'))[1], null, 'other flags are kept')
  assert.equal(V.IS_FILE({ extension: ['png', /jpe?g/] }).validate(up('a.jpeg'))[1], null)
  assert.equal(V.IS_FILE({ extension: ['png', /jpe?g/] }).validate(up('a.gif'))[1], NAME)
  assert.equal(V.IS_FILE({ filename: 'thumb', extension: 'png' }).validate(up('other.png'))[1], NAME)
  // IS_UPLOAD_FILENAME: strings are expressions (matched from the start)
  assert.equal(V.IS_UPLOAD_FILENAME({ extension: 'pdf' }).validate(up('a.pdfx'))[1], null, 'an expression from the start')
  assert.equal(V.IS_UPLOAD_FILENAME({ extension: 'pdf' }).validate(up('a.xpdf'))[1], NAME)
  assert.equal(V.IS_UPLOAD_FILENAME({ extension: 'pdf$' }).validate(up('a.pdfx'))[1], NAME)
  assert.equal(V.IS_UPLOAD_FILENAME({ filename: 'rep' }).validate(up('x-report.txt'))[1], NAME)
  assert.equal(V.IS_UPLOAD_FILENAME({ filename: 'rep' }).validate(up('report.txt'))[1], null)
  assert.equal(V.IS_UPLOAD_FILENAME({ filename: /rep/, extension: /txt/ }).validate(up('report.txt'))[1], null)
})

test('image headers: each format\'s signature and minimum length, to the byte', () => {
  assert.deepEqual(V.imageSize('png', png(3, 2)), [3, 2])
  assert.deepEqual(V.imageSize('png', png(3, 2, 'IDAT')), [-1, -1], 'the first chunk must be IHDR')
  const badSig = png(3, 2); badSig[7] = 0
  assert.deepEqual(V.imageSize('png', badSig), [-1, -1])
  assert.deepEqual(V.imageSize('gif', gif(16, 9)), [16, 9])
  assert.deepEqual(V.imageSize('gif', gif(16, 9, 'GIF87a')), [16, 9])
  assert.deepEqual(V.imageSize('gif', gif(16, 9, 'GIF88a')), [-1, -1])
  assert.deepEqual(V.imageSize('gif', gif(16, 9).subarray(0, 9)), [-1, -1], 'nine bytes are too few')
  assert.deepEqual(V.imageSize('gif', Buffer.concat([Buffer.from('x'), gif(16, 9)])), [-1, -1])
  assert.deepEqual(V.imageSize('bmp', bmp(20, 10)), [20, 10])
  assert.deepEqual(V.imageSize('bmp', bmp(20, 10).subarray(0, 25)), [-1, -1], '25 bytes are too few')
  const notBm = bmp(20, 10); notBm.write('BN', 0, 'latin1')
  assert.deepEqual(V.imageSize('bmp', notBm), [-1, -1])
  for (const sof of [0xc0, 0xc1, 0xc2, 0xc3]) assert.deepEqual(V.imageSize('jpeg', jpeg(640, 480, sof)), [640, 480], sof.toString(16))
  assert.deepEqual(V.imageSize('jpeg', jpeg(640, 480, 0xc5)), [-1, -1], 'no size marker')
  const noSoi = jpeg(640, 480); noSoi[1] = 0xd9
  assert.deepEqual(V.imageSize('jpeg', noSoi), [-1, -1])
  const junk = Buffer.concat([jpeg(640, 480).subarray(0, 8), Buffer.from([0x00]), jpeg(640, 480).subarray(8)])
  assert.deepEqual(V.imageSize('jpeg', junk), [-1, -1], 'a segment that does not start with 0xff ends the walk')
  assert.deepEqual(V.imageSize('png', gif(1, 1)), [-1, -1], 'the format named by the extension is the one read')
  assert.deepEqual(V.imageSize('tiff', png(1, 1)), [-1, -1])
})

test('IS_IMAGE: the extension (any case, jpg for jpeg, a leading dot) names the format; the bounds are inclusive', () => {
  assert.equal(V.IS_IMAGE().validate(up('PHOTO.PNG', png(3, 2)))[1], null)
  assert.equal(V.IS_IMAGE().validate(up('.png', png(3, 2)))[1], null, 'a name that is only an extension')
  assert.equal(V.IS_IMAGE().validate(up('a.jpg', jpeg(3, 2)))[1], null)
  assert.equal(V.IS_IMAGE().validate(up('a.gif', png(3, 2)))[1], IMG, 'a PNG named .gif')
  assert.equal(V.IS_IMAGE({ extensions: ['png'] }).validate(up('a.gif', gif(3, 2)))[1], IMG)
  assert.equal(V.IS_IMAGE({ extensions: ['gif'] }).validate(up('a.gif', gif(3, 2)))[1], null)
  assert.equal(V.IS_IMAGE().validate({ filename: 'a.png' })[1], IMG, 'no bytes at all')
  const v = V.IS_IMAGE({ minsize: [10, 20], maxsize: [30, 40] })
  for (const [w, h] of [[10, 20], [30, 40], [10, 40], [30, 20]]) assert.equal(v.validate(up('a.png', png(w, h)))[1], null, `${w}x${h}`)
  for (const [w, h] of [[9, 20], [10, 19], [31, 40], [30, 41]]) assert.equal(v.validate(up('a.png', png(w, h)))[1], IMG, `${w}x${h}`)
  assert.equal(V.IS_IMAGE().validate(up('a.png', png(10000, 10000)))[1], null, 'the default maximum is 10000 x 10000')
  assert.equal(V.IS_IMAGE().validate(up('a.png', png(10001, 1)))[1], IMG)
  assert.equal(V.IS_IMAGE().validate(up('a.png', png(1, 10001)))[1], IMG)
  assert.equal(V.IS_IMAGE().validate(up('a.png', png(0, 0)))[1], null, 'the default minimum is 0')
  assert.equal(V.IS_IMAGE({ aspectratio: [-1, -1] }).validate(up('a.png', png(7, 3)))[1], null, '[-1, -1]: any ratio')
  assert.equal(V.IS_IMAGE({ aspectratio: [4, -1] }).validate(up('a.png', png(8, 2)))[1], IMG, 'one side given: the ratio is checked')
  assert.equal(V.IS_IMAGE({ aspectratio: [-1, 4] }).validate(up('a.png', png(8, 2)))[1], IMG)
  assert.equal(V.IS_IMAGE({ aspectratio: [4, 1] }).validate(up('a.png', png(8, 2)))[1], null)
  assert.equal(V.IS_IMAGE({ aspectratio: [1, 4] }).validate(up('a.png', png(8, 2)))[1], IMG, 'width and height not swapped')
  assert.equal(V.IS_IMAGE({ errorMessage: 'no' }).validate(up('a.png', Buffer.alloc(3)))[1], 'no')
  assert.equal(V.IS_FILE({ extension: 'pdf', errorMessage: 'pdf only' }).validate(up('a.doc'))[1], 'pdf only')
  assert.equal(V.IS_UPLOAD_FILENAME({ extension: 'pdf', error_message: 'pdf!' }).validate(up('a.doc'))[1], 'pdf!')
})

test('second run\'s survivors: the format named is the one read, only SOF0-SOF3 size a JPEG, a stray byte ends the walk', () => {
  assert.deepEqual(V.imageSize('png', jpeg(640, 480)), [-1, -1], 'a JPEG named .png')
  assert.deepEqual(V.imageSize('gif', jpeg(640, 480)), [-1, -1])
  assert.deepEqual(V.imageSize('gif', bmp(20, 10)), [-1, -1], 'a BMP named .gif')
  assert.deepEqual(V.imageSize('tiff', bmp(20, 10)), [-1, -1])
  const firstByte = jpeg(640, 480); firstByte[0] = 0x00
  assert.deepEqual(V.imageSize('jpeg', firstByte), [-1, -1], 'the SOI marker\'s first byte')
  // a segment that does not start with 0xff, laid out like a size marker: not read
  const stray = Buffer.from([0xff, 0xd8, 0x00, 0xc0, 0x00, 0x11, 8, 0, 2, 0, 3, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
  assert.deepEqual(V.imageSize('jpeg', stray), [-1, -1])
  // a marker below 0xc0 before the frame is skipped, not read as the size
  const low = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xbf, 0x00, 0x08, 0, 9, 0, 9, 0, 0]), jpeg(640, 480).subarray(2)])
  assert.deepEqual(V.imageSize('jpeg', low), [640, 480])
  // a name without a dot is no image, even one that is an extension
  assert.equal(V.IS_IMAGE().validate(up('png', png(3, 2)))[1], IMG)
  // aspect ratios with one side given as 1
  assert.equal(V.IS_IMAGE({ aspectratio: [1, -1] }).validate(up('a.png', png(8, 2)))[1], IMG)
  assert.equal(V.IS_IMAGE({ aspectratio: [-1, 1] }).validate(up('a.png', png(8, 2)))[1], IMG)
  // a function with a filename is no upload
  assert.equal(V.IS_FILE().validate(Object.assign(() => 1, { filename: 'a.png' }))[1], NAME)
})

test('reading an image from a path leaves no file descriptor open', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-guard-files-'))
  try {
    const file = path.join(dir, 'x.png')
    fs.writeFileSync(file, png(3, 2))
    const open = () => fs.readdirSync('/proc/self/fd').length
    const before = open()
    for (let i = 0; i < 20; i++) assert.equal(V.IS_IMAGE().validate({ filename: 'x.png', path: file })[1], null)
    assert.ok(open() < before + 5, `${open() - before} descriptors left open`)
  } finally { fs.rmSync(dir, { recursive: true, force: true }) }
})
