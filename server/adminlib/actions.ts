/**
 * The actions of a controller, for the design page's links: every exported
 * function or exported const (e.g. `export const secret = auth.requiresLogin(...)`)
 * whose name does not start with `_`. Found by parsing the TypeScript with
 * the `typescript` package, so comments, strings and nested functions never
 * count, and each action's line is known (the editor opens there).
 */
import type * as TS from 'typescript'

// Loaded on first use: the compiler is ~9 MB of JavaScript, too much to evaluate on every start.
let tsLib: typeof TS | undefined
const typescript = (): typeof TS => (tsLib ??= require('typescript') as typeof TS)

export interface ControllerAction { name: string; line: number }

function exported(node: TS.Node): boolean {
  const ts = typescript()
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined
  return !!mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) && !mods.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)
}

export function listControllerActions(source: string, fileName = 'controller.ts'): ControllerAction[] {
  const ts = typescript()
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
  const found = new Map<string, number>()
  const add = (name: string, node: TS.Node) => {
    if (!/^[A-Za-z$][\w$]*$/.test(name) || found.has(name)) return
    found.set(name, sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1)
  }
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && exported(st)) add(st.name.text, st)
    else if (ts.isVariableStatement(st) && exported(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) add(d.name.text, d)
    } else if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause) && !st.isTypeOnly) {
      for (const el of st.exportClause.elements) if (!el.isTypeOnly) add(el.name.text, el)
    }
  }
  return [...found].map(([name, line]) => ({ name, line })).sort((a, b) => a.line - b.line)
}
