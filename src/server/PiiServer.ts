/**
 * The one HTTP server behind `npm start`: the built app today; the relay
 * and the personal node join it on the same port in later issues.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { StaticSite } from './staticSite.ts'

export interface PiiServerOptions {
  /** Folder of the built app (dist/app). */
  readonly appRoot: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
}

export interface RunningPiiServer {
  readonly url: string
  readonly server: Server
  close(): Promise<void>
}

export async function startPiiServer(options: PiiServerOptions): Promise<RunningPiiServer> {
  const site = await StaticSite.load(options.appRoot)
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      response.end(JSON.stringify({ status: 'ok' }))
      return
    }
    site.handle(request, response)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
