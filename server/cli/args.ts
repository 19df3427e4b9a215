/** Command-line flags: a small parser shared by every command (no package needed). */
import { QK_CLI_USAGE } from './errors'

export interface FlagSpec {
  /** long name without dashes, e.g. folder */
  name: string
  short?: string
  /** takes a value (otherwise boolean) */
  value?: boolean
  help: string
}

export interface Parsed { flags: Record<string, string | boolean>; positional: string[] }

export function parseArgs(argv: string[], specs: FlagSpec[]): Parsed {
  const flags: Record<string, string | boolean> = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') { positional.push(...argv.slice(i + 1)); break }
    if (!a.startsWith('-') || a === '-') { positional.push(a); continue }
    let name: string
    let inline: string | undefined
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      name = eq === -1 ? a.slice(2) : a.slice(2, eq)
      inline = eq === -1 ? undefined : a.slice(eq + 1)
    } else {
      const spec = specs.find((s) => s.short === a.slice(1))
      if (!spec) throw new QK_CLI_USAGE(`unknown flag ${a} (see --help)`)
      name = spec.name
    }
    const spec = specs.find((s) => s.name === name)
    if (!spec) throw new QK_CLI_USAGE(`unknown flag ${a} (see --help)`)
    if (spec.value) {
      const v = inline ?? argv[++i]
      if (v === undefined || (inline === undefined && v.startsWith('-') && v !== '-')) throw new QK_CLI_USAGE(`flag --${name} needs a value`)
      flags[name] = v
    } else {
      if (inline !== undefined) throw new QK_CLI_USAGE(`flag --${name} takes no value`)
      flags[name] = true
    }
  }
  return { flags, positional }
}

export function flagHelp(specs: FlagSpec[]): string {
  return specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ' <value>' : ''}`
    return `  ${left.padEnd(28)} ${s.help}`
  }).join('\n')
}
