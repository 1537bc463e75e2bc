// Inline styles in OHIF's dark palette: the panel renders in its own React root, so it does
// not depend on which of the host's CSS utility classes happen to be built in.
import type { CSSProperties } from 'react';

export const colors = {
  text: '#e7e7e7',
  muted: '#9ca3af',
  accent: '#5acce6',
  warn: '#f5b74f',
  error: '#ff7a7a',
  border: '#1f2a4d',
  rowAlt: 'rgba(255,255,255,0.03)',
};

export const panel: CSSProperties = {
  color: colors.text,
  font: '13px/1.45 Inter, system-ui, sans-serif',
  padding: '10px 12px',
};

export const heading: CSSProperties = { color: colors.accent, fontSize: 14, fontWeight: 600, margin: '4px 0 8px' };
export const sub: CSSProperties = { color: colors.muted, fontSize: 12, margin: '0 0 10px' };
export const table: CSSProperties = { width: '100%', borderCollapse: 'collapse', marginBottom: 10 };
export const th: CSSProperties = { textAlign: 'left', color: colors.muted, fontWeight: 400, padding: '3px 6px 3px 0', whiteSpace: 'nowrap' };
export const td: CSSProperties = { padding: '3px 0', textAlign: 'right' };
export const warning: CSSProperties = { color: colors.warn, margin: '4px 0', fontSize: 12 };
export const error: CSSProperties = { color: colors.error, margin: '8px 0' };
/** A small outlined button (Cancel, Exclude unassigned, Show all ...). */
export const smallButton: CSSProperties = { fontSize: 12, padding: '2px 6px', borderRadius: 4, border: `1px solid ${colors.muted}`, background: 'transparent', color: colors.text, cursor: 'pointer' };
