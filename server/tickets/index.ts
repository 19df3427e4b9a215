/**
 * tickets/: every uncaught error of an app stored in <app>/errors/<id>.json
 * with the stack mapped to the TypeScript source and masked request vars.
 *
 *   saveTicket({ app, appFolder, error, clientIp, method, url, vars }) → id
 *   listTickets(appFolder, { date?, clientIp? }) → TicketSummary[] (newest first)
 *   readTicket(appFolder, id) → Ticket;  deleteTicket(appFolder, id) → boolean
 *   parseStack(stack, appFolder?) → Frame[];  maskVars(vars)
 *   errorLocationFrame(error, appFolder)   a compile or syntax error's file and line with its source (first frame of its ticket)
 */
export { saveTicket, listTickets, readTicket, deleteTicket, maskVars, type Ticket, type TicketSummary, type TicketInput } from './store'
export { parseStack, sourceAround, errorLocationFrame, type Frame, type SourceLine } from './stack'
export * from './errors'
