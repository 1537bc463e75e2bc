// Hanging protocol of the calcium scoring mode: one stack viewport with the study's CT image
// series (not an SR or SEG that may sort first), preferring the series with the most slices.
import { HANGING_PROTOCOL_NAME } from './id';

const protocol = {
  id: HANGING_PROTOCOL_NAME,
  locked: true,
  name: 'Calcium scoring CT',
  createdDate: '2026-11-25T00:00:00.000Z',
  modifiedDate: '2026-11-25T00:00:00.000Z',
  availableTo: {},
  editableBy: {},
  protocolMatchingRules: [],
  toolGroupIds: ['default'],
  numberOfPriorsReferenced: 0,
  defaultViewport: {
    viewportOptions: { viewportType: 'stack', toolGroupId: 'default', allowUnmatchedView: true },
    displaySets: [{ id: 'ctDisplaySet', matchedDisplaySetsIndex: -1 }],
  },
  displaySetSelectors: {
    ctDisplaySet: {
      seriesMatchingRules: [
        { weight: 20, attribute: 'Modality', constraint: { equals: { value: 'CT' } } },
        { weight: 10, attribute: 'numImageFrames', constraint: { greaterThan: { value: 0 } } },
        // Thin localisers and dose screens have few frames; an axial stack has dozens.
        { weight: 5, attribute: 'numImageFrames', constraint: { greaterThan: { value: 20 } } },
        { weight: 30, attribute: 'isDisplaySetFromUrl', constraint: { equals: true } },
      ],
    },
  },
  stages: [
    {
      name: 'calcium',
      viewportStructure: { layoutType: 'grid', properties: { rows: 1, columns: 1 } },
      viewports: [
        {
          viewportOptions: {
            viewportType: 'stack',
            viewportId: 'calcium-ct',
            toolGroupId: 'default',
            allowUnmatchedView: true,
            initialImageOptions: { preset: 'middle' },
          },
          displaySets: [{ id: 'ctDisplaySet' }],
        },
      ],
    },
  ],
};

export default function getHangingProtocolModule() {
  return [{ name: protocol.id, protocol }];
}
