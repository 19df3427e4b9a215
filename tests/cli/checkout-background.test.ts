// `npx quark cron` and `npx quark scheduler` from a checkout, as separate processes started in an
// empty folder. Issue #16: `quark scheduler` crashed there (its workers were forked without the .ts
// loader) and its supervisor restarted them every second forever, while every in-process test passed.
import { checkout } from './helpers'
import { backgroundCases } from './suite'

backgroundCases(checkout)
