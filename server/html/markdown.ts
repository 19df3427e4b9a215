/**
 * MARKDOWN(text): Markdown through the maintained `marked` parser. Raw HTML
 * in the source is escaped unless `{ allowHtml: true }`; link and image URLs
 * with an unsafe scheme (javascript:, data:, ...) are neutralised either way.
 */
import { Marked, type Token } from 'marked'
import { escapeHtml, type Renderable } from './escape'
import { isSafeUrl } from './sanitize'

function neutraliseUrls(token: Token): void {
  if ((token.type === 'link' || token.type === 'image') && !isSafeUrl(token.href)) token.href = '#'
}

// Two parser instances built once at load: per-call construction would cost more than the parse.
const escaping = new Marked({ gfm: true, async: false, walkTokens: neutraliseUrls, renderer: { html: ({ text }) => escapeHtml(text) } })
const raw = new Marked({ gfm: true, async: false, walkTokens: neutraliseUrls })

export function markdownToHtml(text: string, opts: { allowHtml?: boolean } = {}): string {
  return ((opts.allowHtml ? raw : escaping).parse(text) as string)
}

export class MarkdownElement implements Renderable {
  readonly html: string
  constructor(text: string, opts: { allowHtml?: boolean } = {}) { this.html = markdownToHtml(text, opts) }
  xml(): string { return this.html }
  toString(): string { return this.html }
}

export function MARKDOWN(text: string, opts: { allowHtml?: boolean } = {}): MarkdownElement {
  return new MarkdownElement(text, opts)
}
