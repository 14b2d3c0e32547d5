// Compatibility entry for the app shell's current import (`ReportPage`): the phone progress
// report lives in ReportProgressPage.tsx.
import { ReportProgressPage } from './ReportProgressPage';

export function ReportPage({ params }: { params?: Record<string, string> }) {
  return <ReportProgressPage params={params} />;
}
