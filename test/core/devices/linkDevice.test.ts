/**
 * Linking a second device (MEMBERSHIP.md M13), between whole SpaceLibrary
 * devices on an in-process network: the pairing exchange, the home space,
 * and every space of the person following to the new device, which then
 * writes in them as the same person.
 */
import { toHexString } from 'lib0/buffer'
import { describe, expect, it, vi } from 'vitest'
import { DeviceLinking } from '../../../src/core/devices/DeviceLinking.ts'
import { ensureHome, putHomeEntry } from '../../../src/core/devices/homeSpace.ts'
import { putBack, setAsideSpaces, syncHome } from '../../../src/core/devices/HomeSync.ts'
import { joinHome } from '../../../src/core/devices/joinHome.ts'
import { encodePairingMessage, homeBoxContext, newPairingSecret, parsePairingLink } from '../../../src/core/devices/pairing.ts'
import { PairingGuest, PairingHost, type PairingChannel, type PairingTimers } from '../../../src/core/devices/PairingSession.ts'
import { devicePairings, PAIRINGS, putPairing } from '../../../src/core/devices/pairingRecords.ts'
import { verifySignature } from '../../../src/core/identity/deviceKey.ts'
import { sealTo } from '../../../src/core/identity/sealingKey.ts'
import { memberOfDevice } from '../../../src/core/members/resolveMembership.ts'
import { pairingMessage } from '../../../src/core/members/statement.ts'
import { addItem, readItems } from '../../../src/core/space/items.ts'
import type { SpaceId } from '../../../src/core/space/ids.ts'
import { findHome, findSpace, listVisibleSpaces } from '../../../src/core/space/spaceList.ts'
import { newSpaceId } from '../../../src/core/space/ids.ts'
import { newShareSecret } from '../../../src/core/space/shareLink.ts'
import { InstantNetwork } from '../../helpers/instantNetwork.ts'
import { keyedDevice, type KeyedDevice } from '../../helpers/keyedDevice.ts'

const verify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => verifySignature(crypto.subtle, publicKey, signature, message)
const UNTIL_SYNCED = { timeout: 30_000, interval: 20 }
const timers: PairingTimers = {
  every: (ms, callback) => {
    const timer = setInterval(callback, ms)
    return () => clearInterval(timer)
  },
}

/** A room every channel of which hears the others (never itself), a task later, as a relay delivers. */
function pairingRoom(): { channel(): PairingChannel; sent: string[] } {
  const members = new Set<(text: unknown) => void>()
  const sent: string[] = []
  return {
    sent,
    channel() {
      const own = new Set<(text: unknown) => void>()
      return {
        send: (text) => {
          sent.push(text)
          for (const listener of members) if (!own.has(listener)) setTimeout(() => listener(text), 0)
        },
        onMessage: (listener) => {
          own.add(listener)
          members.add(listener)
          return () => members.delete(listener)
        },
        close: () => own.forEach((listener) => members.delete(listener)),
      }
    },
  }
}

function host(device: KeyedDevice, secret: ReturnType<typeof newPairingSecret>, channel: PairingChannel, author: { publicKey: Uint8Array; sign(message: Uint8Array): Promise<Uint8Array> }): PairingHost {
  return new PairingHost({
    secret,
    channel,
    device: { publicKey: author.publicKey, sign: (message) => author.sign(message), name: 'Laptop' },
    verify,
    subtle: crypto.subtle,
    timers,
    now: Date.now,
    home: async () => {
      const id = await ensureHome(device.library, device.deviceDoc)
      const entry = findSpace(device.deviceDoc, id)!
      return { space: id, secret: entry.secret!, ...(entry.epoch === undefined ? {} : { epoch: entry.epoch }) }
    },
    onPaired: (record) => putPairing(device.deviceDoc.getMap(PAIRINGS), record),
  })
}

async function guest(device: KeyedDevice, secret: ReturnType<typeof newPairingSecret>, channel: PairingChannel, name = 'Phone'): Promise<PairingGuest> {
  const author = await device.author
  return new PairingGuest({
    secret,
    channel,
    device: { publicKey: author.publicKey, sign: (message) => author.sign(message), name },
    verify,
    subtle: crypto.subtle,
    timers,
    now: Date.now,
    sealing: await device.sealing,
    runtime: 'browser',
    onWelcome: (grant, record) => joinHome({ library: device.library, deviceDoc: device.deviceDoc, now: Date.now }, grant, record),
  })
}

