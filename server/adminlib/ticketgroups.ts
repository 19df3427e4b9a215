/**
 * The errors page groups an app's tickets by error (same message at the same
 * source place counts as one error), newest group first, with counts.
 */
export interface TicketLike { id: string; time: string; clientIp: string; url: string; error: string }
export interface TicketGroup { key: string; error: string; count: number; first: string; last: string; ids: string[]; urls: string[]; clients: string[] }

/** Group by the error text with digits and ids blurred, so "row 17" and "row 18" are one error. */
export function errorKey(error: string): string {
  return error.replace(/0x[0-9a-f]+/gi, 'N').replace(/\d+/g, 'N').replace(/'[^']{20,}'/g, "'…'").slice(0, 300)
}

export function groupTickets(tickets: TicketLike[]): TicketGroup[] {
  const groups = new Map<string, TicketGroup>()
  for (const t of tickets) {
    const key = errorKey(t.error)
    let g = groups.get(key)
    if (!g) { g = { key, error: t.error, count: 0, first: t.time, last: t.time, ids: [], urls: [], clients: [] }; groups.set(key, g) }
    g.count++
    g.ids.push(t.id)
    if (t.time < g.first) g.first = t.time
    if (t.time > g.last) { g.last = t.time; g.error = t.error }
    if (!g.urls.includes(t.url) && g.urls.length < 5) g.urls.push(t.url)
    if (!g.clients.includes(t.clientIp) && g.clients.length < 10) g.clients.push(t.clientIp)
  }
  return [...groups.values()].sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0))
}
