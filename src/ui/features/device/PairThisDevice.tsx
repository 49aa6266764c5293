import { useEffect, useState } from 'react'
import type * as Y from 'yjs'
import type { PairingSecret } from '../../../core/devices/pairing.ts'
import { ALREADY_LINKED, isLinkedWithOthers } from '../../../core/devices/joinHome.ts'
import type { PairingGuest } from '../../../core/devices/PairingSession.ts'
import { listVisibleSpaces } from '../../../core/space/spaceList.ts'
import { leaveLinkScreen, useEscapeLeaves } from '../../components/leaveLinkScreen.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { usePairingStep } from '../../hooks/usePairingStep.ts'
import { useServices } from '../../services.ts'
import { PairingSteps } from './PairingSteps.tsx'

const spaceCount = (doc: Y.Doc): number => listVisibleSpaces(doc).length

/**
 * A pairing link opened here: this device becomes another device of the
 * person whose device showed it, once both confirm the code.
 *
 * It asks before contacting anyone (DEV8): any web page can send the browser
 * to a pairing link, and whoever made the link gets every space of this
 * device once the code is confirmed, so a link from someone else must be
 * turned down before it can show a code that looks like a formality. Until
 * "Continue" no room is joined and no other device sees this one.
 */
export function PairThisDevice({ secret }: { readonly secret: PairingSecret }) {
  const { deviceDoc } = useServices()
  const [started, setStarted] = useState(false)
  const spaces = useDocValue(deviceDoc, spaceCount, 0)
  const linked = useDocValue(deviceDoc, isLinkedWithOthers, false)

  useEscapeLeaves(!started)

  if (started) return <PairingInProgress secret={secret} />

  return (
    <section className="panel" aria-labelledby="pair-title">
      <h1 id="pair-title">Link this device to another of yours?</h1>
      {linked ? (
        <p role="alert">{ALREADY_LINKED}</p>
      ) : (
        <>
          <p>
            This link comes from the “Add a device” screen of a device. Linking makes the two one person: each shows the other’s spaces, and
            each can act in them as you. Nothing has been shared or shown to anyone yet.
          </p>
          {spaces > 0 && (
            <p data-testid="pairing-spaces-warning">
              This device has {spaces === 1 ? 'one space' : `${spaces} spaces`}. Once linked, every device of whoever made this link gets{' '}
              {spaces === 1 ? 'it' : 'them'}, with their keys.
            </p>
          )}
          <p className="muted">Continue only if you made this link yourself, on a device you are holding. If someone sent it to you, choose Not now.</p>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="quiet" onClick={leaveLinkScreen}>
          Not now
        </button>
        {!linked && (
          <button type="button" onClick={() => setStarted(true)}>
            Continue
          </button>
        )}
      </div>
    </section>
  )
}

/** The pairing itself: this device looks for the one that showed the link, then both compare a code. */
function PairingInProgress({ secret }: { readonly secret: PairingSecret }) {
  const { linking } = useServices()
  const [session, setSession] = useState<PairingGuest | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const step = usePairingStep(session)

  useEffect(() => {
    let current = true
    let started: PairingGuest | undefined
    linking()
      .then((linking) => linking.join(secret))
      .then((made) => {
        started = made
        if (current) setSession(made)
        else made.stop()
      })
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)))
    return () => {
      current = false
      started?.stop()
    }
  }, [linking, secret])

  return (
    <section className="panel" aria-labelledby="pair-title">
      <h1 id="pair-title">Link this device</h1>
      {problem && <p role="alert">{problem}</p>}
      {session && (
        <PairingSteps
          step={step}
          waiting="Looking for your other device… Keep its “Add a device” screen open."
          question="Does your other device show the same code? Link only to a device of yours that you are holding: the two become one person, and each gets all the other’s spaces."
          confirmLabel="It matches: link this device"
          linked={(other) => `This device is linked with ${other}. Your spaces are arriving.`}
          onConfirm={() => void session.confirm()}
          onCancel={() => session.cancel()}
        />
      )}
      {(step.step === 'linked' || step.step === 'failed' || problem) && (
        <button type="button" onClick={leaveLinkScreen}>
          Go to your spaces
        </button>
      )}
    </section>
  )
}
