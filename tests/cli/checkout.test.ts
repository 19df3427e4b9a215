// Every `quark` command from a checkout exactly as the README says: `npx quark <command>`, each a
// separate process started in an empty folder (npx --prefix <checkout>), real effects checked.
// cron and scheduler are in checkout-background.test.ts (the two files run side by side).
import { checkout } from './helpers'
import { commandCases } from './suite'

commandCases(checkout)
