/** Orders strings by code unit, the same on every device (localeCompare depends on the device's locale). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
