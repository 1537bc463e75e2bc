// The calcium scoring service: the viewer state (the scoring session of the displayed series:
// result, lesions, labels, undo history, selection, save state) held in a service that the
// extension registers with OHIF's servicesManager, so commands reach it as
// servicesManager.services.calciumScoringService and panels subscribe to it.
import type { ServiceRegistration } from './ohif';
import { CalciumSession, useSessionOf } from './scoring/session';

export class CalciumScoringService extends CalciumSession {
  static readonly REGISTRATION: ServiceRegistration = {
    name: 'calciumScoringService',
    altName: 'CalciumScoringService',
    create: () => {
      const service = new CalciumScoringService();
      // The panel's modules read the session through session.ts's live binding.
      useSessionOf(service);
      return service;
    },
  };
}
