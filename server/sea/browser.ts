/**
 * Opening the default browser on first start (a double-click should show the
 * app). A headless machine (no DISPLAY / WAYLAND_DISPLAY on Linux, an SSH
 * session) must not fail: the URL is printed anyway, so every failure here
 * is silent.
 */
import { spawn } from 'node:child_process'

export function hasDesktop(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (env.CI === 'true' || env.QUARK_NO_BROWSER === '1') return false
  if (platform === 'win32' || platform === 'darwin') return !env.SSH_CONNECTION
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY) && !env.SSH_CONNECTION
}

/** Open `url` (http/https only) in the default browser; true when a launcher was started. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!/^https?:\/\/[^\s"'`]+$/.test(url)) return false
  if (!hasDesktop(env)) return false
  const [cmd, args] = process.platform === 'win32'
    ? ['cmd', ['/c', 'start', '""', url]]
    : process.platform === 'darwin' ? ['open', [url]] : ['xdg-open', [url]]
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true, windowsHide: true })
    child.on('error', () => { /* no launcher installed: the printed URL is enough */ })
    child.unref()
    return true
  } catch {
    return false
  }
}