const spaceNamed = (device: KeyedDevice, name: string): SpaceId | undefined => listVisibleSpaces(device.deviceDoc).find((entry) => entry.name === name)?.id

/** A laptop with a space "Groceries" (holding `items`), and a phone paired with it through DeviceLinking, both following their home; resolves once the phone lists the space. */
async function laptopAndPhone(items: readonly string[] = []) {
  const rooms = new InstantNetwork()
  const [laptop, phone] = [keyedDevice(rooms), keyedDevice(rooms)]
  const room = pairingRoom()
  const linking = (device: KeyedDevice, name: string): DeviceLinking =>
    new DeviceLinking({ library: device.library, deviceDoc: device.deviceDoc, author: device.author, sealing: device.sealing, verify, subtle: crypto.subtle, channelFor: () => room.channel(), timers, now: Date.now, origin: 'https://pii.test', runtime: 'browser', name: () => name })
  const stops = [laptop, phone].map((device) => syncHome({ library: device.library, deviceDoc: device.deviceDoc, now: Date.now }))
  const groceries = await laptop.library.create('Groceries')
  for (const item of items) groceries.edit((doc) => addItem(doc, item))
  const { link, session: hosting } = await linking(laptop, 'Laptop').host()
  const joining = await linking(phone, 'Phone').join(parsePairingLink(link))
  await vi.waitUntil(() => joining.state.step === 'compare' && hosting.state.step === 'compare', UNTIL_SYNCED)
  await joining.confirm()
  await hosting.confirm()
  await vi.waitUntil(() => joining.state.step === 'linked', UNTIL_SYNCED)
  await vi.waitUntil(() => spaceNamed(phone, 'Groceries') !== undefined, UNTIL_SYNCED)
  return { laptop, phone, groceries, stops, linking }
}

