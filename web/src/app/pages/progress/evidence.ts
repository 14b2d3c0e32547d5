// Pure helpers of the phone progress report: one evidence hash for several photos (SM3 of their
// SM3 hashes concatenated in order), the note that lists them, a report id chosen once per
// report, and the operation the ledger takes (core ProgressReport).
import { sm3Parts } from '../../../crypto/sm3';
import { fromHex, toHex } from '../../../crypto/hex';

export interface HashedPhoto {
  name: string;
  size: number;
  /** SM3 of the file, 64 hex digits. */
  hash: string;
}

/** The evidence hash: the photo's own hash for one photo, else SM3(h1 ‖ h2 ‖ …) over the raw 32-byte hashes. */
export function evidenceHash(photos: HashedPhoto[]): string | null {
  if (photos.length === 0) return null;
  if (photos.length === 1) return photos[0].hash;
  return toHex(sm3Parts(...photos.map((p) => fromHex(p.hash))));
}

/** The lines appended to the note so a verifier can recompute the evidence hash. */
export function evidenceNote(photos: HashedPhoto[], lang: 'zh' | 'en'): string {
  if (photos.length === 0) return '';
  const lines = photos.map((p, i) => `${i + 1}. ${p.name} SM3=${p.hash}`);
  const head =
    photos.length === 1
      ? lang === 'zh'
        ? '佐证照片（证据哈希即该照片的 SM3）：'
        : 'Evidence photo (the evidence hash is its SM3):'
      : lang === 'zh'
        ? `佐证照片 ${photos.length} 张（证据哈希 = SM3(按顺序拼接的各照片 SM3 哈希)）：`
        : `${photos.length} evidence photos (evidence hash = SM3 of their SM3 hashes concatenated in order):`;
  return [head, ...lines].join('\n');
}

/** The note as submitted: what the person wrote, then the photo list (within 4096 bytes). */
export function fullNote(note: string, photos: HashedPhoto[], lang: 'zh' | 'en'): string {
  const list = evidenceNote(photos, lang);
  const text = [note.trim(), list].filter(Boolean).join('\n\n');
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= 4096) return text;
  // keep the photo list whole; shorten what was written
  const room = 4096 - new TextEncoder().encode(`…\n\n${list}`).length;
  let cut = note.trim();
  while (cut && new TextEncoder().encode(cut).length > room) cut = cut.slice(0, -1);
  return `${cut}…\n\n${list}`;
}

/** A report id unique enough per project: `<project>-P<base36 ms>`, at most 64 characters. */
export function reportId(project: string, nowMs: number): string {
  const suffix = `-P${nowMs.toString(36).toUpperCase()}`;
  return `${project.slice(0, 64 - suffix.length)}${suffix}`;
}

/** The operation: {"report_progress": {id, project, percent_bp, milestone: null, evidence_hash, note}}. */
export function progressOperation(id: string, project: string, percentBp: number, evidence: string, note: string): object {
  return { report_progress: { id, project, percent_bp: percentBp, milestone: null, evidence_hash: evidence, note } };
}

/** Where the slider starts: the latest claimed progress (reported, else accepted). */
export function startingBp(p: { accepted_progress_bp?: number | null; reported_progress_bp?: number | null }): number {
  return Math.max(p.accepted_progress_bp ?? 0, p.reported_progress_bp ?? 0);
}
