'use strict'
/**
 * Runs the framework's TypeScript sources in a checkout (`quark` / `npm start`):
 * a CommonJS loader for `.ts` files that strips types with esbuild, file by file.
 *
 * Why not tsx: tsx compiles with esbuild's `keepNames`, which wraps every
 * closure the server creates in a `__name(fn, "fn")` call (an
 * Object.defineProperty on the function). On the request path that made each
 * closure several hundred nanoseconds dearer and put functions into slow
 * shapes: measured on `/welcome/default/hello`, most of the framework's own
 * time. Without minifying, names survive anyway, so keepNames buys nothing here.
 *
 * Compiled output is cached on disk (node_modules/.cache/quark-ts, or the
 * system temp folder), keyed by the file's path, size, mtime and esbuild's
 * version, so a restart reads instead of recompiling. Source maps are inline
 * and enabled, so stack traces name the .ts lines.
 */
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const Module = require('node:module')
const esbuild = require('esbuild')

const ROOT = path.resolve(__dirname, '..', '..')

function cacheFolder() {
  const candidates = [path.join(ROOT, 'node_modules', '.cache', 'quark-ts'), path.join(require('node:os').tmpdir(), 'quark-ts-cache')]
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true })
      fs.accessSync(dir, fs.constants.W_OK)
      return dir
    } catch { /* read-only checkout: try the next */ }
  }
  return undefined
}

const CACHE = cacheFolder()
// useDefineForClassFields false, as in tsconfig.json: class fields become assignments in the
// constructor; V8 (Node 20) runs define-semantics field initialisers markedly slower, and the
// request path builds several such objects per request
const OPTIONS = {
  loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'inline', sourcesContent: false, platform: 'node',
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
}
const SALT = `${esbuild.version}:${JSON.stringify(OPTIONS)}:4`

function compile(filename) {
  const st = fs.statSync(filename)
  const key = crypto.createHash('sha1').update(`${SALT}\0${filename}\0${st.size}\0${st.mtimeMs}`).digest('hex')
  const cached = CACHE && path.join(CACHE, `${key}.js`)
  if (cached) {
    try { return fs.readFileSync(cached, 'utf8') } catch { /* not cached yet */ }
  }
  const source = fs.readFileSync(filename, 'utf8')
  // import.meta.dirname / filename / url: ESM spellings some files use, answered per file
  const define = source.includes('import.meta') ? {
    'import.meta.dirname': JSON.stringify(path.dirname(filename)),
    'import.meta.filename': JSON.stringify(filename),
    'import.meta.url': JSON.stringify(require('node:url').pathToFileURL(filename).href),
  } : undefined
  const { code } = settleExports(esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename, define }))
  if (cached) {
    // written aside and renamed: a concurrent start never reads half a file
    const tmp = `${cached}.${process.pid}.tmp`
    try { fs.writeFileSync(tmp, code); fs.renameSync(tmp, cached) } catch { try { fs.rmSync(tmp, { force: true }) } catch { /* ignore */ } }
  }
  return code
}

/*
 * Exports that settle. esbuild's CommonJS output makes every export a getter (`get x() { return x }`,
 * read through a second getter on the object `require` returns), so that imports are live bindings.
 * Every `import { x } from '../room'` then costs one or two getter calls per use, on every request
 * (measured: ~6% of the welcome hello's handler time). Our sources never reassign an export (no
 * `export let`), so the public object's getters replace themselves by a read-only data property the
 * first time they return a value; from then on a use is a plain property load. A getter that meets
 * an export not yet initialised (an import cycle during loading) returns what esbuild's would,
 * and stays a getter until the value exists. Imports of npm packages (__toESM) are left as they are.
 */
const SETTLE = `var __quarkSettle = (to, from, except) => {
  for (let key of __getOwnPropNames(from)) {
    if (__hasOwnProp.call(to, key) || key === except) continue;
    const d = __getOwnPropDesc(from, key), enumerable = !d || d.enumerable;
    __defProp(to, key, { enumerable, configurable: true, get() {
      const v = from[key];
      if (v !== undefined) __defProp(to, key, { value: v, enumerable, writable: false, configurable: false });
      return v;
    } });
  }
  return to;
};`
const TO_COMMONJS = 'var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);'
const RE_EXPORT = 'var __reExport = (target, mod, secondTarget) => (__copyProps(target, mod, "default"), secondTarget && __copyProps(secondTarget, mod, "default"));'

/** esbuild's helpers replaced by settling ones, on the same lines (the inline source map stays right). */
function settleExports(out) {
  let code = out.code
  if (!code.includes(TO_COMMONJS)) return out
  code = code.replace(TO_COMMONJS, `${SETTLE.replace(/\n\s*/g, ' ')} var __toCommonJS = (mod) => __quarkSettle(__defProp({}, "__esModule", { value: true }), mod);`)
  code = code.replace(RE_EXPORT, 'var __reExport = (target, mod, secondTarget) => (__copyProps(target, mod, "default"), secondTarget && __quarkSettle(secondTarget, mod, "default"));')
  return { ...out, code }
}

if (!Module._extensions['.ts']) {
  process.setSourceMapsEnabled(true)
  Module._extensions['.ts'] = function loadTs(module, filename) {
    module._compile(compile(filename), filename)
  }
}
