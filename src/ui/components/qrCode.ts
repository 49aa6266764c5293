// QR code of a share link: the module matrix and an SVG path drawing it. Pure, no DOM.
import qrcode from 'qrcode-generator'

/** Light modules around the code; scanners need 4 to find the finder patterns. */
export const QUIET_ZONE_MODULES = 4

export interface QrSvg {
  /** Width and height in modules, quiet zone included: use as the viewBox size. */
  readonly size: number
  /** One `M x y h w v1 h-w z` run per horizontal stretch of dark modules. */
  readonly path: string
}

/** Dark (true) or light modules, row by row, without the quiet zone. */
export function qrModules(text: string): boolean[][] {
  // Type 0 picks the smallest version that fits; 'M' survives ~15% damage
  // (a smudged screen, a glare) without growing the code much.
  const code = qrcode(0, 'M')
  // The library keeps only the low byte of each UTF-16 unit; hand it UTF-8 bytes
  // as one char each so a non-ASCII space name in a link still scans back intact.
  code.addData(Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join(''), 'Byte')
  code.make()
  const count = code.getModuleCount()
  return Array.from({ length: count }, (_, row) => Array.from({ length: count }, (_, col) => code.isDark(row, col)))
}

/** The QR code of `text` as an SVG path in module units, offset by the quiet zone. */
export function qrCodeSvgPath(text: string): QrSvg {
  const modules = qrModules(text)
  const runs: string[] = []
  modules.forEach((row, y) => {
    let x = 0
    while (x < row.length) {
      if (!row[x]) {
        x += 1
        continue
      }
      const start = x
      while (row[x]) x += 1
      const width = x - start
      runs.push(`M${start + QUIET_ZONE_MODULES} ${y + QUIET_ZONE_MODULES}h${width}v1h-${width}z`)
    }
  })
  return { size: modules.length + 2 * QUIET_ZONE_MODULES, path: runs.join('') }
}
