// The panel's user-facing strings: English in one resource (en.json, flat keys by name), read
// through one t(). The two builds read it in two ways, through the panel's UI adapter
// (panel/ui.tsx, swapped for panel/ui.ohif.tsx by webpack.config.js in the package build):
//  - the bundle loaded by URL cannot reach the host's React, nor react-i18next bound to it
//    (docs/platform.md §1), so its panel has its own React root and formats en.json itself
//    with translate() below;
//  - the build-time package shares the host's React: en.json is added to OHIF's i18next under
//    NAMESPACE and read with react-i18next's useTranslation, so a deployment's own translations
//    of the namespace apply.
// Keys hold no '.' or ':' (i18next's key and namespace separators). Plurals are two keys
// (...One / ...Other) picked in code, which reads the same on every i18next version.
// What the scoring core and the session compose (restored and save messages, warnings,
// headlines, the report text) is shared with the CLI, SR and PDF and stays in the core.
import en from './en.json';

export const NAMESPACE = 'CalciumScoring';
/** OHIF's default and fallback language (@ohif/i18n). */
export const LANGUAGE = 'en-US';

export type StringKey = keyof typeof en;
export type Values = Record<string, string | number>;
export type T = (key: StringKey, values?: Values) => string;

export const english: Record<StringKey, string> = en;

/** The English text of a key with i18next's {{name}} interpolation. */
export function translate(key: StringKey, values?: Values): string {
  const text = english[key];
  if (!values) return text;
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
