/** Mail: development file and log line, SMTP to a real (minimal, in-test) SMTP server, bad input. */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Mail, readMailLog, QK_MAIL_BAD_MESSAGE, QK_MAIL_NOT_CONFIGURED } from '../../server/auth'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-mail-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** An SMTP server speaking just enough of RFC 5321 for one client; records each message. */
function smtpServer(): Promise<{ port: number; messages: { from: string; to: string[]; data: string }[]; close(): void }> {
  const messages: { from: string; to: string[]; data: string }[] = []
  const server = net.createServer((sock) => {
    let buf = '', inData = false, from = '', to: string[] = [], data = ''
    sock.write('220 test ESMTP\r\n')
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8')
      let i: number
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        if (inData) {
          if (line === '.') { inData = false; messages.push({ from, to, data }); sock.write('250 queued\r\n') } else data += line + '\n'
          continue
        }
        const cmd = line.slice(0, 4).toUpperCase()
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250 test\r\n')
        else if (cmd === 'MAIL') { from = /<(.*)>/.exec(line)?.[1] ?? ''; to = []; data = ''; sock.write('250 ok\r\n') }
        else if (cmd === 'RCPT') { to.push(/<(.*)>/.exec(line)?.[1] ?? ''); sock.write('250 ok\r\n') }
        else if (cmd === 'DATA') { inData = true; sock.write('354 go\r\n') }
        else if (cmd === 'QUIT') { sock.end('221 bye\r\n') }
        else sock.write('250 ok\r\n')
      }
    })
    sock.on('error', () => {})
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, messages, close: () => server.close() })))
}

test('development mode: one JSON line per message in the file, a one-line summary without the body in the log', async () => {
  const lines: string[] = []
  const file = path.join(dir, 'mail.log')
  const mail = new Mail({ logFile: file, log: (l) => lines.push(l), sender: 'app@example.com' })
  assert.equal(await mail.send({ to: 'a@example.com', subject: 'Hello', message: 'secret link https://x/y?key=abc' }), true)
  assert.equal(await mail.send({ to: ['b@example.com', 'c@example.com'], cc: 'd@example.com', subject: 'Two', message: 'second' }), true)
  const got = readMailLog(file)
  assert.equal(got.length, 2)
  assert.deepEqual(got[0].to, ['a@example.com'])
  assert.equal(got[0].from, 'app@example.com')
  assert.equal(got[0].message, 'secret link https://x/y?key=abc')
  assert.deepEqual(got[1].to, ['b@example.com', 'c@example.com'])
  assert.equal(lines.length, 2)
  assert.match(lines[0], /to a@example.com subject "Hello"/)
  assert.ok(!lines.join('\n').includes('key=abc'), 'bodies stay out of log lines')
})

test('SMTP: the message reaches a real SMTP server', async () => {
  const smtp = await smtpServer()
  try {
    const mail = new Mail({ server: `smtp://127.0.0.1:${smtp.port}`, sender: 'app@example.com' })
    const ok = await mail.send({ to: 'x@example.com', bcc: 'y@example.com', subject: 'Over SMTP', message: 'Hello over the wire' })
    assert.equal(ok, true, String(mail.error))
    assert.equal(smtp.messages.length, 1)
    assert.equal(smtp.messages[0].from, 'app@example.com')
    assert.deepEqual(smtp.messages[0].to.sort(), ['x@example.com', 'y@example.com'])
    assert.match(smtp.messages[0].data, /Subject: Over SMTP/)
    assert.match(smtp.messages[0].data, /Hello over the wire/)
    assert.doesNotMatch(smtp.messages[0].data, /y@example.com/, 'bcc is not in the headers')
  } finally { smtp.close() }
})

test('SMTP failure: send() answers false and sets mail.error', async () => {
  const probe = net.createServer()
  const port = await new Promise<number>((r) => probe.listen(0, '127.0.0.1', () => r((probe.address() as net.AddressInfo).port)))
  probe.close()
  const mail = new Mail({ server: `127.0.0.1:${port}`, timeout: 2000 })
  assert.equal(await mail.send({ to: 'x@example.com', subject: 's', message: 'm' }), false)
  assert.match(String(mail.error), /ECONNREFUSED|connect/i)
})

test('bad messages are refused before anything is sent', async () => {
  const mail = new Mail({ logFile: path.join(dir, 'bad.log'), log: () => {} })
  await assert.rejects(mail.send({ to: [], subject: 's' }), QK_MAIL_BAD_MESSAGE)
  await assert.rejects(mail.send({ to: 'not an address', subject: 's' }), QK_MAIL_BAD_MESSAGE)
  await assert.rejects(mail.send({ to: 'a@example.com\r\nBcc: evil@example.com', subject: 's' }), QK_MAIL_BAD_MESSAGE)
  await assert.rejects(mail.send({ to: 'a@example.com', subject: 'x\r\nBcc: evil@example.com' }), QK_MAIL_BAD_MESSAGE)
  assert.equal(fs.existsSync(path.join(dir, 'bad.log')), false)
  await assert.rejects(new Mail({ log: () => {} }).send({ to: 'a@example.com', subject: 's' }), QK_MAIL_NOT_CONFIGURED, 'no app folder outside a request and no absolute file')
})
