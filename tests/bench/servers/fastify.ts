/** Fastify's hello world, as its documentation writes it. */
import Fastify, { type FastifyInstance } from 'fastify'
import { benchPort, benchTls } from './tls'

const tls = benchTls()
// Fastify's types differ between its http and https instances; the route is the same.
const app = (tls ? Fastify({ https: tls }) : Fastify()) as unknown as FastifyInstance
app.get('/', async () => 'Hello World')
app.listen({ port: benchPort(), host: '127.0.0.1' }).then(() => console.log('listening'))
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
