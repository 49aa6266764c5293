/**
 * Writes a file that must appear whole and at most once: through a
 * temporary file and a hard link, so a crash never leaves half of it, and
 * of two processes writing at once the first one's file stays. Readable by
 * its owner only (it holds keys).
 */
import { link, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** Writes `text` at `path` unless a file is there already; either way, `path` holds a whole file afterwards. */
export async function writeFileOnce(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${crypto.randomUUID()}.tmp`
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' })
  try {
    // Fails if the file is there already: then that one stays.
    await link(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await rm(temporary, { force: true })
  }
}

/** The file's text, or undefined if there is none; any other failure says which file. */
export async function readIfPresent(path: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new Error(`Cannot read ${what} at ${path} (${String(error)}).`, { cause: error })
  }
}

/**
 * A key file's fields, once it reads as JSON of `format`; otherwise the
 * error `problem` makes of what is wrong. The fields are still unchecked.
 */
export function parseKeyFile<T extends { readonly format: string }>(text: string, format: T['format'], problem: (what: string) => Error): Partial<T> {
  let file: Partial<T>
  try {
    file = JSON.parse(text) as Partial<T>
  } catch {
    throw problem('not JSON')
  }
  if (typeof file !== 'object' || file === null) throw problem('not a JSON object')
  if (file.format !== format) throw problem(`format ${JSON.stringify(file.format)}, expected "${format}"`)
  return file
}

/**
 * Writes `bytes` as `folder/name`, whole or not at all: under a temporary name (`.<name>.<uuid>.tmp`, mode 0600),
 * flushed, then renamed into place, so a crash leaves the old file or the new one, never half of one. A failure
 * removes the temporary file and is thrown.
 */
export async function writeFileWhole(folder: string, name: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(folder, `.${name}.${crypto.randomUUID()}.tmp`)
  try {
    const file = await open(temporary, 'wx', 0o600)
    try {
      // The mode given to open is narrowed by the umask, never widened; chmod makes it exact.
      await file.chmod(0o600)
      await file.writeFile(bytes)
      // Flushed before the rename: otherwise a power cut can leave the new name pointing at an empty file.
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, join(folder, name))
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
