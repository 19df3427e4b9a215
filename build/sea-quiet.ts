/**
 * Imported first by the binary's entry. Inside a single-executable app, Node
 * warns once when the embedded main script's require() is asked for a
 * non-built-in module; Quark's optional-room loading asks on purpose (and
 * falls back), so that warning would only confuse the person running
 * `quark --version`. Every other warning still prints.
 */
const emit = process.emitWarning.bind(process)
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning?.message
  if (typeof text === 'string' && text.startsWith('Currently the require() provided to the main script embedded into single-executable applications')) return
  return (emit as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest)
}) as typeof process.emitWarning
export {}
