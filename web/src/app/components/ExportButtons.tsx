// 导出 Excel / CSV: downloads a spreadsheet of what the page lists (`GET /v1/exports/{table}`,
// a signed read with the page's filters), so the reader gets exactly the records they may see.
// The file is fetched with the signature in headers and saved from a blob; a refusal shows the
// node's reason.
import { useState } from 'preact/hooks';
import { makeT } from '../i18n';
import type { Session } from '../session';
import { qs } from './records';
import { errorText } from './errors';
import { toast } from './Toasts';

const t = makeT({
  zh: { xlsx: '导出 Excel', csv: '导出 CSV', busy: '正在导出…', failed: '导出失败：{message}', done: '已导出 {name}' },
  en: { xlsx: 'Export Excel', csv: 'Export CSV', busy: 'Exporting…', failed: 'Export failed: {message}', done: 'Exported {name}' },
});

/** The export path of `table` with `filters` (empty ones left out) and `format`. */
export function exportPath(table: string, format: 'csv' | 'xlsx', filters: Record<string, string | undefined> = {}): string {
  return `/v1/exports/${encodeURIComponent(table)}${qs({ ...filters, format })}`;
}

/** Saves `blob` as a download named `name` (through a temporary link to an object URL). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportButtons({ session, table, filters }: { session: Session; table: string; filters?: Record<string, string | undefined> }) {
  const [busy, setBusy] = useState(false);
  const run = async (format: 'csv' | 'xlsx') => {
    setBusy(true);
    try {
      const { blob, filename } = await session.gateway.signedGetBlob(exportPath(table, format, filters), session.signer);
      const name = filename ?? `gongxin-${table}.${format}`;
      saveBlob(blob, name);
      toast(t('done', { name }), 'ok');
    } catch (e) {
      toast(t('failed', { message: errorText(e) }), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions export-buttons">
      <button type="button" class="btn" disabled={busy} onClick={() => run('xlsx')}>
        {busy ? t('busy') : t('xlsx')}
      </button>
      <button type="button" class="btn" disabled={busy} onClick={() => run('csv')}>
        {t('csv')}
      </button>
    </div>
  );
}
