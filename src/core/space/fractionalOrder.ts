/**
 * Fractional order keys: strings that sort between any two neighbours, so a
 * reorder rewrites one item's `order` field instead of moving it in a list.
 * (Moving a Y.Map inside a Y.Array deletes and re-creates it, which would drop
 * a collaborator's concurrent edit to that item.)
 *
 * Keys are an integer part whose first character encodes its length (so
 * appending stays short: n appends cost O(log n) characters) followed by a
 * base-62 fraction with no trailing '0'. This follows David Greenspan's
 * "Implementing Fractional Indexing". Two peers inserting at the same place
 * can produce the same key; readers break ties by item id.
 *
 * Keys arrive from other peers, so nothing here recurses over a key's length
 * and readers reject keys over MAX_ORDER_KEY_LENGTH.
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BASE = DIGITS.length
const INTEGER_ZERO = 'a0'
const SMALLEST_INTEGER = 'A' + '0'.repeat(26)

/**
 * Longest key a reader accepts, in characters. Honest keys stay far below it:
 * n appends cost O(log n) characters, and inserting again and again at one spot
 * (the fastest honest growth) adds about one character per five inserts, so
 * ~5,000 inserts at one spot fit. A longer key is a buggy or hostile peer's,
 * and would make every read of the list and every insert next to it pay for
 * its length.
 */
export const MAX_ORDER_KEY_LENGTH = 1_024

export type OrderKey = string & { readonly __brand: 'OrderKey' }

function digitValue(char: string | undefined): number {
  const value = char === undefined ? -1 : DIGITS.indexOf(char)
  if (value < 0) throw new Error(`"${char ?? ''}" is not an order-key digit.`)
  return value
}

function integerLength(head: string | undefined): number {
  if (head !== undefined && head >= 'a' && head <= 'z') return head.charCodeAt(0) - 'a'.charCodeAt(0) + 2
  if (head !== undefined && head >= 'A' && head <= 'Z') return 'Z'.charCodeAt(0) - head.charCodeAt(0) + 2
  throw new Error(`"${head ?? ''}" cannot start an order key.`)
}

function integerPart(key: string): string {
  const length = integerLength(key[0])
  if (length > key.length) throw new Error(`Order key "${key}" is shorter than its integer part.`)
  return key.slice(0, length)
}

const KEY_CHARACTERS = /^[A-Za-z][0-9A-Za-z]*$/

/** Checked for every item on every read, so it avoids allocation and exceptions, and tests the length before scanning. */
export function isOrderKey(key: unknown): key is OrderKey {
  if (typeof key !== 'string' || key.length > MAX_ORDER_KEY_LENGTH || !KEY_CHARACTERS.test(key) || key === SMALLEST_INTEGER) return false
  const length = integerLength(key[0])
  return key.length >= length && (key.length === length || !key.endsWith('0'))
}

/**
 * A fraction strictly between fractions a < b (b absent: no upper bound), no
 * trailing zeros, and no longer than needed. A loop, not recursion: a peer's
 * key can be any length, and a recursion per character overflowed the stack.
 */
function midpoint(a: string, b: string | undefined): string {
  let head = ''
  let from = 0
  if (b !== undefined) {
    let shared = 0
    while ((a[shared] ?? '0') === b[shared]) shared++
    const digitA = a[shared] === undefined ? 0 : digitValue(a[shared])
    const digitB = digitValue(b[shared])
    if (digitB - digitA > 1) return b.slice(0, shared) + middleDigit(digitA, digitB)
    if (b.length > shared + 1) return b.slice(0, shared + 1)
    // b ends one digit above a here: keep a's digit, then find room above the rest of a.
    head = b.slice(0, shared) + DIGITS.charAt(digitA)
    from = shared + 1
  }
  // No upper bound: no digit sorts above a 'z', so each is kept; the first other digit (or a's end) leaves room.
  let end = from
  while (a[end] === 'z') end++
  return head + a.slice(from, end) + middleDigit(a[end] === undefined ? 0 : digitValue(a[end]), BASE)
}

function middleDigit(low: number, high: number): string {
  return DIGITS.charAt(Math.round((low + high) / 2))
}

function stepInteger(integer: string, direction: 1 | -1): string | undefined {
  const head = integer[0] ?? ''
  const digits = [...integer.slice(1)]
  for (let i = digits.length - 1; i >= 0; i--) {
    const next = digitValue(digits[i]) + direction
    if (next >= 0 && next < BASE) {
      digits[i] = DIGITS[next] ?? ''
      return head + digits.join('')
    }
    digits[i] = direction === 1 ? '0' : (DIGITS[BASE - 1] ?? '')
  }
  // Every digit carried: the integer needs one more (or one fewer) digit.
  if (direction === 1) {
    if (head === 'Z') return INTEGER_ZERO
    if (head === 'z') return undefined
    const nextHead = String.fromCharCode(head.charCodeAt(0) + 1)
    if (nextHead > 'a') digits.push('0')
    else digits.pop()
    return nextHead + digits.join('')
  }
  if (head === 'a') return 'Z' + (DIGITS[BASE - 1] ?? '')
  if (head === 'A') return undefined
  const previousHead = String.fromCharCode(head.charCodeAt(0) - 1)
  if (previousHead < 'Z') digits.push(DIGITS[BASE - 1] ?? '')
  else digits.pop()
  return previousHead + digits.join('')
}

/** A key that sorts after `before` and before `after` (either may be absent). */
export function orderKeyBetween(before: string | undefined, after: string | undefined): OrderKey {
  if (before !== undefined && after !== undefined && before >= after) {
    throw new Error(`Order key "${before}" must sort before "${after}".`)
  }
  if (before === undefined) {
    if (after === undefined) return INTEGER_ZERO as OrderKey
    const integer = integerPart(after)
    const fraction = after.slice(integer.length)
    if (integer === SMALLEST_INTEGER) return (integer + midpoint('', fraction)) as OrderKey
    if (integer < after) return integer as OrderKey
    const previous = stepInteger(integer, -1)
    if (previous === undefined) throw new Error('No order key sorts before the smallest one.')
    return previous as OrderKey
  }
  const integer = integerPart(before)
  const fraction = before.slice(integer.length)
  if (after === undefined) {
    const next = stepInteger(integer, 1)
    return (next ?? integer + midpoint(fraction, undefined)) as OrderKey
  }
  const afterInteger = integerPart(after)
  if (integer === afterInteger) return (integer + midpoint(fraction, after.slice(integer.length))) as OrderKey
  const next = stepInteger(integer, 1)
  if (next !== undefined && next < after) return next as OrderKey
  return (integer + midpoint(fraction, undefined)) as OrderKey
}
