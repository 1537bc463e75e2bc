/**
 * The labelling model: the manifest check refuses a model whose features do not match this
 * build, the shipped ONNX model runs under Node (onnxruntime-web's WASM backend), and its
 * proposals are applied as reviewable automatic labels that never overrule a person or a seed.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile, MODELS_DIR } from '../../cli/labeller';
import { FEATURE_NAMES, FEATURE_VERSION } from '../../core/labelling/features';
import { checkManifest, labelVolume, loadLabelModel, MAX_MODEL_BYTES, ModelMismatchError, type LabelModel, type ModelManifest } from '../../core/labelling/model';
import { generatePhantom, DEMO_PLAQUES } from '../../core/phantom/index';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import { AUTO_GUIDANCE_WITHHELD, scoreResult } from '../../core/scoring/score';
import { ARTERIES, type CtVolume } from '../../core/types';

const manifestPath = `${MODELS_DIR}/cac-labeller.json`;
const shipped = (): ModelManifest => JSON.parse(fs.readFileSync(manifestPath, 'utf8'));

describe('model manifest', () => {
  it('accepts the shipped manifest: this build\'s feature version and names, classes mapped to labels', () => {
    const m = checkManifest(shipped());
    expect(m.featureVersion).toBe(FEATURE_VERSION);
    expect(m.featureNames).toEqual([...FEATURE_NAMES]);
    for (const c of m.classes) expect([...ARTERIES, 'OTHER']).toContain(m.labels[c]);
    expect(m.labels['aortic-valve']).toBe('OTHER');
    expect(m.labels.LM).toBe('LM');
    expect(fs.statSync(`${MODELS_DIR}/${m.model}`).size).toBeLessThanOrEqual(MAX_MODEL_BYTES);
  });

  it('refuses a model trained on another feature version, saying what to do', () => {
    expect(() => checkManifest({ ...shipped(), featureVersion: 'old-features-0' })).toThrow(ModelMismatchError);
    expect(() => checkManifest({ ...shipped(), featureVersion: 'old-features-0' })).toThrow(/trained on features version old-features-0.*this build computes features version.*retrain/);
  });

  it('refuses a model whose feature list differs from the feature code, naming the first difference', () => {
    const names = [...shipped().featureNames];
    [names[1], names[2]] = [names[2], names[1]];
    expect(() => checkManifest({ ...shipped(), featureNames: names })).toThrow(/the 2\. is "frameAnterior", this build computes "frameLong"/);
    expect(() => checkManifest({ ...shipped(), featureNames: names.slice(1) })).toThrow(/expects \d+ features.*this build computes \d+/);
  });

  it('refuses a manifest without normalisation, labels or threshold, and a model over 5 MB', async () => {
    expect(() => checkManifest({ ...shipped(), normalisation: { mean: [], std: [] } })).toThrow(/normalisation/);
    expect(() => checkManifest({ ...shipped(), labels: { ...shipped().labels, bone: 'SPINE' } })).toThrow(/class "bone" maps to "SPINE"/);
    expect(() => checkManifest({ ...shipped(), thresholds: {} })).toThrow(/review threshold/);
    expect(() => checkManifest({ name: 'x' })).toThrow(/no manifest this version can read/);
    const never = async () => {
      throw new Error('must not be started');
    };
    await expect(loadLabelModel(shipped(), new Uint8Array(MAX_MODEL_BYTES + 1), never)).rejects.toThrow(/over the 5 MB limit/);
  });
});

describe('ONNX inference under Node (WASM)', () => {
  let model: LabelModel;
  let volume: CtVolume;
  beforeAll(async () => {
    model = await loadModelFile();
    volume = generatePhantom({ size: 256, seed: 3, plaques: DEMO_PLAQUES }).volume;
  });

  it('runs the shipped model on onnxruntime-web WASM: one probability row per component, each summing to 1', async () => {
    expect(model.classifier.backend).toMatch(/^wasm/);
    const rows = 3;
    const n = model.manifest.featureNames.length;
    const probs = await model.classifier.run(new Float32Array(rows * n).fill(0.1), rows, n);
    expect(probs.length).toBe(rows * model.manifest.classes.length);
    for (let r = 0; r < rows; r++) {
      const row = probs.subarray(r * model.manifest.classes.length, (r + 1) * model.manifest.classes.length);
      expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
    }
  });

  it('proposes labels for every component with a confidence; the totals show at once, decision support waits for confirmation', async () => {
    const set = detectLesions(volume);
    const a = new Assignment(set);
    const run = await labelVolume(volume, set, a, model);
    expect(run.labelled).toBe(true);
    expect(run.proposals).toHaveLength(set.components.length);
    for (const t of ['anatomy', 'features', 'inference'] as const) expect(run.timingsMs[t]).toBeGreaterThanOrEqual(0);
    const result = scoreResult(set, a);
    expect(result.model).toEqual({ name: model.manifest.name, version: model.manifest.version });
    expect(result.labelling?.status).toBe('unreviewed');
    expect(result.lesions.every((l) => l.labelSource === 'auto' && l.confidence !== null && l.confidence > 0 && l.confidence <= 1)).toBe(true);
    // The demo phantom has calcium in all four arteries: the automatic totals count some of it.
    expect(result.total.agatston).toBeGreaterThan(0);
    expect(result.risk.provisional).toBe(true);
    expect(result.risk.guidance).toBe(AUTO_GUIDANCE_WITHHELD);
    expect(result.warnings.some((w) => /Automatic, not reviewed/.test(w))).toBe(true);
    // Non-coronary proposals are OTHER, keep their fine class and stay out of the totals.
    const other = result.lesions.filter((l) => l.artery === 'OTHER');
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((l) => typeof l.fineClass === 'string' && !ARTERIES.includes(l.fineClass as never))).toBe(true);
    // One action confirms every remaining proposal: guidance is given, labels stay recorded as automatic.
    expect(a.confirmAll()).toBeGreaterThan(0);
    const confirmed = scoreResult(set, a);
    expect(confirmed.labelling?.status).toBe('confirmed');
    expect(confirmed.risk.guidance).not.toBe(AUTO_GUIDANCE_WITHHELD);
    expect(confirmed.lesions.every((l) => !l.needsReview)).toBe(true);
    expect(confirmed.total.agatston).toBeCloseTo(result.total.agatston, 6);
  });

  it('never overrules a seed or a reader, and round-trips confidences through the saved assignment', async () => {
    const set = detectLesions(volume);
    const a = new Assignment(set);
    const lesionId = set.lesions[0].id;
    a.assignLesion(lesionId, 'RCA', 'reader');
    a.applySeeds([{ pointMm: set.components[set.lesions[1].componentIds[0] - 1].centroidMm, artery: 'LCX' }]);
    await labelVolume(volume, set, a, model);
    expect(a.labelsOfLesion(lesionId)).toEqual(['RCA']);
    expect(a.sourceOfComponent(set.lesions[0].componentIds[0])).toBe('reader');
    expect(a.confidenceOfComponent(set.lesions[0].componentIds[0])).toBeNull();
    const seeded = set.lesions[1].componentIds[0];
    expect([a.labelOfComponent(seeded), a.sourceOfComponent(seeded)]).toEqual(['LCX', 'seed']);
    const auto = set.components.find((c) => a.sourceOfComponent(c.id) === 'auto')!;
    const back = Assignment.fromJSON(set, JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.confidenceOfComponent(auto.id)).toBeCloseTo(a.confidenceOfComponent(auto.id)!, 3);
    expect(back.fineClassOfComponent(auto.id)).toBe(a.fineClassOfComponent(auto.id));
    expect(back.model).toEqual(a.model);
    expect(back.hasUnconfirmedProposals()).toBe(true);
  });

  it('labels nothing and carries the warning when the heart is not found', async () => {
    // A block of soft tissue with one dense spot: no lungs, no heart, no aorta.
    const v: CtVolume = { ...volume, hu: new Int16Array(volume.hu.length).fill(40) };
    const centre = ((volume.slices >> 1) * volume.rows + (volume.rows >> 1)) * volume.columns + (volume.columns >> 1);
    for (const d of [0, 1, volume.columns, volume.columns + 1]) v.hu[centre + d] = 500;
    const set = detectLesions(v);
    expect(set.components.length).toBeGreaterThan(0);
    const a = new Assignment(set);
    const run = await labelVolume(v, set, a, model);
    expect(run.labelled).toBe(false);
    expect(run.warnings.some((w) => /did not run: the heart and aortic root were not found/.test(w))).toBe(true);
    expect(set.components.every((c) => a.labelOfComponent(c.id) === 'UNASSIGNED')).toBe(true);
    expect(scoreResult(set, a).model).toBeNull();
  });
});
