// The panel's UI adapter for the bundle loaded by URL: its t() over the English resource and
// its own buttons. This bundle cannot reach the host's React (docs/platform.md §1), so neither
// react-i18next nor @ohif/ui-next can render in its React root. The build-time package uses
// ui.ohif.tsx instead (same exports; webpack.config.js swaps the module), which takes both
// from the host. i18n/index.ts says how the strings are read in each.
import type { ButtonHTMLAttributes, CSSProperties } from 'react';
import { translate, type T } from '../i18n/index';
import * as s from './styles';

/** The panel's t(): English from i18n/en.json. */
export function useT(): T {
  return translate;
}

/** primary: the one filled action (score); outline: a full-width secondary action (save); small: the small outlined button. */
export type ButtonKind = 'primary' | 'outline' | 'small';

export interface PanelButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'style'> {
  kind: ButtonKind;
  /** Layout only (margin, flex); the look is the kind's. */
  layout?: CSSProperties;
}

function look(kind: ButtonKind, enabled: boolean): CSSProperties {
  if (kind === 'small') return s.smallButton;
  const common: CSSProperties = { width: '100%', padding: '6px 0', borderRadius: 4, fontWeight: 600, cursor: enabled ? 'pointer' : 'default' };
  return kind === 'primary'
    ? { ...common, border: 'none', background: enabled ? s.colors.accent : '#374151', color: '#000' }
    : { ...common, border: `1px solid ${s.colors.accent}`, background: 'transparent', color: s.colors.accent };
}

export function PanelButton({ kind, layout, type = 'button', ...rest }: PanelButtonProps) {
  return <button type={type} {...rest} style={{ ...look(kind, !rest.disabled), ...layout }} />;
}
