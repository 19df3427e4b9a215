// The database store on the local PostgreSQL through the conformance suite.
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { databaseConformance } from './database-store'

let pgdb: TestDatabase
databaseConformance('postgres', () => pgdb.uri, async () => { pgdb = await createTestDatabase('postgres', 'sessions') }, () => pgdb.drop())
