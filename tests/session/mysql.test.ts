// The database store on the local MariaDB through the conformance suite.
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { databaseConformance } from './database-store'

let mydb: TestDatabase
databaseConformance('mysql', () => mydb.uri, async () => { mydb = await createTestDatabase('mysql', 'sessions') }, () => mydb.drop())
