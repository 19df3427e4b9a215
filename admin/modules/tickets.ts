/**
 * The core's ticket store (server/tickets), reached through adminlib so the
 * admin's code never imports files outside its folder.
 */
import { adminlib } from './adminlib'

type Tickets = typeof import('../../server/tickets/index')
export const { listTickets, readTicket, deleteTicket }: Tickets = adminlib.ticketsApi()
