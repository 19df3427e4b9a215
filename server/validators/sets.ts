/**
 * Membership in a fixed set: IS_IN_SET (the options of a select). The
 * database-backed IS_IN_DB / IS_NOT_IN_DB live in indb.ts and share the
 * helpers for `multiple` below.
 */
import { BaseValidator, factory, pyFormat, safeString, type MessageOption } from './base'

export type Multiple = boolean | [number, number]
export type Pairs = Array<[string, string]>
type TheSet = unknown[] | Record<string, unknown> | (() => unknown[] | Record<string, unknown>)

export interface InSetOptions extends MessageOption {
  labels?: unknown[]
  multiple?: Multiple
  /** label of the empty first option of a select; null for none */
  zero?: string | null
  sort?: boolean
}

export function listOf(value: unknown, multiple: Multiple | undefined): unknown[] {
  if (!multiple) return [value]
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return []
  return Array.isArray(value) ? value : [value]
}

export function countOk(multiple: Multiple | undefined, n: number): boolean {
  return !Array.isArray(multiple) || (multiple[0] <= n && n < multiple[1])
}

export class IsInSet extends BaseValidator {
  readonly multiple?: Multiple
  private readonly message: string
  constructor(private readonly theset: TheSet, private readonly opts: InSetOptions = {}) {
    super()
    this.multiple = opts.multiple
    this.message = messageOf2(opts, 'Value not allowed')
  }
  /** [value, label] pairs for a select; with the zero option first unless `zero` is false or multiple. */
  options(zero = true): Pairs {
    // a function that returns nothing at all lists no options
    const raw = (typeof this.theset === 'function' ? this.theset() : this.theset) ?? []
    let items: Pairs
    if (Array.isArray(raw)) {
      if (raw.length && Array.isArray(raw[0]) && (raw[0] as unknown[]).length === 2) items = (raw as unknown[][]).map(([k, l]) => [String(k), String(l)])
      else items = raw.map((k, i) => [String(k), String(this.opts.labels ? this.opts.labels[i] : k)])
    } else {
      items = Object.entries(raw).map(([k, l]) => [k, String(l)])
    }
    if (this.opts.sort) items.sort((a, b) => (a[1].toUpperCase() > b[1].toUpperCase() ? 1 : -1))
    const z = this.opts.zero === undefined ? '' : this.opts.zero
    if (zero && z !== null && !this.multiple) items.unshift(['', z])
    return items
  }
  protected check(value: unknown) {
    const keys = new Set(this.options(false).map(([k]) => k))
    const values = listOf(value, this.multiple)
    if (!countOk(this.multiple, values.length)) this.fail(this.message)
    // web2py accepts anything only when the set itself is empty; a function is
    // always a set, so one that lists no options refuses every value
    const open = !keys.size && typeof this.theset !== 'function'
    if (!open && values.some((v) => !keys.has(safeString(v)))) this.fail(this.message)
    return this.multiple ? values : value
  }
}

export function messageOf2(opts: MessageOption | undefined, d: string): string {
  return opts?.errorMessage ?? opts?.error_message ?? d
}

export const IS_IN_SET = factory(IsInSet)
export { pyFormat }
