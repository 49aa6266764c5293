import { useMemo } from 'react'
import { qrCodeSvgPath, type QrSvg } from './qrCode.ts'

function qrOf(text: string): QrSvg | undefined {
  try {
    return qrCodeSvgPath(text)
  } catch {
    // Longer than the largest QR version holds.
    return undefined
  }
}

/** A link as a QR code to scan with another device, or a sentence when it is too long for one. */
export function QrCode({ text, label, className }: { readonly text: string; readonly label: string; readonly className?: string }) {
  const qr = useMemo(() => qrOf(text), [text])
  if (!qr) return <p className="muted">This link is too long for a QR code; copy it instead.</p>
  return (
    <svg className={className} role="img" aria-label={label} viewBox={`0 0 ${qr.size} ${qr.size}`} shapeRendering="crispEdges">
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={qr.path} fill="#000" />
    </svg>
  )
}
