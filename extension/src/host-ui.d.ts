// Types of the two host modules the build-time package imports (panel/ui.ohif.tsx), written
// for the members it uses: @ohif/ui-next 3.13.2 on the registry ships only its UMD bundle and
// CSS, no declarations, and react-i18next is the host viewer's (not installed here). Only the
// package build bundles ui.ohif.tsx, and it leaves both imports to the host (externals).
declare module '@ohif/ui-next' {
  import type { ButtonHTMLAttributes, ForwardRefExoticComponent, RefAttributes } from 'react';

  export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
    variant?: 'default' | 'destructive' | 'outline' | 'secondary' | 'ghost' | 'link';
    size?: 'default' | 'sm' | 'lg' | 'icon';
    asChild?: boolean;
    dataCY?: string;
  }
  export const Button: ForwardRefExoticComponent<ButtonProps & RefAttributes<HTMLButtonElement>>;
}

declare module 'react-i18next' {
  interface HostI18n {
    language: string;
    hasResourceBundle(language: string, namespace: string): boolean;
    addResourceBundle(language: string, namespace: string, resources: Record<string, unknown>, deep?: boolean, overwrite?: boolean): unknown;
  }
  export function getI18n(): HostI18n | undefined;
  export function useTranslation(namespace?: string, options?: { useSuspense?: boolean }): { t: (key: string, options?: Record<string, unknown>) => string; i18n: HostI18n; ready: boolean };
}
