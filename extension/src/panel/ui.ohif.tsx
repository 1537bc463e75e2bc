// The panel's UI adapter for the build-time package (`webpack --env package`, which swaps it in
// for ui.tsx): the package shares the host viewer's React, so its strings go through OHIF's
// i18next with react-i18next, and its buttons are OHIF's own (@ohif/ui-next). Both are
// imported from the host (externals in webpack.config.js, peerDependencies in
// extension/package.json); they are typed by host-ui.d.ts, as neither ships its types here.
import { Button } from '@ohif/ui-next';
import { useCallback } from 'react';
import { getI18n, useTranslation } from 'react-i18next';
import { english, LANGUAGE, NAMESPACE, type T } from '../i18n/index';
import type { ButtonKind, PanelButtonProps } from './ui';

export type { ButtonKind, PanelButtonProps };

/** The panel's t(): OHIF's i18next, under our namespace, with English from i18n/en.json. */
export function useT(): T {
  // The English resource joins the host's i18next (the instance OHIF bound with
  // initReactI18next) once, before the first lookup; a deployment may add other languages under
  // the same namespace, and i18next falls back to en-US for what they lack.
  const host = getI18n();
  if (host && !host.hasResourceBundle(LANGUAGE, NAMESPACE)) host.addResourceBundle(LANGUAGE, NAMESPACE, english, true, false);
  // Never suspended: OHIF's i18next suspends while a backend loads a namespace, and English is here.
  const { t } = useTranslation(NAMESPACE, { useSuspense: false });
  // React escapes what it renders: i18next's own escaping would show entities as text. The
  // function is stable while the language is (effects may depend on it).
  return useCallback<T>((key, values) => t(key, { ...values, interpolation: { escapeValue: false } }), [t]);
}

const VARIANT = { primary: 'default', outline: 'secondary', small: 'secondary' } as const;

/** OHIF's Button in the variant of the kind; layout (margin, width) as given, full width for the main actions. */
export function PanelButton({ kind, layout, type = 'button', ...rest }: PanelButtonProps) {
  const width = kind === 'small' ? undefined : '100%';
  return <Button type={type} variant={VARIANT[kind]} size={kind === 'small' ? 'sm' : 'default'} {...rest} style={{ width, ...layout }} />;
}
