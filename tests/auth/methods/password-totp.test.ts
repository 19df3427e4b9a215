/** The conformance suite (suite.ts) run by the password and TOTP methods. */
import { conformance } from './suite'
import { CREDENTIAL_TABLE, newSecret } from '../../../server/auth'
import { codeAt } from '../totpRef'

conformance({
  name: 'password',
  factor: 'first',
  badOptions: [],
  valid: async () => ({ email: 'conf-password@example.com', password: 'correct horse 1' }),
  wrong: async () => [
    { email: 'conf-password@example.com', password: 'wrong horse 1' },
    { email: 'nobody@example.com', password: 'correct horse 1' },
    { email: 'conf-password@example.com*', password: 'correct horse 1' },
    { email: "conf-password@example.com' OR '1'='1", password: "' OR '1'='1" },
  ],
})

let secret = ''
let step = 0
conformance({
  name: 'totp',
  factor: 'second',
  options: { issuer: 'Conformance' },
  badOptions: [{ window: -1 }, { window: 1.5 }, { window: 99 }, 'text'],
  async setup({ auth, db, inRequest, userId }) {
    secret = newSecret()
    await inRequest(() => (db as any)[CREDENTIAL_TABLE].insert({ user_id: userId, method: 'totp', secret, data: { confirmed: true, lastStep: 0, recovery: [] } }))
    void auth
  },
  // each valid credential is a code of a later step (a code serves once)
  valid: async () => ({ code: await codeAt(secret, step++ - 1) }),
  wrong: async () => [
    { code: await codeAt(secret, -1) }, // already used by valid()
    { code: await codeAt(secret, 5) }, // outside the window
    { code: '12345' }, { code: 'abcdef' }, { code: '1234567' }, { code: 'aaaaa-bbbbb' },
  ],
})
