export { storeResult, outboxFiles, stowBody, type StoreOptions, type StoreOutcome, type StoreFailure, type StorableObject } from './stow';
