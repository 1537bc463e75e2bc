/**
 * Imported first by the CLI's entry and its decode worker, before anything loads dcmjs-codecs.
 *
 * dcmjs-codecs 0.0.8 brings its own copy of dcmjs (node_modules/dcmjs-codecs/node_modules/dcmjs,
 * 1.4 MB of JavaScript) and loads it at once, for its Transcoder only. The CLI uses only its
 * WebAssembly decoders (core/dicom/pixels.ts), so that copy is replaced in Node's module cache by
 * an empty stand-in: about 0.1 s of CPU less at every start, in the main thread and in each
 * decode worker. Where the layout differs (another version, deduplicated), nothing is changed.
 */
import { createRequire, Module } from 'node:module';
import path from 'node:path';

function skipCodecsOwnDcmjs(): void {
  try {
    const require = createRequire(import.meta.url);
    const codecsMain = require.resolve('dcmjs-codecs');
    const ownDcmjs = createRequire(codecsMain).resolve('dcmjs');
    // Only a nested copy is replaced: the project's own dcmjs (the reader's) is never touched.
    if (!ownDcmjs.includes(`dcmjs-codecs${path.sep}node_modules`) || require.cache[ownDcmjs]) return;
    const standIn = new Module(ownDcmjs);
    standIn.filename = ownDcmjs;
    standIn.loaded = true;
    // What dcmjs-codecs reads from dcmjs when it loads (its transcoder's imports), all unused here.
    standIn.exports = { data: {}, log: {} };
    require.cache[ownDcmjs] = standIn;
  } catch {
    // dcmjs-codecs then loads as published.
  }
}

skipCodecsOwnDcmjs();
