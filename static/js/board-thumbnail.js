// A student's boundary thumbnail (app/rooms/board.py documents the layout): R*R bytes in
// base64, row by row from the top; a value is lo + byte / 255 * (hi - lo).

import { categorical, pack, packDiverging } from "./colors.js";

function bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i);
  return out;
}

/** Draw `thumbnail` into `canvas` at its own resolution (CSS scales it). */
export function drawThumbnail(canvas, thumbnail) {
  const context = canvas.getContext("2d");
  if (!thumbnail) {
    context.clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  const size = thumbnail.resolution;
  if (canvas.width !== size) canvas.width = size;
  if (canvas.height !== size) canvas.height = size;
  const values = bytes(thumbnail.values);
  const classes = thumbnail.classes ? bytes(thumbnail.classes) : null;
  const image = context.createImageData(size, size);
  const words = new Uint32Array(image.data.buffer);
  for (let i = 0; i < words.length; i += 1) {
    const fraction = values[i] / 255;
    // p(class 1) and values both run orange (low) to blue (high), as in the playground.
    words[i] = classes ? pack(categorical(classes[i], fraction)) : packDiverging(fraction * 2 - 1);
  }
  context.putImageData(image, 0, 0);
}
