/**
 * Linking the personal node to a person as one of their devices (M13): the
 * person's device shows a pairing link, the node opens it through the real
 * relay, both compare one code, and once both confirm, the person's spaces
 * reach the node through their home space; the node links itself into each
 * and runs its schedule as the person's device.
 */
import { toHexString } from 'lib0/buffer'
import { describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { DeviceLinking } from '../../src/core/devices/DeviceLinking.ts'
import { syncHome } from '../../src/core/devices/HomeSync.ts'
import { pairingRoom } from '../../src/core/devices/pairing.ts'
import { publishSubscription, pushKeys, signSubscription } from '../../src/core/devices/homePush.ts'
import { didFromPublicKey, publicKeyFromDid } from '../../src/core/identity/didKey.ts'
import { findHome } from '../../src/core/space/spaceList.ts'
import { startLocalPushService } from '../helpers/localPushService.ts'
import { memberOfDevice } from '../../src/core/members/resolveMembership.ts'
import { docKind } from '../../src/core/scheduler/docKind.ts'
import { notifyKind } from '../../src/core/scheduler/notifyKind.ts'
import { readCounter } from '../../src/core/scheduler/docResults.ts'
import { KindRegistry } from '../../src/core/scheduler/kinds.ts'
import { DEFAULT_BUDGET, type SchedulerId } from '../../src/core/scheduler/schedulers.ts'
import type { OperationId } from '../../src/core/scheduler/operations.ts'
import { SpaceSchedule } from '../../src/core/scheduler/SpaceSchedule.ts'
import { startPiiServer } from '../../src/server/PiiServer.ts'
import { PersonalNode } from '../../src/node/PersonalNode.ts'
import { relayPairingChannel } from '../../src/sync/relayPairingChannel.ts'
import { relayUrl } from '../../src/sync/relayUrl.ts'
import { InstantNetwork } from '../helpers/instantNetwork.ts'
import { keyedDevice, verifyWithWebCrypto } from '../helpers/keyedDevice.ts'
import { tempFolders } from '../helpers/tempFolders.ts'

const newFolder = tempFolders('pii-node-link-')
const UNTIL = { timeout: 40_000, interval: 50 }
const quiet = { info: () => {}, warn: () => {} }
const FAST = 'every-100-ms' as SchedulerId

describe('linking the personal node', () => {
  it('[M13][PUSH6] opens a pairing link through the relay, shows the code the person’s device shows, and once both confirm keeps and runs the person’s spaces as their device, and wakes the person’s browser by Web Push for a reminder it runs', async () => {
    const server = await startPiiServer({ host: '127.0.0.1', port: 0 })
    const rooms = new InstantNetwork()
    const laptop = keyedDevice(rooms)
    const stopHome = syncHome({ library: laptop.library, deviceDoc: laptop.deviceDoc, now: Date.now })
    const push = await startLocalPushService()
    const node = await PersonalNode.open({ folder: await newFolder(), name: 'Home node', log: quiet, rooms: () => rooms, joinGraceMs: 100, push: { allowLoopback: true } })
    try {
      const game = await laptop.library.create('Game')
      const linking = new DeviceLinking({
        library: laptop.library,
        deviceDoc: laptop.deviceDoc,
        author: laptop.author,
        sealing: laptop.sealing,
        verify: verifyWithWebCrypto,
        subtle: crypto.subtle,
        channelFor: (secret) => relayPairingChannel({ url: relayUrl(new URL(server.url)), access: pairingRoom(secret), WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket }),
        timers: { every: (ms, callback) => ((timer) => () => clearInterval(timer))(setInterval(callback, ms)) },
        now: Date.now,
        origin: server.url,
        runtime: 'browser',
        name: () => 'Laptop',
      })
      const { link, session: hosting } = await linking.host()
      const { code, other } = await node.keyed.pairing.open(link)
      expect(other).toBe('Laptop')
      await vi.waitUntil(() => hosting.state.step === 'compare', UNTIL)
      expect(hosting.state).toMatchObject({ step: 'compare', code, other: 'Home node', runtime: 'node' })
      const confirming = node.keyed.pairing.confirm()
      await hosting.confirm()
      expect(await confirming).toEqual({ linked: 'Laptop' })

      // The laptop's space reaches the node through the home, and the node links itself in as the laptop's person.
      await vi.waitFor(() => expect(node.spaces()).toEqual(expect.arrayContaining([expect.objectContaining({ space: game.id, kept: 'keyed', role: 'owner', scheduling: true })])), UNTIL)
      const laptopSync = await game.sync
      const nodeKey = toHexString(publicKeyFromDid(node.device))
      expect(memberOfDevice(laptopSync.membership.state, nodeKey)?.person).toBe(toHexString((await laptop.author).publicKey))

      // With its schedule planned on the laptop (which hosts none here), the node runs it.
      const schedule = new SpaceSchedule({ doc: game.doc, kinds: new KindRegistry([docKind, notifyKind]), now: Date.now, actor: 'did:key:z6MkLaptop', newId: () => 'tick' })
      game.edit(() => {
        schedule.saveScheduler({ id: FAST, name: 'Every 100 ms', everyMs: 100, budget: DEFAULT_BUDGET, paused: false })
        schedule.createOperation({ schedulerId: FAST, title: 'Tick', kind: 'doc', input: { action: 'increment', counter: 'ticks', by: 1 }, dueAt: Date.now() + 300, repeat: { kind: 'every', everyMs: 100 }, times: 5, catchUp: 'all' })
      })
      await vi.waitFor(() => expect(readCounter(game.doc, 'ticks')).toBe(5), UNTIL)

      // [PUSH6] The node publishes its push key in the home; the laptop subscribes with it; a reminder the node runs wakes it.
      const home = laptop.library.openSpace(findHome(laptop.deviceDoc)!.id)
      const homeMembership = (await home.sync).membership
      await vi.waitFor(() => expect(pushKeys(home.doc, homeMembership.state)).toHaveLength(1), UNTIL)
      const vapidKey = pushKeys(home.doc, homeMembership.state)[0]!
      const subscription = push.subscribe({ vapidKey })
      const laptopAuthor = await laptop.author
      const laptopDid = didFromPublicKey(laptopAuthor.publicKey)
      const signed = await signSubscription({ device: laptopDid, ...subscription, vapidKey, createdAt: Date.now() }, (message) => laptopAuthor.sign(message))
      home.doc.transact(() => publishSubscription(home.doc, signed))
      game.edit(() => schedule.createOperation({ schedulerId: FAST, title: 'Dentist', kind: 'notify', input: { title: 'Dentist at 10:00' }, dueAt: Date.now() + 300, repeat: { kind: 'none' }, catchUp: 'latest' }, 'dentist' as OperationId))
      await vi.waitFor(() => expect(push.received().map((received) => JSON.parse(received.text) as { title: string })).toEqual([expect.objectContaining({ title: 'Dentist at 10:00', space: game.id })]), UNTIL)
      expect(push.refusals).toEqual([])
      home.release()
      game.release()
    } finally {
      await push.close()
      stopHome()
      await node.stop()
      await server.close()
    }
  }, 90_000)

  it('refuses what is not a pairing link, saying what to do', async () => {
    const node = await PersonalNode.open({ folder: await newFolder(), name: 'Home node', log: quiet, rooms: () => new InstantNetwork() })
    try {
      await expect(node.keyed.pairing.open('https://pii.example/#/s/abc/def')).rejects.toThrow(/not a Pii pairing link/)
      await expect(node.keyed.pairing.open('nonsense')).rejects.toThrow(/not a link/)
      await expect(node.keyed.pairing.confirm()).rejects.toThrow(/no pairing waiting/)
    } finally {
      await node.stop()
    }
  })
})
