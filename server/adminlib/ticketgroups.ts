/**
 * The errors page groups an app's tickets by where the error came from: the
 * source location in the app (file and line), so one faulty line is one
 * group whatever its message says ("no row 17", "no row 18", a message with a
 * user's input in it). The messages seen there are listed inside the group
 * as variants. Tickets without a location in the app (an error inside the
 * framework) are grouped by their message with digits and ids blurred.
 * Newest group first, with counts.
 */
export interface TicketLike { id: string; time: string; clientIp: string; url: string; error: string; location?: string }
export interface TicketVariant { error: string; count: number }
export interface TicketGroup {
  key: string
  /** "controllers/default.ts:12", or undefined for a group made by message */
  location?: string
  /** the newest message */
  error: string
  /** the distinct messages seen here (blurred alike count as one), most frequent first */
  variants: TicketVariant[]
  count: number; first: string; last: string; ids: string[]; urls: string[]; clients: string[]
}

const MAX_VARIANTS = 10

/** The error text with digits and ids blurred, so "row 17" and "row 18" are one message. */
export function errorKey(error: string): string {
  return error.replace(/0x[0-9a-f]+/gi, 'N').replace(/\d+/g, 'N').replace(/'[^']{20,}'/g, "'…'").slice(0, 300)
}

export function groupTickets(tickets: TicketLike[]): TicketGroup[] {
  const groups = new Map<string, TicketGroup & { variantKeys: Map<string, TicketVariant> }>()
  for (const t of tickets) {
    const key = t.location ? `at ${t.location}` : errorKey(t.error)
    let g = groups.get(key)
    if (!g) {
      g = { key, location: t.location, error: t.error, variants: [], variantKeys: new Map(), count: 0, first: t.time, last: t.time, ids: [], urls: [], clients: [] }
      groups.set(key, g)
    }
    g.count++
    g.ids.push(t.id)
    if (t.time < g.first) g.first = t.time
    if (t.time > g.last) { g.last = t.time; g.error = t.error }
    const vk = errorKey(t.error)
    const v = g.variantKeys.get(vk)
    if (v) v.count++
    else if (g.variantKeys.size < MAX_VARIANTS) g.variantKeys.set(vk, { error: t.error, count: 1 })
    if (!g.urls.includes(t.url) && g.urls.length < 5) g.urls.push(t.url)
    if (!g.clients.includes(t.clientIp) && g.clients.length < 10) g.clients.push(t.clientIp)
  }
  return [...groups.values()]
    .map(({ variantKeys, ...g }) => ({ ...g, variants: [...variantKeys.values()].sort((a, b) => b.count - a.count) }))
    .sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0))
}
