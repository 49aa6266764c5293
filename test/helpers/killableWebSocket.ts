/**
 * A WebSocket class (the `ws` package's) for one simulated device whose
 * browser can be closed abruptly: kill() drops its sockets with no closing
 * handshake and no last frame, as the TCP connections of a closed or
 * crashed browser go away, and refuses every later connection, since a
 * closed browser does not reconnect.
 */
import { WebSocket } from 'ws'

/** Nothing listens here, so a connection is refused at once. */
const NOWHERE = 'ws://127.0.0.1:9/'

export interface KillableWebSocket {
  readonly WebSocketImpl: typeof globalThis.WebSocket
  kill(): void
}

export function killableWebSocket(): KillableWebSocket {
  const open = new Set<WebSocket>()
  let killed = false
  class DeviceWebSocket extends WebSocket {
    constructor(url: string | URL) {
      super(killed ? NOWHERE : url)
      open.add(this)
      this.on('close', () => open.delete(this))
    }
  }
  return {
    WebSocketImpl: DeviceWebSocket as unknown as typeof globalThis.WebSocket,
    kill() {
      killed = true
      for (const socket of open) socket.terminate()
    },
  }
}
