// Share dialog: the space's share link as text to copy and as a QR code to scan.
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { type QrSvg, qrCodeSvgPath } from './qrCode.ts'
import './share.css'

interface ShareDialogProps {
  readonly link: string
  readonly spaceName: string
  readonly onClose: () => void
}

type CopyState = 'idle' | 'copied' | 'manual'

/** The QR code, or undefined when the link is past what a QR code can hold (~2.3 kB at level M). */
function qrOf(link: string): QrSvg | undefined {
  try {
    return qrCodeSvgPath(link)
  } catch {
    return undefined
  }
}

/** A modal <dialog>: focus is trapped and Escape closes, as the platform does it. */
export function ShareDialog({ link, spaceName, onClose }: ShareDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null)
  const input = useRef<HTMLInputElement>(null)
  const titleId = useId()
  const [copy, setCopy] = useState<CopyState>('idle')
  const qr = useMemo(() => qrOf(link), [link])

  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) element.showModal()
  }, [])

  // Without the clipboard API (plain http on a LAN address) or permission, leave
  // the link selected so the keyboard shortcut copies it.
  const copyByHand = () => {
    input.current?.focus()
    input.current?.select()
    setCopy('manual')
  }
  const copyLink = () => {
    // The DOM types claim it is always there; insecure contexts leave it out.
    const clipboard = navigator.clipboard as Clipboard | undefined
    if (!clipboard) return copyByHand()
    clipboard.writeText(link).then(() => setCopy('copied'), copyByHand)
  }

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={titleId} onCancel={onClose} onClose={onClose}>
      <h2 id={titleId}>Share “{spaceName}”</h2>
      <p>Anyone with this link can read and edit the space, so send it only to people you trust.</p>
      <label className="field">
        <span>Share link</span>
        <div className="share-link-row">
          <input ref={input} readOnly value={link} onFocus={(event) => event.currentTarget.select()} />
          <button type="button" onClick={copyLink} autoFocus>
            Copy link
          </button>
        </div>
      </label>
      <p className="share-copy-status muted" role="status">
        {copy === 'copied' ? 'Copied' : copy === 'manual' ? 'Press Ctrl+C to copy' : ''}
      </p>
      {qr ? (
        <svg
          className="share-qr"
          role="img"
          aria-label="QR code of the share link"
          viewBox={`0 0 ${qr.size} ${qr.size}`}
          shapeRendering="crispEdges"
        >
          <rect width={qr.size} height={qr.size} fill="#fff" />
          <path d={qr.path} fill="#000" />
        </svg>
      ) : (
        <p className="muted">This link is too long for a QR code; copy it instead.</p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Done
        </button>
      </div>
    </dialog>
  )
}
