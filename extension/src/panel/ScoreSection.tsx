// Scoring part of the panel: score button and progress, per-artery table, risk category, and
// the lesion list with assign / reassign / exclude buttons (rescored at once).
import { memo, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { ARTERIES, LESION_LABELS, type Artery, type LesionLabel, type LesionMeasure, type ScoringResult, type Totals } from '../../../core/types';
import { labelHex } from '../../../core/palette';
import { viewerImageRange } from '../../../core/slices';
import { oneDecimal, resultHeadline, reviewStatus } from '../../../core/encode/report-text';
import { storedArteryTotals, storedHeadline } from '../../../core/encode/stored-view';
import { RiskForm } from './RiskForm';
import { PriorSection } from './PriorSection';
import type { CommandsManager } from '../ohif';
import { isBusy, type SaveState, type SessionState, type StoredView } from '../scoring/session';
import { useCalciumService } from './service';
import { useContractAttributes, HotkeyList, LabellerLine, Progress } from './ReviewTools';
import * as s from './styles';
import { PanelButton, useT } from './ui';

// One palette everywhere (overlay, panel, SEG, PDF): core/palette.ts.
const ARTERY_COLOURS = Object.fromEntries(LESION_LABELS.map((l) => [l, labelHex(l)])) as Record<LesionLabel, string>;

/** One artery (or Exclude) button in the artery colour; filled when it is the current choice. */
function LabelButton(props: {
  label: LesionLabel;
  text: string;
  active: boolean;
  dashed?: boolean;
  data: Record<string, string>;
  onClick: () => void;
}) {
  const { label, text, active, dashed, data, onClick } = props;
  return (
    <button
      type="button"
      {...data}
      aria-pressed={active}
      onClick={onClick}
      style={{
        flex: 1,
        padding: '2px 0',
        fontSize: 12,
        borderRadius: 4,
        cursor: 'pointer',
        border: `1px ${dashed ? 'dashed' : 'solid'} ${ARTERY_COLOURS[label]}`,
        background: active ? ARTERY_COLOURS[label] : 'transparent',
        color: active ? '#000' : s.colors.text,
      }}
    >
      {text}
    </button>
  );
}

function useSession(): SessionState {
  const session = useCalciumService();
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.state,
  );
}

function useStored(): StoredView | null {
  const session = useCalciumService();
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.stored,
  );
}

function useSaveState(): SaveState {
  const session = useCalciumService();
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.saveState,
  );
}

