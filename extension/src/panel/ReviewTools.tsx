// Small parts of the panel about how the viewer runs: the stable test contract on the score
// section, the progress line with Cancel, what the automatic labeller did, and the hotkeys.
import { useSyncExternalStore } from 'react';
import { ARTERIES } from '../../../core/types';
import { CALCIUM_HOTKEYS, keyText } from '../hotkeys';
import type { CommandsManager } from '../ohif';
import type { CalciumSession, SessionState } from '../scoring/session';
import { useCalciumService } from './service';
import * as s from './styles';
import { PanelButton, useT } from './ui';

/**
 * The stable test contract (README): on [data-testid="calcium-score-section"],
 * data-state "idle" | "loading" | "scoring" | "done" | "error" | "cancelled",
 * data-total-agatston, data-candidates (candidate lesions), data-auto-labelled (lesions given
 * an artery automatically), data-overlay "drawing" | "settled" (the lesion overlay has caught
 * up with the labels), data-restored "preview" (a stored report of this series is shown while its
 * lesions are found) | "applied" (its labels are on the lesions found now).
 */
export function useContractAttributes(state: SessionState): Record<string, string> {
  const session = useCalciumService();
  const overlay = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.overlayState,
  );
  const stored = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.stored,
  );
  const attrs: Record<string, string> = { ...contractAttributes(state, session), 'data-overlay': overlay };
  if (stored?.phase === 'applied' && state.status === 'scored') attrs['data-restored'] = 'applied';
  else if (stored?.phase === 'preview' && state.status !== 'scored') attrs['data-restored'] = 'preview';
  return attrs;
}

export function contractAttributes(state: SessionState, session: CalciumSession): Record<string, string> {
  const phase =
    state.status === 'loading'
      ? 'loading'
      : state.status === 'detecting' || state.status === 'labelling'
        ? 'scoring'
        : state.status === 'scored'
          ? 'done'
          : state.status;
  const attrs: Record<string, string> = { 'data-state': phase };
  if (state.status === 'scored') {
    attrs['data-total-agatston'] = state.result.total.agatston.toFixed(2);
    attrs['data-candidates'] = String(session.lesionSet?.lesions.length ?? 0);
    attrs['data-auto-labelled'] = String(autoLabelled(session));
  }
  return attrs;
}

/** Lesions with at least one slice component on an artery by the automatic labeller. */
export function autoLabelled(session: CalciumSession): number {
  const { lesionSet, assignment } = session;
  if (!lesionSet || !assignment) return 0;
  const arteries = new Set<string>(ARTERIES);
  return lesionSet.lesions.filter((l) => l.componentIds.some((id) => assignment.sourceOfComponent(id) === 'auto' && arteries.has(assignment.labelOfComponent(id)))).length;
}

/** Progress while loading / scoring / labelling, with Cancel. */
export function Progress({ state, commandsManager }: { state: SessionState; commandsManager: CommandsManager }) {
  const t = useT();
  let text: string | null = null;
  if (state.status === 'loading') text = t('loadingSlices', { loaded: state.loaded, total: state.total });
  else if (state.status === 'detecting') text = t('findingLesions', { done: state.done, total: state.total });
  else if (state.status === 'labelling') text = t('proposingArteries');
  if (state.status === 'cancelled') {
    return (
      <p style={s.sub} data-testid="calcium-progress">
        {t('scoringCancelled')}
      </p>
    );
  }
  if (!text) return null;
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      <p style={{ ...s.sub, flex: 1, margin: 0 }} data-testid="calcium-progress">
        {text}
      </p>
      <PanelButton kind="small" data-testid="calcium-cancel" onClick={() => commandsManager.runCommand('calciumScoringCancel')}>
        {t('cancel')}
      </PanelButton>
    </div>
  );
}

/** Which backend the labeller ran on and how long each step took. */
export function LabellerLine() {
  const session = useCalciumService();
  const t = useT();
  const info = session.labelling;
  if (!info) return null;
  const ms = (x: number) => t('milliseconds', { ms: Math.round(x) });
  const times = { anatomy: ms(info.anatomyMs), features: ms(info.featuresMs), inference: ms(info.inferenceMs) };
  const labelled = t(info.autoLabelled === 1 ? 'lesionsLabelledOne' : 'lesionsLabelledOther', { count: info.autoLabelled });
  return (
    <p style={{ ...s.sub, margin: '0 0 6px' }} data-testid="calcium-labeller" data-backend={info.backend ?? ''}>
      {info.backend === 'rules'
        ? t('labellerRules', { model: info.modelName ?? 'rules', version: info.modelVersion ?? '', ...times, labelled })
        : info.backend
          ? t('labellerModel', { model: info.modelName ?? 'model', version: info.modelVersion ?? '', backend: info.backend, ...times, labelled })
          : t('labellerNone')}
      {info.warning ? ` ${info.warning}` : ''}
    </p>
  );
}

/** The mode's hotkeys. */
export function HotkeyList() {
  const t = useT();
  return (
    <details style={{ margin: '8px 0' }} data-testid="calcium-hotkeys">
      <summary style={{ ...s.sub, cursor: 'pointer' }}>{t('keyboardShortcuts')}</summary>
      <table style={s.table}>
        <tbody>
          {CALCIUM_HOTKEYS.map((h) => (
            <tr key={h.keys.join()} data-hotkey={h.keys.join(' ')}>
              <th style={{ ...s.th, whiteSpace: 'nowrap' }} scope="row">
                {h.keys.map(keyText).join(' / ')}
              </th>
              <td style={s.td}>{h.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
