/**
 * The shipped model meets its card (models/README.md) on a fixed held-out synthetic set: the
 * first scans of the held-out seed range (900001+, never used in training; natural dominance
 * mix, so left-dominant hearts are a family training never saw), labelled in Node on
 * onnxruntime-web's WASM backend, exactly as `cacs score` labels. CI never trains; this loads
 * the committed model.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile, MODELS_DIR } from '../../cli/labeller';
import { heldOutScan } from '../../scripts/train/common';
import { evaluateScans, type Figures } from '../../scripts/train/evaluate-lib';

/** The card's held-out figures, measured by scripts/train/evaluate.ts on the full held-out set. */
const card = JSON.parse(fs.readFileSync(`${MODELS_DIR}/cac-labeller.heldout.json`, 'utf8'));
const SCANS = 8;

describe('shipped labeller on the held-out synthetic set', () => {
  let f: Figures;
  beforeAll(async () => {
    const model = await loadModelFile();
    f = await evaluateScans(
      Array.from({ length: SCANS }, (_, n) => heldOutScan(n)),
      model,
    );
  }, 240_000);

  it('finds the anatomy in every held-out scan', () => {
    expect(f.anatomyFound).toBe(SCANS);
  });

  it('puts at least 97 % of the candidate lesions on the right class (artery or non-coronary)', () => {
    expect(f.lesions.all).toBeGreaterThan(100);
    expect(f.lesions.right / f.lesions.all).toBeGreaterThanOrEqual(0.97);
    expect(card.heldOut.lesionAccuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('meets the card on coronary lesions and on the classic Agatston classes', () => {
    expect(f.lesions.coronaryTruth).toBeGreaterThan(10);
    expect(f.lesions.coronaryRight / f.lesions.coronaryTruth).toBeGreaterThanOrEqual(card.heldOut.coronaryLesionRecall - 0.1);
    expect(f.kappa).toBeGreaterThanOrEqual(Math.min(card.heldOut.kappaLinearClassic, 0.9) - 0.1);
  });
});