function SaveBar({ commandsManager }: { commandsManager: CommandsManager }) {
  const session = useCalciumService();
  const t = useT();
  const save = useSaveState();
  const saving = save.status === 'saving';
  const correction = session.savedVersion > 0;
  return (
    <div style={{ margin: '10px 0' }} data-testid="calcium-save">
      <PanelButton
        kind="outline"
        disabled={saving}
        data-testid="calcium-save-button"
        onClick={() => void Promise.resolve(commandsManager.runCommand('calciumScoringSave')).catch((e: unknown) => console.error('[calcium-scoring] save:', e))}
      >
        {saving ? t('saving') : save.status === 'saved' ? t('saved') : correction ? t('saveCorrection') : t('saveToArchive')}
      </PanelButton>
      {save.status === 'saved' && (
        <>
          <p
            style={{ ...s.sub, margin: '6px 0 2px', color: s.colors.accent }}
            data-testid="calcium-save-message"
            data-unchanged={save.unchanged ? 'true' : 'false'}
            data-version={save.version}
            data-sr-uid={save.sopInstanceUid}
          >
            {save.message}
          </p>
          {save.warnings.map((w) => (
            <p key={w} style={{ ...s.error, margin: '4px 0' }} role="alert" data-testid="calcium-save-warning">
              {w}
            </p>
          ))}
          <p style={s.sub} data-testid="calcium-report-text">
            {save.reportText}
          </p>
        </>
      )}
      {save.status === 'error' && (
        <div style={s.error} role="alert" data-testid="calcium-save-error">
          <p style={{ margin: 0 }}>{save.message}</p>
          {save.downloads && save.downloads.length > 0 && (
            <p style={{ margin: '4px 0 0' }}>
              {t('notStoredDownload')}{' '}
              {save.downloads.map((d) => (
                <a key={d.url} href={d.url} download={d.name} style={{ color: s.colors.accent, marginRight: 6 }}>
                  {d.name.split('-')[2] ?? d.name}
                </a>
              ))}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function useClick(): { armed: LesionLabel | null; message: string | null } {
  const session = useCalciumService();
  const armed = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.armedLabel,
  );
  const message = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.clickMessage,
  );
  return { armed, message };
}

/** Arm an artery, then click lesions on the image to assign them. */
function ClickToAssign({ commandsManager }: { commandsManager: CommandsManager }) {
  const t = useT();
  const { armed, message } = useClick();
  return (
    <div style={{ margin: '8px 0' }} data-testid="calcium-click-assign">
      <p style={{ ...s.sub, margin: '0 0 4px' }}>{armed ? t('clickToAssignArmed') : t('clickToAssign')}</p>
      <div style={{ display: 'flex', gap: 4 }}>
        {BUTTON_LABELS.map(({ label, text }) => (
          <LabelButton
            key={label}
            label={label}
            text={text ?? t('exclude')}
            active={armed === label}
            dashed
            data={{ 'data-arm': label }}
            onClick={() => commandsManager.runCommand('calciumScoringArmClick', { label: armed === label ? null : label })}
          />
        ))}
      </div>
      {message && (
        <p style={{ ...s.sub, margin: '4px 0 0' }} data-testid="calcium-click-message">
          {message}
        </p>
      )}
    </div>
  );
}

/** The settings the score was computed with (also written into the SR). */
function SettingsLine({ result }: { result: ScoringResult }) {
  const t = useT();
  const st = result.settings;
  const area = st.minAreaPixels !== null ? t('areaPixels', { count: st.minAreaPixels }) : t('areaMm2', { value: st.minAreaMm2 });
  const normalised = st.normaliseToMm !== null ? t('normalisedTo', { mm: st.normaliseToMm }) : '';
  return (
    <p style={{ ...s.sub, margin: '0 0 6px' }} data-testid="calcium-settings">
      {t('settingsLine', { threshold: st.thresholdHu, area, connectivity: st.connectivity2d, normalised })}
    </p>
  );
}

/** Mass needs a calibration factor (docs/scoring.md §1.2); without one from the header, the reader may enter one. */
function MassFactor({ result, commandsManager }: { result: ScoringResult; commandsManager: CommandsManager }) {
  const t = useT();
  const st = result.settings;
  const [text, setText] = useState(st.massFactor === null ? '' : String(st.massFactor));
  const [error, setError] = useState<string | null>(null);
  const apply = () => {
    const value = text.trim() === '' ? null : Number(text.replace(',', '.'));
    try {
      commandsManager.runCommand('calciumScoringSetMassFactor', { massFactor: value });
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div style={{ margin: '6px 0' }} data-testid="calcium-mass-factor">
      <label style={{ ...s.sub, display: 'flex', alignItems: 'center', gap: 6, margin: 0 }}>
        {t('massFactor')}
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && apply()}
          placeholder={t('massFactorUnit')}
          inputMode="decimal"
          style={{ width: 90, background: 'transparent', color: s.colors.text, border: `1px solid ${s.colors.border}`, borderRadius: 4, padding: '1px 4px' }}
        />
        <PanelButton kind="small" onClick={apply}>
          {t('apply')}
        </PanelButton>
        {st.massFactor !== null && <span>({st.massFactorSource ?? t('massFactorGiven')})</span>}
      </label>
      {error && (
        <p style={s.error} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** How many not-yet-assigned lesions to list before "show all" (a chest CT has hundreds: ribs, spine). */
const UNASSIGNED_SHOWN = 40;

/** Lesions grouped: on an artery first, then not assigned (in slice order, capped), then excluded. */
function LesionList({ result, commandsManager }: { result: ScoringResult; commandsManager: CommandsManager }) {
  const session = useCalciumService();
  const t = useT();
  const [showAll, setShowAll] = useState(false);
  const [showAllExcluded, setShowAllExcluded] = useState(false);
  // The selection: a lesion, or one part of a split lesion.
  const selected = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => `${session.selectedLesionId}:${session.selectedPart}`,
  );
  const onArtery = result.lesions.filter((l) => (ARTERIES as readonly string[]).includes(l.artery));
  const unassigned = result.lesions.filter((l) => l.artery === 'UNASSIGNED');
  const excluded = result.lesions.filter((l) => l.artery === 'OTHER');
  // The selected lesion (N / P, a click) is always listed, also beyond the first rows.
  const isSelected = (l: LesionMeasure) => selected !== '' && session.isRowSelected(l);
  const capped = (lesions: LesionMeasure[], all: boolean) => (all ? lesions : lesions.filter((l, n) => n < UNASSIGNED_SHOWN || isSelected(l)));
  const shownUnassigned = capped(unassigned, showAll);
  // A bulk exclusion on a chest CT excludes ~900: list a few, like the unassigned ones.
  const shownExcluded = capped(excluded, showAllExcluded);
  const group = (title: string, lesions: LesionMeasure[], testId: string) =>
    lesions.length > 0 && (
      <>
        <h4 style={{ ...s.sub, margin: '10px 0 0', fontWeight: 600 }}>{title}</h4>
        <ul style={{ margin: 0, padding: 0 }} data-testid={testId}>
          {lesions.map((l) => (
            <LesionRow key={`${l.id}-${l.artery}`} lesion={l} slices={result.input.sliceCount} commandsManager={commandsManager} selected={isSelected(l)} />
          ))}
        </ul>
      </>
    );
  return (
    <div data-testid="calcium-lesions">
      <h3 style={{ ...s.heading, fontSize: 13, marginTop: 12 }}>{t('lesionsHeading', { count: result.lesions.length })}</h3>
      {group(t('groupOnArtery', { count: onArtery.length }), onArtery, 'calcium-lesions-assigned')}
      {group(t('groupUnassigned', { count: unassigned.length }), shownUnassigned, 'calcium-lesions-unassigned')}
      {unassigned.length > shownUnassigned.length && (
        <PanelButton kind="small" onClick={() => setShowAll(true)} layout={{ margin: '6px 0' }}>
          {t('showAllUnassigned', { count: unassigned.length })}
        </PanelButton>
      )}
      {group(t('groupExcluded', { count: excluded.length }), shownExcluded, 'calcium-lesions-excluded')}
      {excluded.length > shownExcluded.length && (
        <PanelButton kind="small" onClick={() => setShowAllExcluded(true)} layout={{ margin: '6px 0' }}>
          {t('showAllExcluded', { count: excluded.length })}
        </PanelButton>
      )}
    </div>
  );
}

/** Per-artery and total scores: of the live result, or of a stored report while its lesions are found. */
function ArteryTable({ result }: { result: { arteries: Record<Artery, Totals>; total: Totals } }) {
  const tr = useT();
  const row = (name: string, t: Totals, strong = false) => (
    <tr key={name} style={strong ? { fontWeight: 600, borderTop: `1px solid ${s.colors.border}` } : undefined} data-artery={name}>
      <th style={s.th} scope="row">
        {name !== 'Total' && <span style={{ color: ARTERY_COLOURS[name as LesionLabel] }}>● </span>}
        {name === 'Total' ? tr('total') : name}
      </th>
      {/* As the SR stores them (core oneDecimal): a stored report and its restored result read the same. */}
      <td style={s.td} data-col="agatston">
        {oneDecimal(t.agatston)}
      </td>
      <td style={s.td} data-col="volume">
        {oneDecimal(t.volumeMm3)}
      </td>
      <td style={s.td} data-col="mass">
        {t.massMg === null ? tr('notApplicable') : oneDecimal(t.massMg, 3)}
      </td>
      <td style={s.td} data-col="lesions">
        {t.lesionCount}
      </td>
    </tr>
  );
  return (
    <table style={s.table} data-testid="calcium-artery-table">
      <thead>
        <tr>
          <th style={s.th}>{tr('columnArtery')}</th>
          <th style={{ ...s.th, textAlign: 'right' }}>{tr('columnAgatston')}</th>
          <th style={{ ...s.th, textAlign: 'right' }}>{tr('columnVolume')}</th>
          <th style={{ ...s.th, textAlign: 'right' }}>{tr('columnMass')}</th>
          <th style={{ ...s.th, textAlign: 'right' }}>{tr('columnLesions')}</th>
        </tr>
      </thead>
      <tbody>
        {ARTERIES.map((a) => row(a, result.arteries[a]))}
        {row('Total', result.total, true)}
      </tbody>
    </table>
  );
}

/** The arteries by their names (one vocabulary everywhere), then Exclude (text null: the panel's t('exclude')). */
const BUTTON_LABELS: { label: LesionLabel; text: string | null }[] = [
  ...ARTERIES.map((a) => ({ label: a as LesionLabel, text: a as string })),
  { label: 'OTHER', text: null },
];

/** Re-rendered only when what it shows changes (a chest CT lists many rows). */
const LesionRow = memo(LesionRowView, (a, b) => a.selected === b.selected && a.slices === b.slices && a.lesion.id === b.lesion.id && a.lesion.artery === b.lesion.artery && a.lesion.labelSource === b.lesion.labelSource && a.lesion.needsReview === b.lesion.needsReview && a.lesion.agatston === b.lesion.agatston && a.lesion.volumeMm3 === b.lesion.volumeMm3);

function LesionRowView({ lesion, slices, commandsManager, selected }: { lesion: LesionMeasure; slices: number; commandsManager: CommandsManager; selected: boolean }) {
  const t = useT();
  // The row's own id: on a split lesion's part, the assign changes that part only.
  const lesionId = lesion.id;
  const excluded = lesion.artery === 'OTHER';
  // The row N / P (or a click) moves to is marked selected and scrolled into view.
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);
  return (
    <li
      ref={ref}
      data-testid="calcium-lesion"
      data-lesion-id={lesion.id}
      data-agatston={lesion.agatston}
      data-artery={lesion.artery}
      data-label-source={lesion.labelSource}
      data-needs-review={lesion.needsReview ? 'true' : undefined}
      data-selected={selected ? 'true' : undefined}
      style={{ listStyle: 'none', padding: '6px 0', borderBottom: `1px solid ${s.colors.border}`, opacity: excluded ? 0.6 : 1, outline: selected ? '1px solid #fff' : undefined }}
    >
      <button
        type="button"
        onClick={() => void commandsManager.runCommand('calciumScoringJumpToLesion', { lesionId: lesion.id })}
        style={{ all: 'unset', cursor: 'pointer', display: 'block', width: '100%' }}
        title={t('showLesion')}
      >
        <span style={{ color: ARTERY_COLOURS[lesion.artery], fontWeight: 600 }}>
          {lesion.artery === 'OTHER' ? t('lesionExcluded', { id: lesion.id }) : lesion.artery === 'UNASSIGNED' ? t('lesionUnassigned', { id: lesion.id }) : t('lesionOnArtery', { id: lesion.id, artery: lesion.artery })}
        </span>
        {lesion.labelSource === 'auto' && lesion.artery !== 'UNASSIGNED' ? (
          <span
            style={{ color: lesion.needsReview ? ARTERY_COLOURS.UNASSIGNED : s.colors.muted, marginLeft: 6, fontSize: 11 }}
            title={lesion.needsReview ? t('autoCheckTitle') : t('autoTitle')}
          >
            {lesion.needsReview ? t('autoCheck') : t('auto')}
          </span>
        ) : null}
        <span style={{ color: s.colors.muted, float: 'right' }}>
          {/* Image numbers as OHIF shows them (head first; core/slices.ts), like the PDF. */}
          {t('lesionFigures', { agatston: lesion.agatston.toFixed(1), volume: lesion.volumeMm3.toFixed(1), peak: lesion.peakHU, images: viewerImageRange({ slices }, lesion.sliceRange) })}
        </span>
      </button>
      <div style={{ display: 'flex', gap: 4, marginTop: 4 }}>
        {BUTTON_LABELS.map(({ label, text }) => (
          <LabelButton
            key={label}
            label={label}
            text={text ?? t('exclude')}
            active={lesion.artery === label}
            data={{ 'data-assign': label }}
            onClick={() => commandsManager.runCommand('calciumScoringAssignLesion', { lesionId, label })}
          />
        ))}
      </div>
    </li>
  );
}

export function ScoreSection({ commandsManager, displaySetInstanceUID }: { commandsManager: CommandsManager; displaySetInstanceUID: string }) {
  const session = useCalciumService();
  const t = useT();
  const state = useSession();
  const stored = useStored();
  useEffect(() => {
    session.reset(displaySetInstanceUID);
  }, [session, displaySetInstanceUID]);
  const contract = useContractAttributes(state);
  const busy = isBusy(state);
  // A stored result of this series is on screen while its lesions are still being found.
  const preview = stored?.phase === 'preview' && state.status !== 'scored' ? stored : null;
  // "Score again" (a fresh automatic scoring) once there is a result on screen, stored or scored.
  const again = state.status === 'scored' || (preview !== null && busy);
  const enabled = !busy || again;
  const score = () => {
    const command = again ? 'calciumScoringScoreAgain' : 'calciumScoringScore';
    void Promise.resolve(commandsManager.runCommand(command)).catch((e: unknown) => console.error('[calcium-scoring] score:', e));
  };
  return (
    <section data-testid="calcium-score-section" {...contract}>
      <PanelButton
        kind="primary"
        onClick={score}
        disabled={!enabled}
        data-testid="calcium-score-button"
        title={again ? t('scoreAgainTitle') : undefined}
        layout={{ margin: '6px 0 10px' }}
      >
        {again ? t('scoreAgain') : t('scoreThisSeries')}
      </PanelButton>
      <Progress state={state} commandsManager={commandsManager} />
      {state.status === 'error' && (
        <div style={s.error} role="alert" data-testid="calcium-score-error">
          {state.problems ? state.problems.map((p) => <p key={p}>{p}</p>) : <p>{state.message}</p>}
        </div>
      )}
      {preview && <StoredResult view={preview} busy={busy} />}
      {state.status === 'scored' && stored?.phase === 'applied' && (
        <p style={{ ...s.sub, margin: '0 0 4px', color: s.colors.accent }} data-testid="calcium-made-by">
          {stored.madeBy}
        </p>
      )}
      {state.status === 'scored' && state.restored && (
        <p style={{ ...s.sub, color: s.colors.accent }} data-testid="calcium-restored">
          {state.restored}
        </p>
      )}
      {state.status === 'scored' && stored?.phase === 'applied' && stored.difference && (
        <p style={s.warning} data-testid="calcium-restored-difference">
          {stored.difference}
        </p>
      )}
      {/* The patient's prior result while there is no score yet (then under the score's table, in Result). */}
      {state.status !== 'scored' && <PriorSection />}
      {state.status === 'scored' && <Result result={state.result} elapsedMs={state.elapsedMs} commandsManager={commandsManager} />}
    </section>
  );
}

/**
 * The stored report of this series as its SR says it, shown at once while the CT loads and its
 * lesions are found: who or what made it, the headline, the per-artery scores, the categories
 * and the report text. The lesions follow with the stored labels, for review.
 */
function StoredResult({ view, busy }: { view: StoredView; busy: boolean }) {
  const t = useT();
  const r = view.report;
  const head = storedHeadline(r);
  return (
    <div
      data-testid="calcium-stored-result"
      data-version={r.version}
      data-total-agatston={r.total.agatston.toFixed(2)}
      data-review-state={r.reviewState ?? (r.reviewed ? 'reviewed' : 'automatic')}
    >
      <p style={{ ...s.sub, margin: '0 0 4px', color: s.colors.accent }} data-testid="calcium-made-by">
        {view.madeBy}
      </p>
      <p style={{ margin: '0 0 4px', fontSize: 22, fontWeight: 600 }} data-testid="calcium-stored-total" data-provisional={head.provisional ? 'true' : undefined}>
        {head.primary} <span style={{ fontSize: 13, color: s.colors.muted }}>{head.unit}</span>
      </p>
      {head.secondary && (
        <p style={s.sub} data-testid="calcium-stored-category">
          {head.secondary}
          {head.provisional ? t('provisionalAssignedOnly') : ''}
        </p>
      )}
      <div style={{ position: 'sticky', top: 0, zIndex: 1, background: '#000' }} data-testid="calcium-sticky-table">
        <ArteryTable result={{ arteries: storedArteryTotals(r), total: r.total }} />
      </div>
      {r.reportText && (
        <p style={s.sub} data-testid="calcium-stored-report-text">
          {r.reportText}
        </p>
      )}
      {r.mesaRisk && <p style={s.sub}>{t('storedMesaRisk', { risk: r.mesaRisk })}</p>}
      <p style={{ ...s.sub, fontStyle: 'italic' }}>
        {busy ? t('restoredWhileLoading', { older: view.older }) : t('restoredPressScore', { older: view.older })}
      </p>
    </div>
  );
}

function Result({ result, elapsedMs, commandsManager }: { result: ScoringResult; elapsedMs: number; commandsManager: CommandsManager }) {
  const t = useT();
  const unassigned = result.lesions.filter((l) => l.artery === 'UNASSIGNED').length;
  // Never a bare "0 / CAC-DRS 0" while candidates are unreviewed: the headline then counts them.
  const head = resultHeadline(result);
  const review = reviewStatus(result);
  return (
    <div data-testid="calcium-result">
      <p style={{ margin: '0 0 4px', fontSize: 22, fontWeight: 600 }} data-testid="calcium-total" data-provisional={head.provisional ? 'true' : undefined}>
        {head.primary} <span style={{ fontSize: 13, color: s.colors.muted }}>{head.unit}</span>
      </p>
      <p style={s.sub} data-testid="calcium-category" data-review-state={review.state}>
        {head.secondary}
        {result.risk.provisional ? t('provisionalAssignedOnly') : ''} · {review.text} · {t('seconds', { s: (elapsedMs / 1000).toFixed(1) })}
      </p>
      <SettingsLine result={result} />
      <LabellerLine />
      {/* The per-artery table stays in view while the lesion list scrolls. */}
      <div style={{ position: 'sticky', top: 0, zIndex: 1, background: '#000' }} data-testid="calcium-sticky-table">
        <ArteryTable result={result} />
        {/* The review cues and "Confirm automatic labels" stay in view with it, above the lesion
            list, not below the fold under the save button. */}
        <div data-testid="calcium-review-bar">
          {review.state !== 'reviewed' && (
            <p style={{ ...s.warning, fontWeight: 600 }} data-testid="calcium-review-cue" data-review-state={review.state}>
              {t('reviewCue', {
                state: review.state === 'automatic' ? t('reviewAutomatic') : t('reviewInReview'),
                left: t(review.toReview === 1 ? 'candidatesLeftOne' : 'candidatesLeftOther', { count: review.toReview }),
              })}
            </p>
          )}
        {review.unconfirmed > 0 && (
          <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
            <p style={{ ...s.warning, flex: 1 }} data-testid="calcium-unconfirmed">
              {t(review.unconfirmed > 1 ? 'unconfirmedOther' : 'unconfirmedOne', {
                count: review.unconfirmed,
                check: result.labelling?.needsReview ? t('markedCheck', { count: result.labelling.needsReview }) : '',
              })}
            </p>
            <PanelButton
              kind="small"
              data-testid="calcium-confirm-automatic"
              onClick={() => commandsManager.runCommand('calciumScoringConfirmAutomatic')}
              title={t('confirmAutomaticTitle')}
            >
              {t('confirmAutomatic')}
            </PanelButton>
          </div>
        )}
        {unassigned > 0 && (
          <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
            <p style={{ ...s.warning, flex: 1 }}>
              {t(unassigned > 1 ? 'unassignedOther' : 'unassignedOne', { count: unassigned })}
            </p>
            <PanelButton kind="small" data-testid="calcium-exclude-unassigned" onClick={() => commandsManager.runCommand('calciumScoringExcludeUnassigned')}>
              {t('excludeUnassigned')}
            </PanelButton>
          </div>
        )}
        </div>
      </div>
      {/* The prior beside the current result: the change and progression, below the review cues so they stay in view. */}
      <PriorSection />
      <MassFactor result={result} commandsManager={commandsManager} />
      <ClickToAssign commandsManager={commandsManager} />
      <HotkeyList />
      <SaveBar commandsManager={commandsManager} />
      {/* The provisional line stands once, in place of the guidance below. */}
      {result.warnings.filter((w) => w !== result.risk.guidance).map((w) => (
        <p key={w} style={s.warning} data-testid="calcium-score-warning">
          {w}
        </p>
      ))}
      <LesionList result={result} commandsManager={commandsManager} />
      <p style={{ ...s.sub, marginTop: 10 }} data-testid="calcium-guidance">
        {result.risk.guidance}
      </p>
      <RiskForm result={result} />
    </div>
  );
}
