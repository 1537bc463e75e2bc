import type { ClinicalInputs } from '../../../core/types';

/** docs/scoring.md §1.4 MESA check patient: 70-year-old Hispanic man, SBP 130 on treatment, HDL 50, TC 190 (CAC 0 -> 3.06 %). */
export const MESA_CHECK_PATIENT: ClinicalInputs = Object.freeze({
  ageYears: 70,
  sex: 'male',
  race: 'hispanic',
  diabetes: false,
  currentSmoker: false,
  totalCholesterolMgDl: 190,
  hdlMgDl: 50,
  lipidLoweringMedication: false,
  systolicBpMmHg: 130,
  antihypertensiveMedication: true,
  familyHistoryOfHeartAttack: false,
});
