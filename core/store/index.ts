export { storeResult, outboxFiles, stowBody, type StoreOptions, type StoreOutcome, type StoreFailure, type StorableObject } from './stow';
export { encodeAndStore, saveToArchive, reportContentKey, type SaveOptions, type SaveOutcome, type SaveChain } from './save';
export {
  DicomwebClient,
  DicomwebError,
  DEFAULT_TIMEOUT_S,
  loadCalciumReports,
  loadCalciumResults,
  restoreFromArchive,
  nextVersionAfter,
  parseMultipart,
  jsonValue,
  type DicomwebOptions,
  type JsonDataset,
  type StoredCalciumResults,
} from './dicomweb';
