/** The conformance suite (suite.ts) run by the API-key method (auth.enable('apikey'), issue #23). */
import { conformance } from './suite'

let key = ''
let other = ''
conformance({
  name: 'apikey',
  factor: 'first',
  badOptions: [5, 'text', { tables: ['x'] }],
  async setup({ auth, inRequest, userId }) {
    key = (await inRequest(() => auth.createApiKey(userId, 'conformance'))).key
    // a key made then revoked is refused like an unknown one
    const revoked = await inRequest(() => auth.createApiKey(userId, 'revoked'))
    await inRequest(() => auth.revokeApiKey(userId, revoked.id))
    other = revoked.key
  },
  valid: async () => ({ key }),
  wrong: async () => [
    { key: other },
    { key: 'qk_' + 'A'.repeat(32) },
    { key: key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A') },
    { key: key + "' OR '1'='1" },
  ],
})
