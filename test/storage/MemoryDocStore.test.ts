import { MemoryDocStore } from '../../src/storage/MemoryDocStore.ts'
import { runDocStoreContract } from '../helpers/docStoreContract.ts'

runDocStoreContract('MemoryDocStore', () => new MemoryDocStore())
