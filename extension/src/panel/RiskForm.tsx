// Risk inputs (docs/scoring.md §1.4): the reader enters age, sex, race/ethnicity, diabetes, smoking, blood
// pressure, treatment, cholesterol and family history; the core checks them (parseClinicalInputs)
// and the session rescores, so the MESA 10-year CHD risk with CAC stands beside the guideline
// text and is stored in the SR. Nothing entered is lost on an error: the form keeps it.
import { useState } from 'react';
import { parseClinicalInputs } from '../../../core/risk';
import type { ClinicalInputs, ScoringResult } from '../../../core/types';
import type { StringKey } from '../i18n/index';
import { useCalciumService } from './service';
import * as s from './styles';
import { PanelButton, useT } from './ui';

type Flag = 'diabetes' | 'currentSmoker' | 'antihypertensiveMedication' | 'lipidLoweringMedication' | 'familyHistoryOfHeartAttack';

const FLAGS: { key: Flag; text: StringKey }[] = [
  { key: 'diabetes', text: 'flagDiabetes' },
  { key: 'currentSmoker', text: 'flagCurrentSmoker' },
  { key: 'antihypertensiveMedication', text: 'flagTreatedHypertension' },
  { key: 'lipidLoweringMedication', text: 'flagLipidLowering' },
  { key: 'familyHistoryOfHeartAttack', text: 'flagFamilyHistory' },
];

interface Form {
  age: string;
  sex: '' | 'male' | 'female';
  race: '' | 'white' | 'chinese' | 'black' | 'hispanic';
  sbp: string;
  tc: string;
  hdl: string;
  cholUnit: 'mg/dL' | 'mmol/L';
  flags: Record<Flag, boolean>;
}

function fromInputs(c: ClinicalInputs | null): Form {
  return {
    age: c ? String(c.ageYears) : '',
    sex: c?.sex ?? '',
    race: c?.race ?? '',
    sbp: c ? String(c.systolicBpMmHg) : '',
    tc: c ? String(c.totalCholesterolMgDl) : '',
    hdl: c ? String(c.hdlMgDl) : '',
    cholUnit: 'mg/dL',
    flags: {
      diabetes: c?.diabetes ?? false,
      currentSmoker: c?.currentSmoker ?? false,
      antihypertensiveMedication: c?.antihypertensiveMedication ?? false,
      lipidLoweringMedication: c?.lipidLoweringMedication ?? false,
      familyHistoryOfHeartAttack: c?.familyHistoryOfHeartAttack ?? false,
    },
  };
}

const input = { width: 70, background: 'transparent', color: s.colors.text, border: `1px solid ${s.colors.border}`, borderRadius: 4, padding: '1px 4px' };
const row = { ...s.sub, display: 'flex', alignItems: 'center', gap: 6, margin: '2px 0' };

