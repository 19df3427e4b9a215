/**
 * The self-signed certificate made on first boot and kept beside the
 * applications folder (<folder>/quark-cert.pem, quark-key.pem), reused after.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { generate as Generate } from 'selfsigned'
import { QK_HTTP_BAD_CERT } from './errors'

export interface Pem { cert: string; key: string }

export async function ensureCertificate(folder: string): Promise<Pem> {
  const certFile = path.join(folder, 'quark-cert.pem')
  const keyFile = path.join(folder, 'quark-key.pem')
  try {
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') }
  } catch { /* first boot: make one */ }
  const notAfter = new Date()
  notAfter.setFullYear(notAfter.getFullYear() + 5)
  // loaded only when a certificate must be made: selfsigned and its ASN.1 stack cost ~140 ms to load
  const { generate } = require('selfsigned') as { generate: typeof Generate }
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  } as never)
  fs.mkdirSync(folder, { recursive: true })
  fs.writeFileSync(keyFile, pems.private, { mode: 0o600 })
  fs.writeFileSync(certFile, pems.cert)
  return { cert: pems.cert, key: pems.private }
}

export function readCertificate(certFile: string, keyFile: string): Pem {
  try {
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') }
  } catch (e) {
    throw new QK_HTTP_BAD_CERT((e as Error).message)
  }
}
