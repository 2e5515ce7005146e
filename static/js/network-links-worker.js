// The network diagram's links, thumbnails and bias marks, drawn off the page's main thread on
// the two canvases network-links.js hands over. A message sizes (device px) and draws each
// canvas it has a part for (`links`, `tiles`), or clears it if that part is null, and hands the
// thumbnails' pixel buffer back.

import { drawLinks, drawTiles } from "./network-links.js";

let contexts = null; // {links, tiles}
const atlas = new OffscreenCanvas(1, 1); // every thumbnail's pixels, for drawTiles

const DRAW = {
  links: (context, part, { ratio, width, height }) => drawLinks(context, part, ratio, width, height),
  tiles: (context, part, { ratio, width, height }) =>
    drawTiles(context, part, atlas, ratio, width, height),
};

self.onmessage = ({ data }) => {
  if (data.canvases) {
    contexts = { links: data.canvases.links.getContext("2d"), tiles: data.canvases.tiles.getContext("2d") };
    return;
  }
  const [width, height] = data.size;
  for (const [key, draw] of Object.entries(DRAW)) {
    const part = data[key];
    if (part === undefined) continue;
    const context = contexts[key];
    const canvas = context.canvas;
    // Setting a canvas's size clears it, even to the size it has.
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    if (part) draw(context, part, data);
    else {
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, width, height);
    }
    // The thumbnails' buffer goes back, to be filled with the next frame's.
    if (key === "tiles" && part?.pixels.byteLength) self.postMessage({ spare: part.pixels.buffer }, [part.pixels.buffer]);
  }
};
