// A phone photo made small enough to send over a weak connection while the
// sheet's QR code stays readable: downscaled on the device (no pixel leaves
// it before the witness signs), re-encoded as JPEG. The server reads the QR
// code from what is sent, so the long side keeps enough pixels per module
// (BENCHMARKS.md, "The witness's app", measures the share still read).

/** Longest side, in pixels, of the photo sent. */
export const MAX_SIDE = 2400;
/** Photos at most this size (and no larger than MAX_SIDE) are sent as they are. */
export const KEEP_BELOW_BYTES = 1_500_000;
/** JPEG quality of a re-encoded photo. */
export const QUALITY = 0.88;

/**
 * The photo to sign and send, from a File or Blob: `{ blob, width, height,
 * originalBytes, downscaled }`. A JPEG or PNG already small enough is kept
 * byte for byte; anything else is drawn at most MAX_SIDE pixels on its
 * longest side (respecting the camera's orientation) and re-encoded.
 */
export async function preparePhoto(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const { width, height } = bitmap;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const keep = scale === 1 && file.size <= KEEP_BELOW_BYTES && /^image\/(jpeg|png)$/.test(file.type);
  if (keep) {
    bitmap.close();
    return { blob: file, width, height, originalBytes: file.size, downscaled: false };
  }
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  const canvas = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(w, h) : Object.assign(document.createElement("canvas"), { width: w, height: h });
  const ctx = canvas.getContext("2d");
  // Smooth downscaling keeps the QR modules' edges instead of aliasing them away.
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const blob = canvas.convertToBlob
    ? await canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY })
    : await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return { blob, width: w, height: h, originalBytes: file.size, downscaled: true };
}
