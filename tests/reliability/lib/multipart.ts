/** A multipart/form-data body as a browser sends it (fields, then files). */
import { randomBytes } from 'node:crypto'

export interface FilePart { field: string; filename: string; type: string; data: Buffer | string }

export function multipart(fields: Record<string, string>, files: FilePart[] = [], boundary = '----quarkrel' + randomBytes(8).toString('hex')): { body: Buffer; contentType: string } {
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`))
    parts.push(Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data), Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}
