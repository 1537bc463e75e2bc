// The calcium scoring side panel (its own React root, see PanelHost.ts). Shows the displayed
// CT series' acquisition facts and the warnings a reader needs before trusting a score.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { archiveStatus } from '../archive';
import type { DisplayedSeries } from '../getCommandsModule';
import type { CommandsManager, ExtensionManager, ServicesManager, Subscription } from '../ohif';
import { checkAcquisition } from '../../../core/checks';
import { mm } from '../seriesFacts';
import type { SeriesFacts } from '../../../core/types';
import { ScoreSection } from './ScoreSection';
import { english, type StringKey, type T } from '../i18n/index';
import { useCalciumService } from './service';
import { useT } from './ui';
import * as s from './styles';

export interface PanelProps {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
}

type Shown = { kind: 'series'; series: DisplayedSeries } | { kind: 'none'; message: string } | { kind: 'error'; message: string };

function readDisplayed(commandsManager: CommandsManager, t: T): Shown {
  try {
    const series = commandsManager.runCommand('getCalciumScoringSeries') as DisplayedSeries | null | undefined;
    return series ? { kind: 'series', series } : { kind: 'none', message: t('noSeries') };
  } catch (e) {
    return { kind: 'error', message: t('seriesHeadersError', { message: (e as Error).message }) };
  }
}

/** Re-read the displayed series whenever the grid or the loaded display sets change. */
function useDisplayedSeries({ servicesManager, commandsManager }: PanelProps): Shown {
  const t = useT();
  const [shown, setShown] = useState<Shown>(() => readDisplayed(commandsManager, t));
  useEffect(() => {
    const { viewportGridService, displaySetService } = servicesManager.services;
    const update = () => setShown(readDisplayed(commandsManager, t));
    const subs: Subscription[] = [];
    for (const svc of [viewportGridService, displaySetService]) {
      for (const event of Object.values(svc.EVENTS ?? {})) subs.push(svc.subscribe(event, update));
    }
    update();
    return () => subs.forEach((sub) => sub.unsubscribe());
  }, [servicesManager, commandsManager, t]);
  return shown;
}

function useArchiveProblem(extensionManager: ExtensionManager): string | null {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void archiveStatus(extensionManager.appConfig).then((st) => live && setMessage(st.ok ? null : st.message));
    return () => {
      live = false;
    };
  }, [extensionManager]);
  return message;
}

function yesNo(v: boolean | null, yes: string, no: string, t: T): string {
  return v === null ? t('notStated') : v ? yes : no;
}

/** The facts table's rows: the fact's name (a string key) and its value as shown. */
export function factRows(f: SeriesFacts, t: T): [StringKey, string][] {
  return [
    ['factSlices', String(f.sliceCount)],
    ['factSliceThickness', mm(f.sliceThicknessMm)],
    ['factSliceIncrement', mm(f.sliceIncrementMm)],
    ['factTubeVoltage', f.kvp === null ? t('notStated') : t('kilovolts', { kvp: f.kvp })],
    ['factKernel', f.convolutionKernel ?? t('notStated')],
    ['factEcgGating', yesNo(f.gated, t('gated'), t('notGated'), t)],
    ['factContrast', f.contrast === true ? (f.contrastAgent ?? t('contrastYes')) : f.contrast === false ? t('contrastNone') : t('contrastNoneStated')],
    ['factPixelSpacing', f.pixelSpacingMm ? `${mm(f.pixelSpacingMm[0]).replace(' mm', '')} x ${mm(f.pixelSpacingMm[1])}` : t('notStated')],
    ['factMatrix', `${f.columns} x ${f.rows}`],
    ['factScanner', [f.manufacturer, f.manufacturerModelName].filter(Boolean).join(' ') || t('notStated')],
  ];
}

function FactsTable({ facts }: { facts: SeriesFacts }) {
  const t = useT();
  return (
    <table style={s.table} data-testid="calcium-series-facts">
      <tbody>
        {factRows(facts, t).map(([k, v], i) => (
          <tr key={k} style={i % 2 ? { background: s.colors.rowAlt } : undefined}>
            <th style={s.th} scope="row">
              {t(k)}
            </th>
            {/* data-fact: the fact's English name whatever the language (the test contract). */}
            <td style={s.td} data-fact={english[k]}>
              {v}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CalciumPanel(props: PanelProps) {
  const shown = useDisplayedSeries(props);
  const session = useCalciumService();
  const t = useT();
  // Once scored, the core's checks (in the result) say the same and more: show them only there.
  const scored = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.state.status === 'scored',
  );
  const archiveProblem = useArchiveProblem(props.extensionManager);
  return (
    <div style={s.panel} data-testid="calcium-panel-root">
      <h2 style={s.heading}>{t('panelTitle')}</h2>
      {archiveProblem && (
        <p style={s.error} role="alert">
          {archiveProblem}
        </p>
      )}
      {shown.kind === 'error' && (
        <p style={s.error} role="alert">
          {shown.message}
        </p>
      )}
      {shown.kind === 'none' && <p style={s.sub}>{shown.message}</p>}
      {shown.kind === 'series' && (
        <>
          <p style={s.sub} data-testid="calcium-series-title">
            {shown.series.seriesDescription
              ? t('seriesTitleWithDescription', { number: shown.series.seriesNumber ?? '?', description: shown.series.seriesDescription })
              : t('seriesTitle', { number: shown.series.seriesNumber ?? '?' })}
          </p>
          <FactsTable facts={shown.series.facts} />
          {!scored && checkAcquisition(shown.series.facts, shown.series.facts.sliceIncrementMm).map((w) => (
            <p key={w} style={s.warning} data-testid="calcium-acquisition-warning">
              {w}
            </p>
          ))}
          <ScoreSection commandsManager={props.commandsManager} displaySetInstanceUID={shown.series.displaySetInstanceUID} />
        </>
      )}
    </div>
  );
}
