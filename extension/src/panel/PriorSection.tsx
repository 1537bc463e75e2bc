// The patient's prior calcium result beside the current one (docs/scoring.md §1.6): the prior as
// soon as the archive gives it, then, once there is a current result (stored, or the reader's),
// the change, the change per year and progression by the square-root rule, recomputed on every
// assign or exclude. A patient without a prior gets one quiet line.
import { useSyncExternalStore } from 'react';
import { ARTERIES } from '../../../core/types';
import { labelHex } from '../../../core/palette';
import { isoDate, signedScore, type PriorComparison } from '../../../core/prior';
import { oneDecimal } from '../../../core/encode/report-text';
import type { T } from '../i18n/index';
import { acquisitionWarning, type PriorView } from '../scoring/prior';
import { useCalciumService } from './service';
import * as s from './styles';
import { useT } from './ui';

function usePrior(): { view: PriorView | null; comparison: PriorComparison | null; provisional: boolean } {
  const session = useCalciumService();
  // The comparison is derived afresh from what the session holds; these three decide it.
  const view = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.prior,
  );
  const state = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.state,
  );
  useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.stored,
  );
  const comparison = view?.status === 'found' ? session.priorComparison() : null;
  return { view, comparison, provisional: state.status === 'scored' && state.result.risk.provisional === true };
}

const acquisitionText = (a: { kvp: number | null; sliceThicknessMm: number | null; convolutionKernel: string | null } | null, t: T) =>
  a ? [a.kvp === null ? null : t('kilovolts', { kvp: a.kvp }), a.sliceThicknessMm === null ? null : t('millimetres', { mm: a.sliceThicknessMm }), a.convolutionKernel].filter(Boolean).join(', ') || t('priorAcquisitionNotRecorded') : t('priorAcquisitionNotRecorded');

export function PriorSection() {
  const t = useT();
  const { view, comparison, provisional } = usePrior();
  if (!view) return null;
  if (view.status !== 'found') {
    const text = view.status === 'searching' ? t('priorSearching') : view.status === 'none' ? view.note : view.message;
    return (
      <p style={{ ...s.sub, margin: '0 0 8px' }} data-testid="calcium-prior" data-status={view.status}>
        {text}
      </p>
    );
  }
  const r = view.report;
  const c = comparison;
  const date = c?.priorStudyDate ?? isoDate(r.studyDate);
  const early = c ? null : acquisitionWarning(view);
  const cell = { ...s.td, paddingLeft: 8 };
  return (
    <div
      data-testid="calcium-prior"
      data-status="found"
      data-prior-study={r.studyInstanceUid}
      data-prior-date={date ?? ''}
      data-prior-total={r.total.agatston.toFixed(2)}
      data-now-total={c ? c.current.total.toFixed(2) : undefined}
      data-change={c ? c.change.total.toFixed(2) : undefined}
      data-annualised={c && c.annualisedChange !== null ? c.annualisedChange.toFixed(2) : undefined}
      data-progression={c ? (c.progression ? 'yes' : 'no') : undefined}
      data-comparable={c ? String(c.comparable) : undefined}
      style={{ border: `1px solid ${s.colors.border}`, borderRadius: 4, padding: '6px 8px', margin: '0 0 10px' }}
    >
      <h3 style={{ ...s.heading, fontSize: 13, margin: '0 0 2px' }}>{t('priorHeading', { date: date ?? t('priorDateUnknown') })}</h3>
      <p style={{ ...s.sub, margin: '0 0 4px' }} data-testid="calcium-prior-source">
        {t('priorSource', {
          version: r.version,
          review: r.reviewState === 'automatic' || (!r.reviewState && !r.reviewed) ? t('priorReviewAutomatic') : r.reviewState === 'in review' ? t('priorReviewInReview') : t('priorReviewReviewed'),
          acquisition: acquisitionText(r.acquisition, t),
        })}
      </p>
      <table style={{ ...s.table, marginBottom: 4 }} data-testid="calcium-prior-table">
        <thead>
          <tr>
            <th style={s.th}>{t('columnAgatston')}</th>
            <th style={{ ...s.th, textAlign: 'right' }}>{t('columnPrior')}</th>
            {c && <th style={{ ...s.th, textAlign: 'right' }}>{t('columnNow')}</th>}
            {c && <th style={{ ...s.th, textAlign: 'right' }}>{t('columnChange')}</th>}
          </tr>
        </thead>
        <tbody>
          {ARTERIES.map((a) => (
            <tr key={a} data-artery={a}>
              <th style={s.th} scope="row">
                <span style={{ color: labelHex(a) }}>● </span>
                {a}
              </th>
              <td style={cell} data-col="prior">
                {oneDecimal(r.arteries[a]?.agatston ?? 0)}
              </td>
              {c && (
                <td style={cell} data-col="now">
                  {oneDecimal(c.current.arteries[a])}
                </td>
              )}
              {c && (
                <td style={cell} data-col="change">
                  {signedScore(c.change.arteries[a])}
                </td>
              )}
            </tr>
          ))}
          <tr data-artery="Total" style={{ fontWeight: 600, borderTop: `1px solid ${s.colors.border}` }}>
            <th style={s.th} scope="row">
              {t('total')}
            </th>
            <td style={cell} data-col="prior">
              {oneDecimal(r.total.agatston)}
            </td>
            {c && (
              <td style={cell} data-col="now">
                {oneDecimal(c.current.total)}
              </td>
            )}
            {c && (
              <td style={cell} data-col="change">
                {signedScore(c.change.total)}
              </td>
            )}
          </tr>
        </tbody>
      </table>
      {c ? (
        <>
          <p style={{ ...s.sub, margin: '0 0 2px' }} data-testid="calcium-prior-change">
            {t('priorChange', {
              change: signedScore(c.change.total),
              perYear: c.annualisedChange !== null ? t('priorPerYear', { change: signedScore(c.annualisedChange), years: c.intervalYears!.toFixed(1) }) : t('priorPerYearNote', { note: c.annualisedNote ?? '' }),
              provisional: provisional ? t('priorProvisional') : '',
            })}
          </p>
          <p style={{ margin: '0 0 2px', fontWeight: 600, color: c.progression ? s.colors.warn : s.colors.text }} data-testid="calcium-prior-progression">
            {t('priorProgression', { answer: c.progression ? t('answerYes') : t('answerNo') })}{' '}
            <span style={{ fontWeight: 400, fontSize: 12, color: s.colors.muted }} title={c.method}>
              {t('priorSqrtRule', { difference: c.sqrtDifference.toFixed(2) })}
            </span>
          </p>
          {c.warnings.map((w) => (
            <p key={w} style={s.warning} data-testid={w.startsWith('The scores are not comparable') ? 'calcium-prior-not-comparable' : 'calcium-prior-warning'}>
              {w}
            </p>
          ))}
        </>
      ) : (
        <>
          {early && (
            <p style={s.warning} data-testid="calcium-prior-not-comparable">
              {early}
            </p>
          )}
          <p style={{ ...s.sub, margin: 0, fontStyle: 'italic' }}>{t('priorFollows')}</p>
        </>
      )}
    </div>
  );
}

