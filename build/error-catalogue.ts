/**
 * Prints the error catalogue (every code any room declares with defineError)
 * as a Markdown table: `node --import tsx build/error-catalogue.ts`.
 * README.md's "Error codes" section is this output; tests/errors checks
 * they agree.
 */
import { catalogue } from '../server/errors'

export const ROOMS = ['http', 'dispatch', 'environment', 'session', 'tickets', 'cli', 'html', 'template', 'services', 'dal', 'validators',
  'i18n', 'cache', 'forms', 'auth', 'realtime', 'adminlib', 'cron', 'scheduler', 'dbadmin', 'pack', 'compile', 'sea']

export function loadAllRooms(): void {
  for (const room of ROOMS) require(`../server/${room}`)
}

export function catalogueMarkdown(): string {
  loadAllRooms()
  const rows = catalogue().map((e) => `| ${e.code} | ${e.status} | ${e.template.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`)
  return ['| code | HTTP status | message |', '| --- | --- | --- |', ...rows].join('\n')
}

if (require.main === module) process.stdout.write(catalogueMarkdown() + '\n')
