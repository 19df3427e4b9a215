/**
 * Where compiled code came from: every file Quark compiles at run time (app
 * TypeScript through esbuild, templates through the template compiler)
 * registers how its compiled lines map back to the source, under the
 * filename it was compiled with. Tickets use `originalPosition` to show the
 * TypeScript or template line of each stack frame.
 */
import { SourceMap } from 'node:module'

export interface OriginalPosition { source: string; line: number; column: number }

type Mapper = (line: number, column: number) => OriginalPosition | undefined

const mappers = new Map<string, Mapper>()

/** A v3 source map (as esbuild returns it) for code compiled under `filename`. */
export function registerSourceMap(filename: string, sourceFile: string, map: string | object): void {
  // parsed on the first lookup (a ticket), not at registration: most compiled files never raise one,
  // and parsing every map cost ~20 ms of a process's first request
  let sm: SourceMap | undefined
  mappers.set(filename, (line, column) => {
    sm ??= new SourceMap((typeof map === 'string' ? JSON.parse(map) : map) as never)
    // SourceMap works with 0-based lines and columns; stack traces are 1-based.
    const e = sm.findEntry(line - 1, Math.max(0, column - 1)) as { originalLine?: number; originalColumn?: number }
    if (!e || e.originalLine === undefined) return undefined
    return { source: sourceFile, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 }
  })
}

/** A custom line mapper, e.g. a template compiler's table of generated line → template line. */
export function registerLineMapper(filename: string, mapper: Mapper): void {
  mappers.set(filename, mapper)
}

export function forgetSourceMap(filename: string): void {
  mappers.delete(filename)
}

/** The source position of a compiled (1-based) position, if the file was registered. */
export function originalPosition(filename: string, line: number, column: number): OriginalPosition | undefined {
  return mappers.get(filename)?.(line, column)
}
