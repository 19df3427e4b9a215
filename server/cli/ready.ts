/**
 * What /_quark/ready checks: every app's databases answer. Each app's models
 * run as in the admin's database pages (dbadmin.withAppDatabases), and each
 * DAL they export runs `SELECT 1`. An app whose models fail for another
 * reason than an unreachable database (a bug in the app) does not make the
 * site unready: that is a ticket's business, not the load balancer's.
 * What failed goes to the log (once per change), never to the prober.
 */
import type { AppRegistry } from '../dispatch'
import type { ReadyCheck } from '../http'

type DbAdmin = typeof import('../dbadmin')

function unavailable(e: unknown): boolean {
  const x = e as { status?: number; code?: string }
  return x?.status === 503 || x?.code === 'QK_DAL_UNAVAILABLE'
}

export function databasesReady(registry: AppRegistry, logError: (line: string) => void, skip: readonly string[] = ['admin']): ReadyCheck {
  let lastReport = ''
  return async () => {
    const dbadmin = require('../dbadmin') as DbAdmin
    const failures: string[] = []
    for (const name of registry.names()) {
      if (skip.includes(name)) continue
      const folder = registry.get(name)
      if (!folder) continue
      try {
        await dbadmin.withAppDatabases(folder, name, async (a) => {
          for (const [dbName, db] of a.dbs) {
            try { await (db as unknown as { executesql(sql: string): Promise<unknown> }).executesql('SELECT 1') } catch (e) {
              failures.push(`${name}/${dbName}: ${(e as Error)?.message ?? String(e)}`)
            }
          }
        })
      } catch (e) {
        if (unavailable(e)) failures.push(`${name}: ${(e as Error)?.message ?? String(e)}`)
      }
    }
    const report = failures.join('; ')
    if (report !== lastReport) {
      logError(report ? `quark: /_quark/ready: not ready: ${report}` : 'quark: /_quark/ready: ready again')
      lastReport = report
    }
    return failures.length === 0
  }
}
