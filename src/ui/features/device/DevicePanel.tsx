import { useState } from 'react'
import { MAX_DISPLAY_NAME_LENGTH, readDisplayName, setDisplayName } from '../../../core/identity/profile.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useServices } from '../../services.ts'

export function DevicePanel() {
  const { deviceDoc, device } = useServices()
  const displayName = useDocValue(deviceDoc, readDisplayName, '')
  // A draft exists only while the user is editing; otherwise the field shows the stored name live.
  const [draft, setDraft] = useState<string | undefined>(undefined)
  const [copied, setCopied] = useState(false)

  return (
    <section className="panel" aria-labelledby="device-heading">
      <h2 id="device-heading">This device</h2>
      <label className="field">
        <span>Display name</span>
        <input
          aria-label="Display name"
          placeholder="e.g. Ana's phone"
          maxLength={MAX_DISPLAY_NAME_LENGTH}
          value={draft ?? displayName}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => {
            if (draft !== undefined && draft !== displayName) setDisplayName(deviceDoc, draft)
            setDraft(undefined)
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') event.currentTarget.blur()
          }}
        />
      </label>
      <div className="field">
        <span>Device ID</span>
        <div className="did-row">
          <code className="did" data-testid="device-did">
            {device.did}
          </code>
          <button
            type="button"
            className="quiet"
            onClick={() => {
              void navigator.clipboard?.writeText(device.did).then(() => setCopied(true))
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
        <small className="muted">
          {device.keyKind === 'webcrypto'
            ? 'Its private key is held by the browser and cannot be read, even by Pii.'
            : 'This browser lacks Ed25519 in WebCrypto, so the key is kept by Pii in this browser’s storage.'}
        </small>
      </div>
    </section>
  )
}
