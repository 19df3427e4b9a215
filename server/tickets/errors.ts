/** Errors the tickets room raises on purpose. */
import { defineError } from '../errors'

export const QK_TICKETS_BAD_ID = defineError('QK_TICKETS_BAD_ID', 400, 'Invalid ticket id: %s', 'Ticket ids are letters, digits, dots and dashes only.')
export const QK_TICKETS_NOT_FOUND = defineError('QK_TICKETS_NOT_FOUND', 404, 'No such ticket: %s', 'The ticket was deleted or never existed.')
