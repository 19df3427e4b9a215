/**
 * Imported first by the binary's entry. Inside a single-executable app, Node
 * warns once when the embedded main script's require() is asked for a
 * non-built-in module; Quark's optional-room loading asks on purpose (and
 * falls back), so that warning would only confuse the person running
 * `quark --version`. Every other warning still prints through Node's own
 * listeners.
 */
const SEA_REQUIRE_WARNING = 'Currently the require() provided to the main script embedded into single-executable applications'

const nodeListeners = process.listeners('warning')
process.removeAllListeners('warning')
process.on('warning', (warning: Error) => {
  if (typeof warning?.message === 'string' && warning.message.startsWith(SEA_REQUIRE_WARNING)) return
  for (const listener of nodeListeners) (listener as (w: Error) => void).call(process, warning)
})
export {}
