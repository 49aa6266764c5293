import { useEffect, useState } from 'react'
import type { PairingSecret } from '../../../core/devices/pairing.ts'
import type { PairingGuest } from '../../../core/devices/PairingSession.ts'
import { replaceRoute } from '../../components/replaceRoute.ts'
import { usePairingStep } from '../../hooks/usePairingStep.ts'
import { useServices } from '../../services.ts'
import { PairingSteps } from './PairingSteps.tsx'

/** A pairing link opened here: this device becomes another device of the person whose device showed it, once both confirm. */
export function PairThisDevice({ secret }: { readonly secret: PairingSecret }) {
  const { linking } = useServices()
  const [session, setSession] = useState<PairingGuest | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const step = usePairingStep(session)

  useEffect(() => {
    let current = true
    let started: PairingGuest | undefined
    linking
      .join(secret)
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
      <h2 id="pair-title">Link this device</h2>
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
        <button type="button" onClick={() => replaceRoute({ page: 'home' })}>
          Go to your spaces
        </button>
      )}
    </section>
  )
}
