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
import { useCalciumService } from './service';
import * as s from './styles';

export interface PanelProps {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
}

type Shown = { kind: 'series'; series: DisplayedSeries } | { kind: 'none'; message: string } | { kind: 'error'; message: string };

function readDisplayed(commandsManager: CommandsManager): Shown {
  try {
    const series = commandsManager.runCommand('getCalciumScoringSeries') as DisplayedSeries | null | undefined;
    return series ? { kind: 'series', series } : { kind: 'none', message: 'No CT series is displayed yet.' };
  } catch (e) {
    return { kind: 'error', message: `Could not read the series' headers: ${(e as Error).message}` };
  }
}

/** Re-read the displayed series whenever the grid or the loaded display sets change. */
function useDisplayedSeries({ servicesManager, commandsManager }: PanelProps): Shown {
  const [shown, setShown] = useState<Shown>(() => readDisplayed(commandsManager));
  useEffect(() => {
    const { viewportGridService, displaySetService } = servicesManager.services;
    const update = () => setShown(readDisplayed(commandsManager));
    const subs: Subscription[] = [];
    for (const svc of [viewportGridService, displaySetService]) {
      for (const event of Object.values(svc.EVENTS ?? {})) subs.push(svc.subscribe(event, update));
    }
    update();
    return () => subs.forEach((sub) => sub.unsubscribe());
  }, [servicesManager, commandsManager]);
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

function yesNo(v: boolean | null, yes: string, no: string): string {
  return v === null ? 'not stated' : v ? yes : no;
}

export function factRows(f: SeriesFacts): [string, string][] {
  return [
    ['Slices', String(f.sliceCount)],
    ['Slice thickness', mm(f.sliceThicknessMm)],
    ['Slice increment', mm(f.sliceIncrementMm)],
    ['Tube voltage', f.kvp === null ? 'not stated' : `${f.kvp} kV`],
    ['Kernel', f.convolutionKernel ?? 'not stated'],
    ['ECG gating', yesNo(f.gated, 'gated', 'not gated')],
    ['Contrast', f.contrast === true ? (f.contrastAgent ?? 'yes') : f.contrast === false ? 'none' : 'none stated'],
    ['Pixel spacing', f.pixelSpacingMm ? `${mm(f.pixelSpacingMm[0]).replace(' mm', '')} x ${mm(f.pixelSpacingMm[1])}` : 'not stated'],
    ['Matrix', `${f.columns} x ${f.rows}`],
    ['Scanner', [f.manufacturer, f.manufacturerModelName].filter(Boolean).join(' ') || 'not stated'],
  ];
}

function FactsTable({ facts }: { facts: SeriesFacts }) {
  return (
    <table style={s.table} data-testid="calcium-series-facts">
      <tbody>
        {factRows(facts).map(([k, v], i) => (
          <tr key={k} style={i % 2 ? { background: s.colors.rowAlt } : undefined}>
            <th style={s.th} scope="row">
              {k}
            </th>
            <td style={s.td} data-fact={k}>
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
  // Once scored, the core's checks (in the result) say the same and more: show them only there.
  const scored = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.state.status === 'scored',
  );
  const archiveProblem = useArchiveProblem(props.extensionManager);
  return (
    <div style={s.panel} data-testid="calcium-panel-root">
      <h2 style={s.heading}>Calcium scoring</h2>
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
            Series {shown.series.seriesNumber ?? '?'}
            {shown.series.seriesDescription ? `: ${shown.series.seriesDescription}` : ''}
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
