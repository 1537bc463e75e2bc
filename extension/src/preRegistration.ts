// Runs once when the viewer registers the extension (before the study list shows): registers
// the calcium scoring service (the viewer state the panel and the commands share), and checks
// the archive so an unreachable or non-DICOMweb data source is named on screen, not a blank list.
import { archiveStatus, showArchiveBanner } from './archive';
import type { ExtensionParams } from './ohif';
import { CalciumScoringService } from './service';

export default function preRegistration({ servicesManager, appConfig, extensionManager }: ExtensionParams): void {
  servicesManager.registerService?.(CalciumScoringService.REGISTRATION);
  const config = appConfig ?? extensionManager.appConfig;
  void archiveStatus(config).then((status) => {
    if (status.ok || !status.message) return;
    console.error(`[calcium-scoring] ${status.message}`);
    showArchiveBanner(status.message);
    try {
      servicesManager.services.uiNotificationService?.show({ title: 'Archive unreachable', message: status.message, type: 'error' });
    } catch {
      /* the notification UI may not be mounted yet; the banner is enough */
    }
  });
}
