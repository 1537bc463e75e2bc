// dcmjs ships no type declarations. A shorthand ambient module (everything `any`) so strict
// TypeScript accepts the import; the reader narrows what it uses in core/dicom/dataset.ts.
declare module 'dcmjs';
