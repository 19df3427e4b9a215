/**
 * Starting the contenders' server processes. The peers (servers/*.ts) are
 * bundled once with esbuild into plain CommonJS so they run on bare `node`
 * with no loader in the way; Quark is started exactly as a user starts it,
 * with its own CLI.
 */
import esbuild from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { generate } from 'selfsigned'
import { freePort, startProcess, type ServerProcess } from './proc'
import type { ServerKind } from './contenders'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const QUARK_CLI = path.join(ROOT, 'server/cli/quark.js')

const PEER_SOURCES: Record<Exclude<ServerKind, 'quark' | 'quark-routes' | 'quark-workers'>, string> = {
  node: 'node-http.ts',
  fastify: 'fastify.ts',
  express: 'express.ts',
  fastifyrest: 'fastify-rest.ts',
}

/** Bundle each peer into `outDir`; node_modules stay external and are found through NODE_PATH. */
export async function buildPeers(outDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [kind, file] of Object.entries(PEER_SOURCES)) {
    const outfile = path.join(outDir, `${kind}.cjs`)
    await esbuild.build({
      entryPoints: [path.join(import.meta.dirname, 'servers', file)],
      outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'silent',
    })
    out[kind] = outfile
  }
  return out
}

export interface TlsFiles { cert: string; key: string; source: string }

/**
 * The certificate Quark made on first boot in `folder` (found by name beside
 * applications/), so node:https is measured with the same key; when none is
 * found, one made the same way (selfsigned).
 */
export async function benchCertificate(folder: string, outDir: string): Promise<TlsFiles> {
  const pems: string[] = []
  const walk = (dir: string, depth: number) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      if (e.isDirectory() && depth < 2 && e.name !== 'applications') walk(full, depth + 1)
      else if (e.isFile() && /\.(pem|crt|key)$/.test(e.name)) pems.push(full)
    }
  }
  walk(folder, 0)
  let cert: string | undefined
  let key: string | undefined
  for (const f of pems) {
    const text = fs.readFileSync(f, 'utf8')
    if (!cert && text.includes('BEGIN CERTIFICATE')) cert = f
    if (!key && /BEGIN (RSA |EC )?PRIVATE KEY/.test(text)) key = f
  }
  if (cert && key) return { cert, key, source: `Quark's own (${path.relative(folder, cert)})` }
  const made = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, notAfterDate: new Date(Date.now() + 2 * 86400_000) })
  const certFile = path.join(outDir, 'bench-cert.pem')
  const keyFile = path.join(outDir, 'bench-key.pem')
  fs.writeFileSync(certFile, made.cert)
  fs.writeFileSync(keyFile, made.private)
  return { cert: certFile, key: keyFile, source: 'made by selfsigned (Quark\'s certificate file was not found)' }
}

export async function startPeer(kind: Exclude<ServerKind, 'quark' | 'quark-routes' | 'quark-workers'>, bundle: string, tls?: TlsFiles): Promise<ServerProcess> {
  const port = await freePort()
  const env: Record<string, string> = { BENCH_PORT: String(port), NODE_PATH: path.join(ROOT, 'node_modules'), NODE_ENV: 'production' }
  if (tls) { env.BENCH_TLS_CERT = tls.cert; env.BENCH_TLS_KEY = tls.key }
  return startProcess(`${kind}${tls ? '-https' : ''}`, process.execPath, [bundle], { port, https: !!tls, cwd: ROOT, env })
}

/** `quark run` on `folder`; extraNodeArgs go before the script (e.g. --cpu-prof). */
export async function startQuark(folder: string, secure: boolean, extraNodeArgs: string[] = [], env: Record<string, string> = {}, quarkArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort()
  const args = [...extraNodeArgs, QUARK_CLI, 'run', ...(secure ? [] : ['--no-https']), '-p', String(port), '-f', folder, '--quiet', ...quarkArgs]
  return startProcess(`quark${secure ? '-https' : ''}`, process.execPath, args, { port, https: secure, cwd: ROOT, env })
}
