// Gantt export: the names column and the chart (two SVGs on screen) put side by side in one SVG,
// drawn on a canvas and downloaded as PNG. Plus `shortName`, the pure truncation of a label to
// a pixel width (CJK characters count a full em, Latin about half).

/** Approximate width of `text` in px at `fontPx` (CJK and full-width = 1 em, others ≈ 0.58 em). */
export function textWidth(text: string, fontPx: number): number {
  let em = 0;
  for (const ch of text) em += /[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 1 : 0.58;
  return em * fontPx;
}

/** `text` cut to fit `maxPx` with an ellipsis. */
export function shortName(text: string, maxPx: number, fontPx: number): string {
  if (textWidth(text, fontPx) <= maxPx) return text;
  const chars = Array.from(text);
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, fontPx) > maxPx) chars.pop();
  return `${chars.join('')}…`;
}

/** The scale of the PNG: crisp (2×) unless the chart is so wide a canvas could not hold it. */
export function pngScale(width: number, height: number): number {
  const maxSide = 16_000;
  const maxArea = 120_000_000;
  return Math.max(0.1, Math.min(2, maxSide / width, maxSide / height, Math.sqrt(maxArea / Math.max(1, width * height))));
}

/** One standalone SVG document: `left` then `right` beside it, on white. */
export function combinedSvg(left: SVGSVGElement, right: SVGSVGElement): { text: string; width: number; height: number } {
  const lw = Number(left.getAttribute('width'));
  const rw = Number(right.getAttribute('width'));
  const height = Math.max(Number(left.getAttribute('height')), Number(right.getAttribute('height')));
  const width = lw + rw;
  const l = left.cloneNode(true) as SVGSVGElement;
  const r = right.cloneNode(true) as SVGSVGElement;
  l.setAttribute('x', '0');
  r.setAttribute('x', String(lw));
  const ser = new XMLSerializer();
  const text =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${ser.serializeToString(r)}${ser.serializeToString(l)}</svg>`;
  return { text, width, height };
}

/** Draws the two SVGs on a canvas and downloads the PNG as `filename`. */
export async function exportPng(left: SVGSVGElement, right: SVGSVGElement, filename: string): Promise<void> {
  const { text, width, height } = combinedSvg(left, right);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    const scale = pngScale(width, height);
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no canvas');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the PNG could not be made');
    download(blob, filename);
  } finally {
    URL.revokeObjectURL(url);
  }
}

function download(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename.replace(/[^\w.\-\u4e00-\u9fff]+/g, '_');
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
