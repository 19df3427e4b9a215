// The scheduler's behaviour suite on MySQL/MariaDB: three worker processes, one SIGKILLed mid-task, dependencies, terminate/kill.
import { schedulerSuite } from './suite'
import { createTestDatabase } from '../helpers/databases'

schedulerSuite('mysql', () => createTestDatabase('mysql', 'sched'))
