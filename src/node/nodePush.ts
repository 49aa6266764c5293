/**
 * Reminders that reach the person's sleeping browsers: once the node is
 * linked, it publishes its VAPID key in the home space (homePush.ts), and
 * each reminder its runs write (`notify`) goes by Web Push to every browser
 * of the person that subscribed with that key, while that browser is still
 * linked. A subscription its push service says is gone, or that is no push
 * service, is withdrawn from the home.
 */
import { toHexString } from 'lib0/buffer'
import type * as Y from 'yjs'
import { publishPushKey, pushSubscriptions, withdrawSubscription } from '../core/devices/homePush.ts'
import { verifySignature } from '../core/identity/deviceKey.ts'
import { didFromPublicKey } from '../core/identity/didKey.ts'
import type { SpaceLibrary, SpaceSession } from '../core/space/SpaceLibrary.ts'
import { findHome, observeSpaceList } from '../core/space/spaceList.ts'
import type { NodeNotification } from './nodeKinds.ts'
import type { NodeLog } from './nodeLog.ts'
import type { VapidKeys } from './vapidKeys.ts'
import { PushOutcome, type PushSender } from './webPush.ts'

export interface NodePushDeps {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  /** The node's device key (public). */
  readonly device: Uint8Array
  readonly vapid: VapidKeys
  readonly sender: PushSender
  readonly log: NodeLog
  /** Tests' local push service listens on loopback http; never in use. */
  readonly allowLoopback?: boolean
}

export class NodePush {
  private home: SpaceSession | undefined
  private readonly stopList: () => void

  constructor(private readonly deps: NodePushDeps) {
    this.stopList = observeSpaceList(deps.deviceDoc, () => this.follow())
    this.follow()
  }

  /** Sends a reminder the node's run just wrote to the person's browsers, if it is for them. */
  async notify({ space, entry }: NodeNotification): Promise<void> {
    const home = this.home
    if (!home?.isLoaded) return
    const { membership } = await home.sync
    const state = membership.state
    const person = state.devices.get(toHexString(this.deps.device))?.person
    if (!person) return
    // An entry for named members is for the person if it names one of their devices.
    const theirs = [...state.devices.values()].filter((device) => device.person === person).map((device) => didFromPublicKey(device.key) as string)
    if (entry.to.length > 0 && !entry.to.some((did) => theirs.includes(did))) return
    const subscriptions = await pushSubscriptions(home.doc, state, (key, signature, message) => verifySignature(crypto.subtle, key, signature, message), { allowLoopback: this.deps.allowLoopback === true })
    if (subscriptions.length === 0) return
    const results = await this.deps.sender.send({ space, title: entry.title, ...(entry.body ? { body: entry.body } : {}), tag: entry.occurrence, at: entry.createdAt }, subscriptions)
    const dropped = subscriptions.filter((_, index) => results[index]?.outcome === PushOutcome.gone || results[index]?.outcome === PushOutcome.refused)
    if (dropped.length > 0) home.doc.transact(() => dropped.forEach((subscription) => withdrawSubscription(home.doc, subscription.device)))
    const failed = results.filter((result) => result.outcome === PushOutcome.failed).length
    if (failed > 0) this.deps.log.warn('some reminders could not be pushed', { space, failed })
  }

  stop(): void {
    this.stopList()
    this.deps.sender.close()
    this.home?.release()
    this.home = undefined
  }

  /** Holds the home open (once there is one), and publishes the node's push key in it. */
  private follow(): void {
    const id = findHome(this.deps.deviceDoc)?.id
    if (this.home?.id === id) return
    this.home?.release()
    this.home = id === undefined ? undefined : this.deps.library.openSpace(id)
    const home = this.home
    void home?.loaded.then(() => {
      if (this.home === home && !home.removed) home.doc.transact(() => publishPushKey(home.doc, this.deps.device, this.deps.vapid.publicKey))
    })
  }
}
