/**
 * The --clinical file of `cacs score`: the MESA inputs as JSON, checked by the core
 * (parseClinicalInputs) so the CLI and the viewer's risk form say the same things.
 *   {"ageYears": 62, "sex": "female", "race": "black", "diabetes": false, "currentSmoker": false,
 *    "systolicBpMmHg": 128, "antihypertensiveMedication": false, "totalCholesterolMgDl": 200,
 *    "hdlMgDl": 55, "lipidLoweringMedication": false, "familyHistoryOfHeartAttack": true}
 * Cholesterol may be given in mmol/L as totalCholesterolMmolL / hdlMmolL instead.
 */
import fs from 'node:fs';
import { parseClinicalInputs } from '../core/risk';
import type { ClinicalInputs } from '../core/types';
import { UsageError } from './args';

export const CLINICAL_EXAMPLE =
  '{"ageYears":62,"sex":"female","race":"white","diabetes":false,"currentSmoker":false,"systolicBpMmHg":128,' +
  '"antihypertensiveMedication":false,"totalCholesterolMgDl":200,"hdlMgDl":55,"lipidLoweringMedication":false,"familyHistoryOfHeartAttack":false}';

export function readClinicalFile(file: string): ClinicalInputs {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `clinical file ${file} does not exist` : `clinical file ${file} cannot be read (${code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`clinical file ${file} is not valid JSON (${(e as Error).message.split('\n')[0]}); expected ${CLINICAL_EXAMPLE}`);
  }
  const parsed = parseClinicalInputs(json);
  if (!parsed.ok) throw new UsageError(`clinical file ${file}: ${parsed.problems.join(' ')}`);
  return parsed.value;
}
