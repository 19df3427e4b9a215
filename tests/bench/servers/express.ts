/** Express's hello world, as its documentation writes it. */
import express from 'express'
import http from 'node:http'
import https from 'node:https'
import { benchPort, benchTls } from './tls'

const app = express()
app.get('/', (_req, res) => { res.send('Hello World') })
const tls = benchTls()
const server = tls ? https.createServer(tls, app) : http.createServer(app)
server.listen(benchPort(), '127.0.0.1', () => console.log('listening'))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
