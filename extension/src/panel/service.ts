// The calcium scoring service inside the panel's React tree: getPanelModule takes it from
// OHIF's servicesManager and the panel provides it here, so every part of the panel reads the
// same registered service (there is no module-level session).
import { createContext, useContext } from 'react';
import type { CalciumSession } from '../scoring/session';

export const CalciumServiceContext = createContext<CalciumSession | null>(null);

/** The calcium scoring service of the panel this component is in. */
export function useCalciumService(): CalciumSession {
  const service = useContext(CalciumServiceContext);
  if (!service) throw new Error('The calcium scoring panel renders outside its service (CalciumServiceContext).');
  return service;
}
