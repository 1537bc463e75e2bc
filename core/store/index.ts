export { storeResult, outboxFiles, stowBody, type StoreOptions, type StoreOutcome, type StoreFailure, type StorableObject } from './stow';
export {
  loadCalciumResults,
  restoreFromArchive,
  nextVersionAfter,
  retrieveInstance,
  searchForInstances,
  searchForSeries,
  parseMultipart,
  type DicomwebOptions,
  type StoredCalciumResults,
} from './dicomweb';