describe('linking a device', () => {
  it('[M13] both screens show one code; once both confirm, every space of each device shows on the other, and each writes in the other’s spaces as the same person', async () => {
    const rooms = new InstantNetwork()
    const laptop = keyedDevice(rooms)
    const phone = keyedDevice(rooms)
    const [laptopKey, phoneKey] = [await laptop.author, await phone.author]
    const stops = [laptop, phone].map((device) => syncHome({ library: device.library, deviceDoc: device.deviceDoc, now: Date.now }))
    const groceries = await laptop.library.create('Groceries')
    groceries.edit((doc) => addItem(doc, 'milk'))
    const notes = await phone.library.create('Phone notes')
    notes.edit((doc) => addItem(doc, 'call Ana'))
    await Promise.all([(await groceries.sync).log.settled(), (await notes.sync).log.settled()])

    const secret = newPairingSecret()
    const room = pairingRoom()
    const hosting = host(laptop, secret, room.channel(), laptopKey)
    const joining = await guest(phone, secret, room.channel())
    await vi.waitUntil(() => hosting.state.step === 'compare' && joining.state.step === 'compare', UNTIL_SYNCED)
    const codes = [hosting.state, joining.state].map((state) => (state.step === 'compare' ? state.code : ''))
    expect(codes[0]).toMatch(/^\d{3} \d{3}$/)
    expect(codes[0]).toBe(codes[1])
    await joining.confirm()
    await hosting.confirm()
    await vi.waitUntil(() => hosting.state.step === 'linked' && joining.state.step === 'linked', UNTIL_SYNCED)

    // Each keeps the pairing, signed by both.
    const [record] = devicePairings(phone.deviceDoc)
    expect(record).toBeDefined()
    expect(await verify(laptopKey.publicKey, toHexString(record!.a) === toHexString(laptopKey.publicKey) ? record!.signatureA : record!.signatureB, pairingMessage(laptopKey.publicKey, phoneKey.publicKey))).toBe(true)
    await vi.waitUntil(() => devicePairings(laptop.deviceDoc).length === 1, UNTIL_SYNCED)

    // The laptop's space shows on the phone, and the phone's on the laptop.
    await vi.waitUntil(() => spaceNamed(phone, 'Groceries') !== undefined && spaceNamed(laptop, 'Phone notes') !== undefined, UNTIL_SYNCED)
    const onPhone = phone.library.openSpace(groceries.id)
    const onLaptop = laptop.library.openSpace(notes.id)
    const [phoneSync, laptopSync] = [await onPhone.sync, await onLaptop.sync]
    // One person, two devices: the phone acts for the laptop's person in the laptop's space, and the other way round.
    await vi.waitUntil(() => memberOfDevice(phoneSync.membership.state, phoneKey.publicKey)?.person === toHexString(laptopKey.publicKey), UNTIL_SYNCED)
    await vi.waitUntil(() => memberOfDevice(laptopSync.membership.state, laptopKey.publicKey)?.person === toHexString(phoneKey.publicKey), UNTIL_SYNCED)
    expect(phoneSync.membership.state.members.size).toBe(1)
    await vi.waitUntil(() => readItems(onPhone.doc).some((item) => item.title === 'milk'), UNTIL_SYNCED)
    onPhone.edit((doc) => addItem(doc, 'bread'))
    await vi.waitUntil(() => readItems(groceries.doc).some((item) => item.title === 'bread'), UNTIL_SYNCED)
    await vi.waitUntil(() => readItems(onLaptop.doc).some((item) => item.title === 'call Ana'), UNTIL_SYNCED)

    for (const stop of stops) stop()
    for (const session of [groceries, notes, onPhone, onLaptop]) session.release()
  }, 60_000)

  it('[M13] a third device that answers the link ends the pairing on both screens, and nothing is linked', async () => {
    const rooms = new InstantNetwork()
    const [laptop, phone, snoop] = [keyedDevice(rooms), keyedDevice(rooms), keyedDevice(rooms)]
    const secret = newPairingSecret()
    const room = pairingRoom()
    const hosting = host(laptop, secret, room.channel(), await laptop.author)
    const joining = await guest(phone, secret, room.channel())
    await vi.waitUntil(() => hosting.state.step === 'compare' && joining.state.step === 'compare', UNTIL_SYNCED)
    const snooping = await guest(snoop, secret, room.channel(), 'Phone')
    await vi.waitUntil(() => hosting.state.step === 'failed', UNTIL_SYNCED)
    await hosting.confirm()
    await joining.confirm()
    await vi.waitUntil(() => joining.state.step === 'failed', UNTIL_SYNCED)
    expect(hosting.state).toMatchObject({ step: 'failed', reason: expect.stringContaining('Two devices answered') as unknown })
    expect(room.sent.some((text) => text.includes('"welcome"'))).toBe(false)
    expect(devicePairings(laptop.deviceDoc)).toEqual([])
    for (const session of [hosting, joining, snooping]) session.stop()
  }, 30_000)

  it('[M13] someone else holding the link cannot hand the new device a home of theirs: a welcome without the host’s signature of this pairing is ignored', async () => {
    const rooms = new InstantNetwork()
    const [laptop, phone, intruder] = [keyedDevice(rooms), keyedDevice(rooms), keyedDevice(rooms)]
    const secret = newPairingSecret()
    const room = pairingRoom()
    const forger = room.channel()
    const laptopKey = await laptop.author
    const hosting = host(laptop, secret, room.channel(), laptopKey)
    const joining = await guest(phone, secret, room.channel())
    await vi.waitUntil(() => joining.state.step === 'compare', UNTIL_SYNCED)
    await joining.confirm()
    // The intruder saw the request (the phone's keys are in it) and seals it the intruder's own home, in the laptop's name.
    const intruderHome = await ensureHome(intruder.library, intruder.deviceDoc)
    const phoneKey = await phone.author
    const box = await sealTo(crypto.subtle, (await phone.sealing).publicKey, new TextEncoder().encode(JSON.stringify({ space: intruderHome, secret: findSpace(intruder.deviceDoc, intruderHome)!.secret })), homeBoxContext(laptopKey.publicKey, phoneKey.publicKey))
    const forgedProof = await (await intruder.author).sign(pairingMessage(laptopKey.publicKey, phoneKey.publicKey))
    forger.send(encodePairingMessage({ kind: 'welcome', device: laptopKey.publicKey, guest: phoneKey.publicKey, proof: forgedProof, home: box }))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(joining.state.step).toBe('confirmed')
    expect(findSpace(phone.deviceDoc, intruderHome)).toBeUndefined()
    // The real welcome still links it, to the laptop's home.
    await hosting.confirm()
    await vi.waitUntil(() => joining.state.step === 'linked', UNTIL_SYNCED)
    const laptopHome = await ensureHome(laptop.library, laptop.deviceDoc)
    expect(findSpace(phone.deviceDoc, laptopHome)?.home).toBe(true)
    expect(findSpace(phone.deviceDoc, intruderHome)).toBeUndefined()
    // And the room carried the home's secret only sealed.
    expect(room.sent.join('\n')).not.toContain(findSpace(laptop.deviceDoc, laptopHome)!.secret!)
    hosting.stop()
    joining.stop()
  }, 30_000)

  it('[M14] a lost phone unlinked from the laptop leaves every space: each moves to a new key, and nothing the phone writes later counts', async () => {
    const { laptop, phone, groceries, stops, linking } = await laptopAndPhone()
    const onPhone = phone.library.openSpace(groceries.id)
    const phoneKey = await phone.author
    const laptopSync = await groceries.sync
    await vi.waitUntil(() => laptopSync.membership.state.devices.has(toHexString(phoneKey.publicKey)), UNTIL_SYNCED)

    const report = await linking(laptop, 'Laptop').unlink(phoneKey.publicKey)
    expect(report).toEqual({ unlinked: 2, rekeyed: 2, failed: 0 })
    expect(laptopSync.membership.state.unlinked.has(toHexString(phoneKey.publicKey))).toBe(true)
    expect(laptopSync.membership.state.epoch).toBe(1)
    // The phone's later edits reach nobody's view.
    onPhone.edit((doc) => addItem(doc, 'stolen'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(readItems(groceries.doc).map((item) => item.title)).not.toContain('stolen')
    for (const stop of stops) stop()
    groceries.release()
    onPhone.release()
  }, 60_000)

  it('[DEV5] a space removed on one device leaves the other’s list but not its disk: set aside with its secret, put back it comes back whole, on every device', async () => {
    const { laptop, phone, groceries, stops } = await laptopAndPhone(['milk'])
    const onPhone = phone.library.openSpace(groceries.id)
    await vi.waitUntil(() => readItems(onPhone.doc).some((item) => item.title === 'milk'), UNTIL_SYNCED)
    onPhone.release()
    groceries.release()

    // The laptop (or a thief holding it, before the unlink) removes the space.
    await laptop.library.remove(groceries.id)
    await vi.waitUntil(() => spaceNamed(phone, 'Groceries') === undefined, UNTIL_SYNCED)
    const [aside] = setAsideSpaces(phone.deviceDoc)
    expect(aside).toMatchObject({ id: groceries.id, name: 'Groceries' })
    expect(aside?.secret).toBeDefined()
    // Put back, it opens from the phone's own disk (nobody else holds it now), and the home takes the removal back.
    expect(putBack(phone.deviceDoc, groceries.id, Date.now())).toBe(true)
    const back = phone.library.openSpace(groceries.id)
    await back.loaded
    expect(readItems(back.doc).map((item) => item.title)).toEqual(['milk'])
    expect(setAsideSpaces(phone.deviceDoc)).toEqual([])
    await vi.waitUntil(() => spaceNamed(laptop, 'Groceries') !== undefined, UNTIL_SYNCED)
    // And it stays put back: the removal mark is gone from the home, so nothing sets it aside again.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(spaceNamed(phone, 'Groceries')).toBe(groceries.id)
    back.release()
    for (const stop of stops) stop()
  }, 60_000)

  it('[DEV6] a home entry from a device gone bad never replaces a secret a device holds, and an epoch it claims is not taken', async () => {
    const { laptop, phone, groceries, stops } = await laptopAndPhone()
    const held = findSpace(phone.deviceDoc, groceries.id)!.secret
    // The laptop, gone bad, claims a later epoch with the thief's secret, and lists a space at an epoch no log started.
    const home = laptop.library.openSpace(findHome(laptop.deviceDoc)!.id)
    await home.loaded
    const stranger = newSpaceId()
    home.doc.transact(() => {
      putHomeEntry(home.doc, { id: groceries.id, name: 'Groceries', createdAt: 1, secret: newShareSecret(), epoch: Number.MAX_SAFE_INTEGER })
      putHomeEntry(home.doc, { id: stranger, name: 'Bait', createdAt: 1, secret: newShareSecret(), epoch: Number.MAX_SAFE_INTEGER })
    })
    await vi.waitUntil(() => findSpace(phone.deviceDoc, stranger) !== undefined, UNTIL_SYNCED)
    expect(findSpace(phone.deviceDoc, groceries.id)!.secret).toBe(held)
    expect(findSpace(phone.deviceDoc, stranger)!.epoch).toBeUndefined()
    // Opening the bait does not hang the device on its claimed epoch.
    const bait = phone.library.openSpace(stranger)
    await bait.loaded
    await bait.sync
    bait.release()
    home.release()
    groceries.release()
    for (const stop of stops) stop()
  }, 60_000)
})

