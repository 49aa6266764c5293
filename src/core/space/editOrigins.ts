/**
 * The origin of a change a person makes in a field they are looking at:
 * typing in a title or a note, ticking an item's box. The browser shows
 * such a change by itself, so the signed log seals it once the page has
 * painted, not before (SignedLogOptions.afterPaint): the person sees it a
 * frame sooner, a peer a frame later, and a burst of typing shares one
 * envelope. Commands (adding, moving, deleting, planning) are sealed at
 * once. The undo manager tracks it like an untagged edit.
 */
export const FIELD_EDIT = Symbol('edited in a field')
