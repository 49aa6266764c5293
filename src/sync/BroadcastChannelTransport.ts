/**
 * Live sync between tabs of one browser over BroadcastChannel. Each tab keeps
 * its own Y.Doc and its own storage connection; this carries updates between
 * them so an edit in one tab shows in the others without a reload.
 *
 * Handshake: a tab says `hello` with its state vector; each tab that hears it
 * answers with a `diff` of what the newcomer lacks and, the first time it
 * meets that tab, says its own `hello` so the exchange runs both ways.
 */
import * as Y from 'yjs'
import { combineUpdates } from '../core/space/joinUpdates.ts'
import type { DocConnection, DocTransport } from '../core/space/DocTransport.ts'
import { afterTask } from '../platform/afterTask.ts'

export type TabMessage =
  | { readonly kind: 'hello'; readonly from: string; readonly stateVector: Uint8Array }
  | { readonly kind: 'diff'; readonly from: string; readonly to: string; readonly update: Uint8Array }
  | { readonly kind: 'update'; readonly from: string; readonly update: Uint8Array }

/** Messages come from other tabs' code, possibly an older or newer version of Pii: check before use. */
export function parseTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const message = data as Record<string, unknown>
  if (typeof message.from !== 'string') return undefined
  switch (message.kind) {
    case 'hello':
      return message.stateVector instanceof Uint8Array ? (message as TabMessage) : undefined
    case 'diff':
      return typeof message.to === 'string' && message.update instanceof Uint8Array ? (message as TabMessage) : undefined
    case 'update':
      return message.update instanceof Uint8Array ? (message as TabMessage) : undefined
    default:
      return undefined
  }
}

export class BroadcastChannelTransport implements DocTransport {
  /** Counts messages that failed validation or could not be applied; shown in diagnostics. */
  rejected = 0

  connect(name: string, doc: Y.Doc): DocConnection {
    const channel = new BroadcastChannel(`pii:${name}`)
    const self = crypto.randomUUID()
    const knownTabs = new Set<string>()
    const post = (message: TabMessage): void => channel.postMessage(message)
    const sayHello = (): void => post({ kind: 'hello', from: self, stateVector: Y.encodeStateVector(doc) })

    const apply = (update: Uint8Array): void => {
      try {
        Y.applyUpdate(doc, update, this)
      } catch {
        this.rejected++
      }
    }

    channel.onmessage = (event: MessageEvent<unknown>) => {
      const message = parseTabMessage(event.data)
      if (!message) {
        this.rejected++
        return
      }
      if (message.from === self) return
      switch (message.kind) {
        case 'hello': {
          let update: Uint8Array
          try {
            update = Y.encodeStateAsUpdate(doc, message.stateVector)
          } catch {
            this.rejected++
            return
          }
          post({ kind: 'diff', from: self, to: message.from, update })
          if (!knownTabs.has(message.from)) {
            knownTabs.add(message.from)
            sayHello()
          }
          return
        }
        case 'diff':
          if (message.to === self) apply(message.update)
          return
        case 'update':
          apply(message.update)
      }
    }

    // Other tabs get a task's updates merged, after the task: posting inside the update would put a
    // structured clone and an IPC ahead of the edit's own envelope and of the render.
    let outgoing: Uint8Array[] = []
    const flush = (): void => {
      if (outgoing.length === 0) return
      const update = combineUpdates(outgoing)
      outgoing = []
      post({ kind: 'update', from: self, update })
    }
    const forward = (update: Uint8Array, origin: unknown): void => {
      if (origin === this) return
      if (outgoing.length === 0) afterTask(flush)
      outgoing.push(update)
    }
    doc.on('update', forward)
    sayHello()

    return {
      close: () => {
        doc.off('update', forward)
        flush()
        channel.close()
      },
    }
  }
}
