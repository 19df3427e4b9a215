/** The errors the cron room raises on purpose. */
import { defineError } from '../errors/index'

export const QK_CRON_BAD_SCHEDULE = defineError('QK_CRON_BAD_SCHEDULE', 500, 'Invalid cron schedule "%s": %s',
  'A crontab line has a schedule that is not five valid fields or a known @keyword.')
export const QK_CRON_BAD_TASK = defineError('QK_CRON_BAD_TASK', 500, 'Invalid cron task "%s": %s',
  'A crontab line names a task that is neither *app/controller/function nor a .ts/.js script inside the app.')
export const QK_CRON_BAD_MODE = defineError('QK_CRON_BAD_MODE', 500, 'Unknown cron mode "%s" (expected hard, soft, external or none)',
  'startCron or --cron was given a mode that does not exist.')
export const QK_CRON_BAD_ARGS = defineError('QK_CRON_BAD_ARGS', 500, 'quark cron: %s',
  'The `quark cron` command was given arguments it does not understand.')
export const QK_CRON_NO_FOLDER = defineError('QK_CRON_NO_FOLDER', 500, 'Folder not found: %s',
  'The folder given to cron (the site folder or its applications/ folder) does not exist.')
export const QK_CRON_BAD_LEASE = defineError('QK_CRON_BAD_LEASE', 500, 'Bad cron lease configuration in %s: %s',
  'applications/cron.json has a "lease" that names no known store (redis, database) or lacks its url/uri.')