/** The form and the risk it gives; `result` is the current scoring result (its risk summary). */
export function RiskForm({ result }: { result: ScoringResult }) {
  const session = useCalciumService();
  const t = useT();
  const [form, setForm] = useState<Form>(() => fromInputs(session.clinical));
  const [problems, setProblems] = useState<string[]>([]);
  const [open, setOpen] = useState(session.clinical !== null);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const apply = () => {
    const mmol = form.cholUnit === 'mmol/L';
    const parsed = parseClinicalInputs({
      ageYears: form.age,
      sex: form.sex || undefined,
      race: form.race || undefined,
      systolicBpMmHg: form.sbp,
      ...(mmol ? { totalCholesterolMmolL: form.tc, hdlMmolL: form.hdl } : { totalCholesterolMgDl: form.tc, hdlMgDl: form.hdl }),
      ...form.flags,
    });
    if (!parsed.ok) {
      setProblems(parsed.problems);
      return;
    }
    setProblems([]);
    session.setClinical(parsed.value);
  };
  const clear = () => {
    setProblems([]);
    setForm(fromInputs(null));
    session.setClinical(null);
  };
  const risk = result.risk;
  return (
    <div style={{ margin: '10px 0' }} data-testid="calcium-risk">
      <button
        type="button"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        style={{ all: 'unset', cursor: 'pointer', color: s.colors.accent, fontSize: 13, fontWeight: 600 }}
      >
        {open ? '▾' : '▸'} {t('riskInputs')}
      </button>
      {open && (
        <form
          data-testid="calcium-risk-form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
          style={{ margin: '4px 0' }}
        >
          <label style={row}>
            {t('age')} <input name="age" value={form.age} onChange={(e) => set({ age: e.target.value })} inputMode="numeric" style={input} /> {t('years')}
          </label>
          <label style={row}>
            {t('sex')}
            <select name="sex" value={form.sex} onChange={(e) => set({ sex: e.target.value as Form['sex'] })} style={input}>
              <option value="">{t('choose')}</option>
              <option value="female">{t('female')}</option>
              <option value="male">{t('male')}</option>
            </select>
          </label>
          <label style={row}>
            {t('raceEthnicity')}
            <select name="race" value={form.race} onChange={(e) => set({ race: e.target.value as Form['race'] })} style={{ ...input, width: 100 }}>
              <option value="">{t('choose')}</option>
              <option value="white">{t('raceWhite')}</option>
              <option value="black">{t('raceBlack')}</option>
              <option value="hispanic">{t('raceHispanic')}</option>
              <option value="chinese">{t('raceChinese')}</option>
            </select>
          </label>
          <label style={row}>
            {t('systolicBp')} <input name="sbp" value={form.sbp} onChange={(e) => set({ sbp: e.target.value })} inputMode="numeric" style={input} /> mmHg
          </label>
          <label style={row}>
            {t('totalCholesterol')} <input name="tc" value={form.tc} onChange={(e) => set({ tc: e.target.value })} inputMode="decimal" style={input} />
            <select name="cholUnit" value={form.cholUnit} onChange={(e) => set({ cholUnit: e.target.value as Form['cholUnit'] })} style={{ ...input, width: 72 }}>
              <option value="mg/dL">mg/dL</option>
              <option value="mmol/L">mmol/L</option>
            </select>
          </label>
          <label style={row}>
            {t('hdlCholesterol')} <input name="hdl" value={form.hdl} onChange={(e) => set({ hdl: e.target.value })} inputMode="decimal" style={input} /> {form.cholUnit}
          </label>
          {FLAGS.map(({ key, text }) => (
            <label key={key} style={row}>
              <input
                type="checkbox"
                name={key}
                checked={form.flags[key]}
                onChange={(e) => set({ flags: { ...form.flags, [key]: e.target.checked } })}
              />
              {t(text)}
            </label>
          ))}
          <div style={{ display: 'flex', gap: 6, marginTop: 4 }}>
            <PanelButton kind="small" type="submit" data-testid="calcium-risk-apply">
              {t('computeRisk')}
            </PanelButton>
            <PanelButton kind="small" onClick={clear}>
              {t('clear')}
            </PanelButton>
          </div>
          {problems.length > 0 && (
            <div style={s.error} role="alert" data-testid="calcium-risk-problems">
              {problems.map((p) => (
                <p key={p} style={{ margin: '2px 0' }}>
                  {p}
                </p>
              ))}
            </div>
          )}
        </form>
      )}
      {risk.clinical && (
        <div data-testid="calcium-risk-result" style={{ margin: '6px 0' }}>
          {risk.mesaTenYearChdRiskPercent != null ? (
            <p style={{ margin: 0, fontWeight: 600 }}>{t('mesaRiskWithCac', { percent: risk.mesaTenYearChdRiskPercent.toFixed(1) })}</p>
          ) : (
            <p style={{ margin: 0, fontWeight: 600 }}>{t('mesaRiskNotComputed')}</p>
          )}
          {(risk.mesaNotes ?? []).map((n) => (
            <p key={n} style={{ ...s.sub, margin: '2px 0' }}>
              {n}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}
