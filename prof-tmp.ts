import { startQuark } from './server/cli'
startQuark({ folder: '/tmp/qkb', port: 8793, https: false, quiet: true }).then((s) => { setTimeout(() => s.close().then(() => process.exit(0)), 10000) })
