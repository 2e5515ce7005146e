// The server's tables and bounds: data sets, features, activations, optimizers, the menus'
// choices and every numeric bound, as GET /api/meta answers them. The page carries the same
// document in <script id="meta" type="application/json">, so nothing here waits for the
// network. No other module keeps a copy of a name or a bound the server decides.

function read() {
  const element = document.getElementById("meta");
  if (!element) throw new Error("the page lacks the server's tables (<script id=\"meta\">)");
  return JSON.parse(element.textContent);
}

function deepFreeze(value) {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

export const META = deepFreeze(read());
export const BOUNDS = META.bounds;
export const DATASET_NAMES = META.datasets.map((d) => d.name);
export const FEATURES = META.features;
export const ACTIVATIONS = META.activations;
export const OPTIMIZERS = META.optimizers.map((o) => o.name);
export const REGULARIZATIONS = META.regularizations;

/** The server's entry for a data set or an optimizer (undefined for an unknown name). */
export const datasetInfo = (name) => META.datasets.find((d) => d.name === name);
export const optimizerInfo = (name) => META.optimizers.find((o) => o.name === name);
export const speedInfo = (value) => META.speeds.find((s) => s.value === value);
