// The component OHIF renders in the side panel. The viewer's React is not reachable from a
// bundle loaded at run time, and hooks from this bundle's React crash inside the host's tree
// (docs/platform.md). A class component works across copies (the host renderer injects its own
// updater), so this plain host only owns a <div> and mounts the panel's own React root in it.
import { Component, createElement, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';

export function hostComponent(render: () => ReactElement, testId: string) {
  return class PanelHost extends Component<Record<string, unknown>> {
    private node: HTMLDivElement | null = null;
    private root: Root | null = null;
    private readonly setNode = (node: HTMLDivElement | null) => {
      this.node = node;
    };

    override componentDidMount() {
      if (!this.node) return;
      this.root = createRoot(this.node);
      this.root.render(render());
    }

    override componentWillUnmount() {
      // Unmounting a root synchronously while the host is committing warns; defer it.
      const root = this.root;
      this.root = null;
      setTimeout(() => root?.unmount(), 0);
    }

    override shouldComponentUpdate() {
      // The inner root re-renders itself from service events; host re-renders change nothing.
      return false;
    }

    override render() {
      return createElement('div', {
        ref: this.setNode,
        'data-testid': testId,
        style: { height: '100%', width: '100%', overflowY: 'auto' },
      });
    }
  };
}
