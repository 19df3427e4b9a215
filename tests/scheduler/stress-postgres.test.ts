import { createTestDatabase } from '../helpers/databases'
import { stressSuite } from './stress'

stressSuite('postgres', () => createTestDatabase('postgres', 'sched_stress'))
