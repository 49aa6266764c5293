/**
 * Base58btc (the Bitcoin alphabet), the encoding did:key uses for its
 * multibase 'z' form. Small enough to own rather than pull in a package.
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const DIGIT_OF = new Map([...ALPHABET].map((char, index) => [char, index]))

export function encodeBase58(bytes: Uint8Array): string {
  let leadingZeros = 0
  while (leadingZeros < bytes.length && bytes[leadingZeros] === 0) leadingZeros++
  // Little-endian base-58 digits of the big-endian input number.
  const digits: number[] = []
  for (let i = leadingZeros; i < bytes.length; i++) {
    let carry = bytes[i] ?? 0
    for (let d = 0; d < digits.length; d++) {
      carry += (digits[d] ?? 0) << 8
      digits[d] = carry % 58
      carry = Math.floor(carry / 58)
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = Math.floor(carry / 58)
    }
  }
  let out = '1'.repeat(leadingZeros)
  for (let d = digits.length - 1; d >= 0; d--) out += ALPHABET[digits[d] ?? 0]
  return out
}

/** Returns undefined when `text` holds a character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array | undefined {
  let leadingOnes = 0
  while (leadingOnes < text.length && text[leadingOnes] === '1') leadingOnes++
  // Little-endian base-256 bytes of the number.
  const bytes: number[] = []
  for (let i = leadingOnes; i < text.length; i++) {
    const value = DIGIT_OF.get(text[i] ?? '')
    if (value === undefined) return undefined
    let carry = value
    for (let b = 0; b < bytes.length; b++) {
      carry += (bytes[b] ?? 0) * 58
      bytes[b] = carry & 0xff
      carry >>= 8
    }
    while (carry > 0) {
      bytes.push(carry & 0xff)
      carry >>= 8
    }
  }
  const out = new Uint8Array(leadingOnes + bytes.length)
  for (let b = 0; b < bytes.length; b++) out[out.length - 1 - b] = bytes[b] ?? 0
  return out
}
