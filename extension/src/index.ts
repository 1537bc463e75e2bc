// The OHIF extension "ohif-calcium-scoring-extension": wiring only, one file per module.
import getCommandsModule from './getCommandsModule';
import getHangingProtocolModule from './getHangingProtocolModule';
import getPanelModule from './getPanelModule';
import { EXTENSION_ID } from './id';
import preRegistration from './preRegistration';

const extension = {
  id: EXTENSION_ID,
  preRegistration,
  getPanelModule,
  getCommandsModule,
  getHangingProtocolModule,
};

export default extension;
