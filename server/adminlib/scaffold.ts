/**
 * A new app made from the scaffold calls itself by its own name: its brand
 * and <title> (settings.appName), the comments that show its URLs
 * (/welcome/default/... → /notes/default/...), and a README of its own.
 * Used by the admin's "create app" and by `quark new`. Only the scaffold's
 * known spots are rewritten, and only while they still read as the
 * scaffold wrote them, so a customised scaffold is left alone.
 */
import fs from 'node:fs'
import path from 'node:path'

/** "my_notes" → "My notes": the title a person reads. */
export function appTitle(name: string): string {
  const words = name.replace(/_+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

const TEXT_FILES = /\.(ts|js|css|html|md|txt)$/

function walk(dir: string, out: string[]): string[] {
  let entries: fs.Dirent[]
  try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return out }
  for (const e of entries) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) walk(full, out)
    else if (TEXT_FILES.test(e.name) && !e.name.includes('.min.')) out.push(full)
  }
  return out
}

export function adaptScaffold(appFolder: string, name: string): void {
  const title = appTitle(name)
  for (const sub of ['models', 'controllers', 'views', 'modules', 'static', 'private', 'tests']) {
    for (const file of walk(path.join(appFolder, sub), [])) {
      const text = fs.readFileSync(file, 'utf8')
      const out = text
        .replace(/\/welcome\/(?=[a-z_]+\/)/g, `/${name}/`)
        .replace(/\bThe welcome app\b/g, `The ${name} app`)
        .replace(/^(\s*appName:\s*)'Welcome'/m, (_m, lead: string) => `${lead}'${title}'`) // names are [A-Za-z0-9_]: no quote to escape
      if (out !== text) fs.writeFileSync(file, out)
    }
  }
  const readme = path.join(appFolder, 'README.md')
  if (!fs.existsSync(readme)) {
    fs.writeFileSync(readme, `# ${title}\n\nA Quark app, made from the scaffold. Its pages start at \`/${name}/default/index\`.\n\n` +
      `- \`models/\` the database and auth (\`models/db.ts\`), the settings (\`models/0_config.ts\`: the name shown in the brand and the title)\n` +
      `- \`controllers/\` the actions, \`views/\` their pages, \`static/\` CSS and scripts, \`languages/\` translations, \`tests/\` the app's tests\n`)
  }
}
