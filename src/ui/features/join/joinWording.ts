/** How the join screen names what is being joined. */
import type { SpaceId } from '../../../core/space/ids.ts'

/** Enough of a space id (22 characters) to compare it with what the sender sees; the whole id is in the tooltip. */
const SHOWN_SPACE_ID_CHARS = 8

export function shortSpaceId(id: SpaceId): string {
  return `${id.slice(0, SHOWN_SPACE_ID_CHARS)}…`
}
