// Files the person saves and opens: JSON documents downloaded from, and read into, the page.

/** Offer `document` as a JSON file named `name`. */
export function downloadJson(name, document) {
  const blob = new Blob([JSON.stringify(document)], { type: "application/json" });
  const link = window.document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export class FileError extends Error {}

// Larger than any document the server would take (NNP_MAX_BODY_BYTES defaults to 2 MB).
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Parse a chosen file as JSON; throws FileError saying what is wrong with it. */
export async function readJson(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw new FileError(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; expected a JSON file under 16 MB`);
  }
  try {
    return JSON.parse(await file.text());
  } catch {
    throw new FileError(`${file.name} is not a JSON file`);
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
