/**
 * Maps of names to values that must not inherit Object.prototype's names
 * (`vars.constructor`, `headers.toString` are data, never methods).
 * `Object.create(null)` gives that, but V8 makes such an object a hash-table
 * "dictionary" at once: ~200 bytes and slower stores, several per request.
 * `new Dict()` inherits from one shared empty null-prototype object instead,
 * so it stays an ordinary fast object with no inherited names.
 */
export interface DictConstructor { new <V = unknown>(): Record<string, V> }

export const Dict = function Dict(this: object) { /* fields are added by the caller */ } as unknown as DictConstructor
;(Dict as unknown as { prototype: object }).prototype = Object.freeze(Object.create(null))

/** a new empty Dict */
export function dict<V = unknown>(): Record<string, V> { return new Dict<V>() }
