// Minimal typing of the part of autocannon's programmatic API the benchmark uses
// (the package ships no types and @types/autocannon is not installed).
declare module 'autocannon' {
  interface Percentiles { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p90: number; p99: number; [k: string]: number }
  export interface AutocannonResult {
    requests: Percentiles & { total: number; sent: number }
    latency: Percentiles
    throughput: Percentiles
    errors: number
    timeouts: number
    non2xx: number
    duration: number
    '2xx': number
    '4xx': number
    '5xx': number
  }
  export interface AutocannonOptions {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
    headers?: Record<string, string>
    method?: string
  }
  function autocannon(opts: AutocannonOptions): Promise<AutocannonResult>
  export default autocannon
}

// Express ships no types and @types/express is not installed: the hello world needs only this much.
declare module 'express' {
  import type { IncomingMessage, ServerResponse } from 'node:http'
  interface Response extends ServerResponse { send(body: string): void }
  interface App { (req: IncomingMessage, res: ServerResponse): void; get(path: string, fn: (req: IncomingMessage, res: Response) => void): void }
  function express(): App
  export default express
}
