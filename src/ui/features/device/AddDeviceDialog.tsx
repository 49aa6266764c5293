import { useEffect, useState } from 'react'
import { useModalDialog } from '../../components/useModalDialog.ts'
import type { PairingHost } from '../../../core/devices/PairingSession.ts'
import { QrCode } from '../../components/QrCode.tsx'
import { usePairingStep } from '../../hooks/usePairingStep.ts'
import { useServices } from '../../services.ts'
import { PairingSteps } from './PairingSteps.tsx'

/** "Add a device": a one-time link and its QR code, then the code both screens show, confirmed here. */
export function AddDeviceDialog({ onClose }: { readonly onClose: () => void }) {
  const { linking } = useServices()
  const dialog = useModalDialog()
  const [hosting, setHosting] = useState<{ readonly link: string; readonly session: PairingHost } | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const step = usePairingStep(hosting?.session)

  useEffect(() => {
    let current = true
    let started: PairingHost | undefined
    linking()
      .then((linking) => linking.host())
      .then((made) => {
        started = made.session
        if (current) setHosting(made)
        else made.session.stop()
      })
      .catch((error: unknown) => setProblem(`Could not start: ${error instanceof Error ? error.message : String(error)}`))
    return () => {
      current = false
      // Closing the dialog before the end cancels on the other screen too.
      started?.cancel('The pairing was cancelled on the other device.')
      started?.stop()
    }
  }, [linking])

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="add-device-title" onCancel={onClose} onClose={onClose}>
      <h2 id="add-device-title">Add a device</h2>
      {problem && <p role="alert">{problem}</p>}
      {!hosting && !problem && <p className="muted">Making the link…</p>}
      {hosting && step.step === 'waiting' && (
        <>
          <p>On your other device, open this link or scan the code. It works once, for 10 minutes.</p>
          <label className="field">
            <span>Pairing link</span>
            <input readOnly value={hosting.link} aria-label="Pairing link" onFocus={(event) => event.currentTarget.select()} />
          </label>
          <QrCode text={hosting.link} label="QR code of the pairing link" className="share-qr" />
          <p className="muted">For a personal node, run on it: npm run node -- link, and paste the link.</p>
        </>
      )}
      {hosting && (
        <PairingSteps
          step={step}
          waiting="Waiting for your other device to open the link…"
          question="Does your other device show this code?"
          confirmLabel="It matches: link it"
          linked={(other) => `${other} is linked. Your spaces are reaching it now.`}
          onConfirm={() => void hosting.session.confirm()}
          onCancel={() => hosting.session.cancel()}
        />
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {step.step === 'linked' || step.step === 'failed' ? 'Close' : 'Cancel'}
        </button>
      </div>
    </dialog>
  )
}
