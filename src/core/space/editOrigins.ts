/**
 * The origin of a transaction typed into a text field (a title, a note).
 * The signed log seals such an edit once the page has painted it, not
 * before (SignedLogOptions.afterPaint): the person sees their key press a
 * frame sooner, a peer sees it a frame later, and a burst of typing shares
 * one envelope. The undo manager tracks it like an untagged edit.
 */
export const TYPED = Symbol('typed in a text field')
