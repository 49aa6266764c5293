// The share QR code scans back to the exact link: rasterised and read by a real decoder.
import jsQR from 'jsqr'
import { describe, expect, it } from 'vitest'
import { QUIET_ZONE_MODULES, qrCodeSvgPath, qrModules } from '../../../src/ui/components/qrCode.ts'

const PIXELS_PER_MODULE = 4
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** A deterministic base58 string, like the ids and secrets in share links. */
const base58 = (length: number, seed: number) => Array.from({ length }, (_, i) => BASE58[(seed + i * 7919) % BASE58.length]).join('')

/** Black-on-white RGBA pixels of the module matrix, with the quiet zone the SVG has. */
function rasterise(modules: boolean[][]): { data: Uint8ClampedArray; width: number } {
  const width = (modules.length + 2 * QUIET_ZONE_MODULES) * PIXELS_PER_MODULE
  const data = new Uint8ClampedArray(width * width * 4).fill(255)
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return
      for (let dy = 0; dy < PIXELS_PER_MODULE; dy += 1) {
        for (let dx = 0; dx < PIXELS_PER_MODULE; dx += 1) {
          const px = (x + QUIET_ZONE_MODULES) * PIXELS_PER_MODULE + dx
          const py = (y + QUIET_ZONE_MODULES) * PIXELS_PER_MODULE + dy
          data.fill(0, (py * width + px) * 4, (py * width + px) * 4 + 3)
        }
      }
    }),
  )
  return { data, width }
}

function decode(text: string): string | undefined {
  const { data, width } = rasterise(qrModules(text))
  return jsQR(data, width, width)?.data
}

describe('share QR code', () => {
  const link = `http://127.0.0.1:8080/#/s/${base58(22, 3)}/${base58(44, 11)}`

  it('decodes to a realistic share link', () => {
    expect(decode(link)).toBe(link)
  })

  it('decodes to a 300-character link', () => {
    const long = `https://pii.example.org/#/s/${base58(300, 5)}`.slice(0, 300)
    expect(long).toHaveLength(300)
    expect(decode(long)).toBe(long)
  })

  it('decodes non-ASCII text as UTF-8', () => {
    expect(decode('https://pii.example.org/#/s/Café—日本')).toBe('https://pii.example.org/#/s/Café—日本')
  })

  it('sizes the SVG to the modules plus a 4-module quiet zone on each side', () => {
    const { size, path } = qrCodeSvgPath(link)
    expect(size).toBe(qrModules(link).length + 8)
    expect(path).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/)
  })

  it('draws exactly the dark modules', () => {
    const modules = qrModules(link)
    const { path } = qrCodeSvgPath(link)
    const drawn = modules.map((row) => row.map(() => false))
    for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
      for (let i = 0; i < Number(w); i += 1) drawn[Number(y) - QUIET_ZONE_MODULES]![Number(x) - QUIET_ZONE_MODULES + i] = true
    }
    expect(drawn).toEqual(modules)
  })
})
