/**
 * The few admin answers made without a view: the "disabled" page (shown
 * before anything of the admin runs) and error bodies (HTML with a way back,
 * or JSON for the editor's fetch calls). Everything interpolated is escaped.
 */
import he from 'he'
import { URL as links, sitePathPrefix } from '../html/index'

const esc = (s: unknown) => he.escape(String(s ?? ''))

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(title)} · Quark admin</title><link rel="stylesheet" href="${esc(links.asset('bootstrap.min.css'))}"></head>` +
    `<body class="bg-light"><main class="container py-5" style="max-width:40rem">${body}</main></body></html>`
}

export function disabledPage(): string {
  return page('Admin disabled', `<h1 class="h3">The admin is disabled</h1>` +
    `<p>For safety the admin answers only to a browser on this machine, or over HTTPS.</p>` +
    `<p>Open it from the machine that runs Quark (<code>https://127.0.0.1:8000/admin</code>), or start Quark with HTTPS.</p>` +
    `<p><a href="${esc(sitePathPrefix() + '/')}">Back to the site</a></p>`)
}

/** An error answer: JSON for .json requests and fetch calls, else a page with a link back. */
export function errorBody(request: { extension?: string; ajax?: boolean; headers?: Record<string, unknown> } | undefined, status: number, message: string): string {
  const wantsJson = request?.extension === 'json' || String(request?.headers?.accept ?? '').startsWith('application/json')
  if (wantsJson) return JSON.stringify({ error: message, status })
  return page(`Error ${status}`, `<h1 class="h3">Error ${status}</h1><p class="alert alert-danger">${esc(message)}</p>` +
    `<p><a class="btn btn-primary" href="${esc(sitePathPrefix() + '/admin/default/index')}">Back to the site page</a></p>`)
}

/** 1536 → "1.5 KB" */
export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/** A timestamp as "2026-11-23 22:25:03" (UTC). */
export function shortTime(t: number | string | Date): string {
  return new Date(t).toISOString().replace('T', ' ').slice(0, 19)
}
