// The extension's panels: one, the calcium scoring panel, shown on the right in the mode.
import { createElement } from 'react';
import { PANEL_NAME } from './id';
import type { ExtensionParams } from './ohif';
import { CalciumPanel } from './panel/CalciumPanel';
import { hostComponent } from './panel/PanelHost';

export default function getPanelModule({ servicesManager, commandsManager, extensionManager }: ExtensionParams) {
  const Host = hostComponent(
    () => createElement(CalciumPanel, { servicesManager, commandsManager, extensionManager }),
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
