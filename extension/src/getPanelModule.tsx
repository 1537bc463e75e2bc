// The extension's panels: one, the calcium scoring panel, shown on the right in the mode. The
// panel reads the calcium scoring service registered with servicesManager, provided here.
import { createElement } from 'react';
import { PANEL_NAME } from './id';
import type { ExtensionParams } from './ohif';
import { CalciumPanel } from './panel/CalciumPanel';
import { hostComponent } from './panel/PanelHost';
import { CalciumServiceContext } from './panel/service';
import { calciumScoringService } from './service';

export default function getPanelModule({ servicesManager, commandsManager, extensionManager }: ExtensionParams) {
  const service = calciumScoringService(servicesManager);
  const Host = hostComponent(
    () => createElement(CalciumServiceContext.Provider, { value: service }, createElement(CalciumPanel, { servicesManager, commandsManager, extensionManager })),
    'calcium-panel',
  );
  return [
    {
      name: PANEL_NAME,
      iconName: 'tab-patient-info',
      iconLabel: 'Calcium',
      label: 'Calcium scoring',
      component: Host,
    },
  ];
}
