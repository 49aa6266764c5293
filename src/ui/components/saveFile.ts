/** Long enough for the browser to start the download before its URL is revoked. */
const REVOKE_AFTER_MS = 10_000

/** Offers `blob` to the person as a download named `name`. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  // Attached while clicked: some browsers ignore a click on a link outside the document.
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
}
