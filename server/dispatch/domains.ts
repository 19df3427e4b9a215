/**
 * The host names the site's router maps to apps (`routers.BASE.domains` of the site's routes
 * file): a site that serves shop.example from an app has said that name is its own, so the Host
 * check (--allowed-hosts) lets it through without the operator listing it a second time.
 * Read through loadRoutes (a stat at most once a second), so an added domain counts within it.
 */
import { loadRoutes } from './config'

const HOST_PORT = /^([a-z0-9.-]+)(?::\d+)?$/i

let cached: { folder: string; version: number; names: ReadonlySet<string> } | undefined

/** Lower-case host names (without port) of the site's `domains`; empty when there are none. */
export function routeDomainNames(folder: string): ReadonlySet<string> {
  const e = loadRoutes(folder)
  if (cached && cached.folder === folder && cached.version === e.version) return cached.names
  const names = new Set<string>()
  const routers = e.value?.routers as Record<string, unknown> | undefined
  const base = routers && typeof routers === 'object' ? routers.BASE as Record<string, unknown> | undefined : undefined
  const domains = base && typeof base === 'object' ? base.domains : undefined
  if (domains && typeof domains === 'object' && !Array.isArray(domains)) {
    // only well-formed keys: the router refuses the file for the others (reported by it)
    for (const key of Object.keys(domains)) {
      const m = HOST_PORT.exec(key)
      if (m) names.add(m[1]!.toLowerCase().replace(/\.$/, ''))
    }
  }
  cached = { folder, version: e.version, names }
  return names
}
