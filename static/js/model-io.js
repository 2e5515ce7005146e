// Saving and loading the model: "Download model" writes GET /api/sessions/{id}/model to a
// JSON file; "Load model" PUTs such a file back, and the server checks that it fits (its
// 422 message is shown as it comes).

import { ApiError, api } from "./api.js";
import { FileError, bindFileButton, downloadJson, readJson } from "./files.js";
import { lazy } from "./i18n.js";
import { settingNames } from "./state.js";
import { within } from "./dom.js";
import { ruleRefusal } from "./room-rules.js";

/** A file name that says what the model is: data set, layers, epoch. */
function fileName(document, epoch) {
  const { dataset, hidden_layers: hidden } = document.config;
  const layers = hidden.length ? hidden.join("-") : "linear";
  return `nn-playground-${dataset}-${layers}-epoch${epoch}.json`;
}

export class ModelFiles {
  /**
   * hooks: sessionId(), epoch(), unavailable(): why there is no model to save, or null;
   *        adopt(session): take the loaded session's config, returning the fields the page
   *        cannot show; flash(kind, text)
   */
  constructor(root, hooks) {
    this.$ = within(root);
    this.hooks = hooks;
    this.$("model-download").addEventListener("click", () => this.download());
    bindFileButton(this.$("model-load"), this.$("model-file"), (file) => this.load(file));
  }

  async download() {
    const id = this.hooks.sessionId();
    if (!id) return;
    const reason = this.hooks.unavailable();
    if (reason) {
      this.hooks.flash("notice", reason);
      return;
    }
    try {
      const document = await api.model(id);
      downloadJson(fileName(document, this.hooks.epoch()), document);
    } catch (error) {
      if (!(error instanceof ApiError || error instanceof TypeError)) throw error;
      this.hooks.flash("error", lazy("model.download_failed", { reason: error.message }));
    }
  }

  async load(file) {
    const id = this.hooks.sessionId();
    if (!id) return;
    let session;
    try {
      const document = await readJson(file);
      session = await api.loadModel(id, document);
    } catch (error) {
      const refused = error instanceof ApiError ? ruleRefusal(error) : null;
      if (refused) {
        this.hooks.flash("notice", refused); // a setting the room's teacher fixed
      } else if (error instanceof ApiError && error.status === 422) {
        this.hooks.flash("error", lazy("model.does_not_fit", { file: file.name, reason: error.message }));
      } else if (error instanceof ApiError || error instanceof FileError || error instanceof TypeError) {
        this.hooks.flash("error", lazy("model.load_failed", { reason: error.text ?? error.message }));
      } else {
        throw error;
      }
      return;
    }
    const skipped = this.hooks.adopt(session);
    const loaded = lazy(session.rebuilt ? "model.loaded_rebuilt" : "model.loaded", { file: file.name });
    const note = skipped.length ? lazy("model.skipped", { fields: settingNames(skipped) }) : null;
    this.hooks.flash("notice", { toString: () => (note ? `${loaded} ${note}` : String(loaded)) });
  }
}
