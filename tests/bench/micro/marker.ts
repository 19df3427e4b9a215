/** The prefix of the line that carries the micro-benchmarks' results from their process to the runner. */
export const JSON_MARK = 'MICRO_RESULTS '
