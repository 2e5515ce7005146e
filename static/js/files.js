// Files the person saves and opens: JSON documents downloaded from, and read into, the page.

import { lazy } from "./i18n.js";

/** Offer `document` as a JSON file named `name`. */
export function downloadJson(name, document) {
  const blob = new Blob([JSON.stringify(document)], { type: "application/json" });
  const link = window.document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export class FileError extends Error {
  /** What is wrong, as catalogue key and parameters (i18n.js): `text` is worded when shown. */
  constructor(key, params = {}) {
    const text = lazy(key, params);
    super(String(text));
    this.text = text;
  }
}

// Larger than any document the server would take (NNP_MAX_BODY_BYTES defaults to 2 MB).
const MAX_FILE_MB = 16;
const MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024;

/** Parse a chosen file as JSON; throws FileError saying what is wrong with it. */
export async function readJson(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw new FileError("file.too_large", { file: file.name, size: file.size / 1e6, max: MAX_FILE_MB });
  }
  try {
    return JSON.parse(await file.text());
  } catch {
    throw new FileError("file.not_json", { file: file.name });
  }
}

/** Let a button open a hidden file input and hand the chosen file to `onFile`. */
export function bindFileButton(button, input, onFile) {
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const [chosen] = input.files;
    input.value = "";
    if (chosen) onFile(chosen);
  });
}
