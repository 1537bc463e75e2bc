// Entry of the decoding worker thread: registers tsx in this thread (loader hooks are per thread)
// and loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
