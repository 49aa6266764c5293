/** Something a person asked of the node that it cannot do as asked (a bad link, a space it does not hold): its message says what to do. */
export class NodeInputError extends Error {
  override readonly name = 'NodeInputError'
}
