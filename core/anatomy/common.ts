/**
 * Codes shared by the anatomy finder's steps (core/anatomy/*.ts) and its callers: the label map
 * (one LABEL_* code per grid voxel) and the kind of bone (one BONE_* code per grid voxel).
 * Re-exported by core/anatomy/index.ts.
 */
export const LABEL_OUTSIDE = 0;
export const LABEL_BODY = 1;
export const LABEL_LUNG = 2;
export const LABEL_BONE = 3;
export const LABEL_HEART = 4;
export const LABEL_AORTA = 5;

export const BONE_NONE = 0;
export const BONE_SPINE = 1;
export const BONE_STERNUM = 2;
export const BONE_OTHER = 3;
