// The calcium scoring service: the viewer state (the scoring session of the displayed series:
// result, lesions, labels, undo history, selection, save state) held in a service that the
// extension registers with OHIF's servicesManager (preRegistration). It is the only way in:
// commands and the mode's lifecycle take it from servicesManager.services.calciumScoringService,
// the panel gets it from getPanelModule (a React context, panel/service.ts), the lesion overlay
// from whoever creates it. There is no module-level instance.
import type { ServiceRegistration, ServicesManager } from './ohif';
import { CalciumSession } from './scoring/session';

export class CalciumScoringService extends CalciumSession {
  static readonly REGISTRATION: ServiceRegistration = {
    name: 'calciumScoringService',
    altName: 'CalciumScoringService',
    create: () => new CalciumScoringService(),
  };
}

/** The registered service; preRegistration registers it before OHIF asks for any module. */
export function calciumScoringService(servicesManager: ServicesManager): CalciumScoringService {
  const service = servicesManager.services[CalciumScoringService.REGISTRATION.name];
  if (!(service instanceof CalciumScoringService)) throw new Error('The calcium scoring service is not registered (the extension\'s preRegistration did not run).');
  return service;
}
