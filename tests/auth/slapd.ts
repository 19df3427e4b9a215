/**
 * Debian's slapd for the LDAP tests: its own config and database under a
 * temp folder, loaded from an LDIF by slapadd, started on a spare port as a
 * child in the foreground (-d 0), stopped by the test. `start()` answers
 * null with the reason when slapd is not installed or cannot start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../helpers/ports'

export const SUFFIX = 'dc=example,dc=com'
export const LDIF = `dn: ${SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: uid=alan,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: alan
cn: Alan Turing
givenName: Alan
sn: Turing
mail: alan@example.com
userPassword: enigma-1912

dn: uid=joan,ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: joan
cn: Joan Clarke
givenName: Joan
sn: Clarke
mail: joan@example.com
userPassword: bombe-1917

dn: cn=codebreakers,ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: codebreakers
member: uid=alan,ou=people,${SUFFIX}
`

export interface Slapd { url: string; stop(): Promise<void> }

const SLAPD = ['/usr/sbin/slapd', '/usr/local/sbin/slapd'].find((p) => fs.existsSync(p))
const SLAPADD = ['/usr/sbin/slapadd', '/usr/local/sbin/slapadd'].find((p) => fs.existsSync(p))

export async function startSlapd(): Promise<Slapd | string> {
  if (!SLAPD || !SLAPADD) return 'slapd is not installed (apt-get install slapd ldap-utils)'
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-slapd-'))
  fs.mkdirSync(path.join(dir, 'db'))
  const conf = path.join(dir, 'slapd.conf')
  fs.writeFileSync(conf, [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${dir}/slapd.pid`, 'modulepath /usr/lib/ldap', 'moduleload back_mdb',
    'database mdb', `suffix "${SUFFIX}"`, `rootdn "cn=admin,${SUFFIX}"`, 'rootpw admin-secret', `directory ${dir}/db`, 'maxsize 10485760',
    // users may read the directory once bound; anonymous binds only to authenticate
    'access to attrs=userPassword by anonymous auth by self write by * none', 'access to * by users read by anonymous auth',
  ].join('\n') + '\n')
  fs.writeFileSync(path.join(dir, 'data.ldif'), LDIF)
  const add = spawnSync(SLAPADD, ['-f', conf, '-l', path.join(dir, 'data.ldif')], { encoding: 'utf8' })
  if (add.status !== 0) { fs.rmSync(dir, { recursive: true, force: true }); return `slapadd failed: ${add.stderr}` }
  const port = await freePort()
  const url = `ldap://127.0.0.1:${port}`
  const child: ChildProcess = spawn(SLAPD, ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => { err += d })
  let exited = false
  child.on('exit', () => { exited = true })
  for (let i = 0; i < 200; i++) {
    if (exited) break
    const up = await new Promise<boolean>((r) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true) }); c.on('error', () => r(false)) })
    if (up) {
      return {
        url,
        stop: async () => {
          if (!exited) { child.kill('SIGTERM'); for (let j = 0; j < 100 && !exited; j++) await new Promise((w) => setTimeout(w, 50)) }
          if (!exited) child.kill('SIGKILL')
          fs.rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    await new Promise((w) => setTimeout(w, 50))
  }
  child.kill('SIGKILL')
  fs.rmSync(dir, { recursive: true, force: true })
  return `slapd did not start: ${err.slice(0, 500)}`
}
