/**
 * tickets/: every uncaught error of an app stored in <app>/errors/<id>.json
 * with the stack mapped to the TypeScript source and masked request vars.
 *
 *   saveTicket({ app, appFolder, error, clientIp, method, url, vars }) → id
 *   listTickets(appFolder, { date?, clientIp? }) → TicketSummary[] (newest first; each with its location in the app, "file:line")
 *   ticketLocation(frames, appFolder)         the first frame inside the app as "path:line" (how the errors page groups)
 *   readTicket(appFolder, id) → Ticket;  deleteTicket(appFolder, id) → boolean
 *   parseStack(stack, appFolder?) → Frame[];  maskVars(vars)
 *   errorLocationFrame(error, appFolder)   a compile or syntax error's file and line with its source (first frame of its ticket)
 */
export { saveTicket, listTickets, readTicket, deleteTicket, maskVars, ticketLocation, type Ticket, type TicketSummary, type TicketInput } from './store'
export { parseStack, sourceAround, errorLocationFrame, type Frame, type SourceLine } from './stack'
export * from './errors'
