// The database store on SQLite (one file shared by both processes) through the conformance suite.
import { databaseConformance } from './database-store'

databaseConformance('sqlite', () => 'sqlite://sessions.sqlite')
