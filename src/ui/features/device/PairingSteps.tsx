import type { PairingStep } from '../../../core/devices/PairingSession.ts'

interface PairingStepsProps {
  readonly step: PairingStep
  /** What this screen asks before the other device shows up. */
  readonly waiting: string
  /** The question beside the code, and the button that answers yes. */
  readonly question: string
  readonly confirmLabel: string
  readonly linked: (other: string) => string
  readonly onConfirm: () => void
  readonly onCancel: () => void
}

/** The steps both screens of a pairing go through: waiting, the code to compare, then linked or why not. */
export function PairingSteps({ step, waiting, question, confirmLabel, linked, onConfirm, onCancel }: PairingStepsProps) {
  switch (step.step) {
    case 'waiting':
      return <p className="muted">{waiting}</p>
    case 'compare':
      return (
        <>
          <p>{question}</p>
          <p className="pairing-code" data-testid="pairing-code" aria-label={`Code ${step.code}`}>
            {step.code}
          </p>
          <p className="muted">
            The other device: {step.other}
            {step.runtime === 'node' ? ' (a personal node)' : ''}
          </p>
          <div className="dialog-actions">
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
            <button type="button" onClick={onConfirm}>
              {confirmLabel}
            </button>
          </div>
        </>
      )
    case 'confirmed':
      return (
        <>
          <p className="pairing-code" data-testid="pairing-code">
            {step.code}
          </p>
          <p className="muted" role="status">
            Confirmed here. Now confirm on {step.other}.
          </p>
        </>
      )
    case 'linked':
      return (
        <p role="status" data-testid="pairing-linked">
          {linked(step.other)}
        </p>
      )
    case 'failed':
      return (
        <p role="alert" data-testid="pairing-failed">
          {step.reason}
        </p>
      )
  }
}
