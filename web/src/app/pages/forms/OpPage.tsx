// Compatibility entry for the app shell's current import (`OpPage` with a `kind` prop): the
// operation forms live in OperationPage.tsx.
import { OperationPage } from './OperationPage';

export function OpPage({ kind, params }: { kind?: string; params?: Record<string, string> }) {
  return <OperationPage kind={kind} params={params} />;
}
