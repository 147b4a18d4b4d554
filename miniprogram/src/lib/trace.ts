/**
 * Trace codes: a batch label's QR code holds its public trace URL
 * (`…/api/v1/trace/CODE`); a hand-typed or bar code holds the code alone.
 */

/** The trace code in a scanned text, or null when it holds none. */
export function traceCodeOf(scanned: string): string | null {
  const text = scanned.trim();
  const m = /\/trace\/([A-Za-z0-9]+)\/?(?:[?#].*)?$/.exec(text);
  const code = m ? m[1] : text;
  return /^[A-Za-z0-9]{6,32}$/.test(code) ? code : null;
}

/** Scans a label with the camera and opens its trace page. */
export function scanTrace(): void {
  wx.scanCode({
    scanType: ['qrCode', 'barCode'],
    success: (r) => {
      const code = traceCodeOf(r.result);
      if (code) {
        wx.navigateTo({ url: `/pages/trace/trace?code=${code}` });
      } else {
        wx.showToast({ title: '这不是同城的溯源码', icon: 'none' });
      }
    },
  });
}
