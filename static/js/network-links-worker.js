// The network diagram's links, drawn off the page's main thread on the canvas network-links.js
// hands over: each message sizes the canvas (device px) and draws the links it carries, or
// clears the canvas if it carries none.

import { drawLinks } from "./network-links.js";

let context = null;

self.onmessage = ({ data }) => {
  if (data.canvas) {
    context = data.canvas.getContext("2d");
    return;
  }
  const canvas = context.canvas;
  const [width, height] = data.size;
  // Setting a canvas's size clears it, even to the size it has.
  if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
  if (data.links) drawLinks(context, data.links, data.ratio, data.width, data.height);
  else {
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
  }
};
