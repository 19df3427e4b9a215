/**
 * The conformance suite run by the passkey method, with a software
 * authenticator written here (ES256 over P-256: authenticator data, client
 * data, a DER signature; the public key as COSE): the valid credential is a
 * fresh assertion; the wrong ones an assertion for another origin, a
 * replayed signature counter, another challenge, another key, an unknown
 * credential. (The browser flow is tests/auth/passkey.test.ts, in chromium.)
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { conformance } from './suite'
import { CREDENTIAL_TABLE } from '../../../server/auth'

const b64u = (b: Buffer) => b.toString('base64url')
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
const credId = b64u(randomBytes(16))

/** The COSE_Key of an EC P-256 public key (RFC 8152), CBOR by hand: a map of five int keys. */
function cose(pub: KeyObject): Buffer {
  const jwk = pub.export({ format: 'jwk' }) as { x: string; y: string }
  const x = Buffer.from(jwk.x, 'base64url'), y = Buffer.from(jwk.y, 'base64url')
  return Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y])
}

let counter = 0
function assertion(o: { challenge: string; origin?: string; counter?: number; key?: KeyObject; id?: string }): string {
  const c = Buffer.alloc(4)
  c.writeUInt32BE(o.counter ?? ++counter)
  const authData = Buffer.concat([createHash('sha256').update('localhost').digest(), Buffer.from([0x05]), c])
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: o.challenge, origin: o.origin ?? 'http://localhost', crossOrigin: false }))
  const sig = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), o.key ?? privateKey)
  const id = o.id ?? credId
  return JSON.stringify({ id, rawId: id, type: 'public-key', clientExtensionResults: {}, response: { authenticatorData: b64u(authData), clientDataJSON: b64u(clientData), signature: b64u(sig) } })
}
const challenge = () => b64u(randomBytes(32))

conformance({
  name: 'passkey',
  factor: 'first',
  options: { rpName: 'Conformance' },
  badOptions: ['text', { origin: 'not a url' }, { rpID: 'bad host/name' }],
  async setup({ inRequest, db, userId }) {
    await inRequest(() => (db as any)[CREDENTIAL_TABLE].insert({ user_id: userId, method: 'passkey', subject: credId, secret: b64u(cose(publicKey)), data: { counter: 0, transports: ['internal'] } }))
  },
  valid: async () => { const ch = challenge(); return { challenge: ch, response: assertion({ challenge: ch, counter: 5 }) } },
  wrong: async () => {
    const ch = challenge()
    return [
      { challenge: ch, response: assertion({ challenge: ch, origin: 'https://evil.example', counter: 10 }) }, // another origin
      { challenge: ch, response: assertion({ challenge: ch, counter: 5 }) }, // the counter did not grow: replayed or cloned
      { challenge: ch, response: assertion({ challenge: challenge(), counter: 11 }) }, // signed for another challenge
      { challenge: ch, response: assertion({ challenge: ch, key: other, counter: 12 }) }, // another key
      { challenge: ch, response: assertion({ challenge: ch, id: b64u(randomBytes(16)), counter: 13 }) }, // unknown credential
    ]
  },
})
