import { defineError } from '../errors/index'

export const QK_TEMPLATE_NOT_FOUND = defineError('QK_TEMPLATE_NOT_FOUND', 500, 'Template not found: %s', 'A view, layout or included file does not exist in the views folder')
export const QK_TEMPLATE_BAD_PATH = defineError('QK_TEMPLATE_BAD_PATH', 500, 'Template path outside the views folder: %s', 'A view name tried to leave the views folder (.. or absolute path)')
export const QK_TEMPLATE_SYNTAX = defineError('QK_TEMPLATE_SYNTAX', 500, 'Template syntax error in %s:%s: %s', 'A template directive is malformed (unclosed {{, {{block}} without {{end}}, ...)')
export const QK_TEMPLATE_COMPILE = defineError('QK_TEMPLATE_COMPILE', 500, 'Template code error in %s:%s: %s', 'The TypeScript inside a template does not compile')
export const QK_TEMPLATE_RECURSION = defineError('QK_TEMPLATE_RECURSION', 500, 'Template extends or includes itself: %s', 'A chain of {{extend}}/{{include}} loops back to a file already being compiled')
export const QK_TEMPLATE_BAD_DELIMITERS = defineError('QK_TEMPLATE_BAD_DELIMITERS', 500, 'Bad template delimiters: %s', 'response.delimiters or a view\'s {{delimiters}} line must be two different strings of 1 to 8 characters without spaces')
export const QK_TEMPLATE_PRECOMPILED_DELIMITERS = defineError('QK_TEMPLATE_PRECOMPILED_DELIMITERS', 500, 'Precompiled view %s cannot use response.delimiters %s', 'Compiled apps render views as compiled: declare the delimiters in the view\'s first line ({{delimiters \'[[\' \']]\'}}) instead')
