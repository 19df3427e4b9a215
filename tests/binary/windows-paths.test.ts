// Windows paths where the binary meets them (#18 item 3), checked on Linux:
// a ticket's stack frames with drive letters and backslashes, and the refusals
// that keep a URL (static files), an archive entry (unpack) or a packed asset
// from naming a drive, a backslash path or a device. The .exe itself runs the
// same code under wine (tests/binary/targets.test.ts with QUARK_WINE_TEST=1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { parseStack } from '../../server/tickets/index'
import { safeSegments } from '../../server/http/index'
import { checkEntryName } from '../../server/pack/index'
import { packPath } from '../../server/sea/index'

const APP = 'C:\\Users\\ana\\Desktop\\quark\\applications\\shop'

test('a ticket reads Windows stack frames: drive letter, backslashes, with and without a function name', () => {
  const stack = [
    'Error: boom',
    `    at index (${APP}\\controllers\\default.ts:12:5)`,
    `    at ${APP}\\models\\db.ts:3:17`,
    '    at Module._compile (node:internal/modules/cjs/loader:1730:14)',
    '    at async run (file:///C:/Users/ana/Desktop/quark/quark.js:1:2)',
  ].join('\n')  // V8 joins frames with \n on Windows too
  const frames = parseStack(stack, APP)
  assert.deepEqual(frames.map((f) => [f.function, f.file, f.line, f.column]), [
    ['index', `${APP}\\controllers\\default.ts`, 12, 5],
    ['<anonymous>', `${APP}\\models\\db.ts`, 3, 17],
    ['Module._compile', 'node:internal/modules/cjs/loader', 1730, 14],
    ['async run', 'file:///C:/Users/ana/Desktop/quark/quark.js', 1, 2],
  ])
  // an app file is recognised by its Windows folder (its lines are read when the file exists)
  assert.ok(frames[0]!.file.startsWith(APP) && path.win32.isAbsolute(frames[0]!.file))
})

test('static URLs: no drive, backslash or colon reaches the file system', () => {
  assert.deepEqual(safeSegments('css/site.css'), ['css', 'site.css'])
  for (const bad of ['C:/Windows/win.ini', 'C%3A%5CWindows%5Cwin.ini', '..%5C..%5Cprivate%5Ckey', 'css%5C..%5C..%5Cx', 'a/b:stream', '%2e%2e/x']) {
    assert.equal(safeSegments(bad), undefined, bad)
  }
})

test('unpack: archive entries naming a drive, a backslash path or a Windows device are refused', () => {
  assert.equal(checkEntryName('./static/css/a.css'), 'static/css/a.css')
  for (const [bad, why] of [
    ['C:/Windows/system32/x.dll', /absolute path/], ['C:x', /absolute path/], ['..\\..\\x', /backslash/], ['static\\a.css', /backslash/],
    ['static/a.css:zone', /colon/], ['.//C:/x', /colon/], ['static/CON', /device/], ['private/nul.txt', /device/], ['uploads/LPT1.png', /device/],
  ] as const) {
    assert.throws(() => checkEntryName(bad), { code: 'QK_PACK_BAD_ARCHIVE', message: why }, bad)
  }
})

test('packed assets inside the binary: backslashes are separators, drives and .. are refused', () => {
  assert.equal(packPath('editor\\editor.main.js'), 'editor/editor.main.js')
  for (const bad of ['C:\\x', 'C:/x', '\\\\server\\share\\x', '..\\x', 'a\\..\\..\\x']) {
    assert.throws(() => packPath(bad), { code: 'QK_SEA_BAD_NAME' }, bad)
  }
})
