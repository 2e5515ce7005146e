// Everything that talks to the server: REST calls and the live WebSocket stream.
//
// The stream sends a JSON header (`{"type": "frame", ...}`) immediately followed by one binary
// message holding the uint8 grids (docs/protocol.md). The client pairs them and hands both to
// `onFrame`. When the socket drops it retries with backoff, to the same session: the server
// keeps sessions across its restarts, so one that went away (a restart, a crash) hands the
// run back when it answers again, and the client says so (`interrupted`) to the page. Only if
// the server lost the session (idle expiry, a lost store → 404) does it create a new one from
// the current settings. A socket the server refuses at its stream limits (close code 1013) is
// retried the same way, and its reason is passed on as a `StreamRefused` error so the page
// can say why; a server that cannot be reached is a `ServerUnreachable` one.

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, detail) {
    super(describeDetail(status, detail));
    this.status = status;
    this.detail = detail;
  }
}

/** The server closed the stream at its limits (1013, "try again later"); `reason` says which. */
export class StreamRefused extends Error {
  constructor(code, reason) {
    super(reason || t("connection.busy_reason"));
    this.code = code;
    this.reason = reason; // the server's words, or "" (the page then says it in its language)
  }
}

/**
 * The server is not there: a request that got no answer, or a socket that went without the
 * server's word (1006) or because the server is shutting down (1001, 1012). A TypeError, as
 * fetch's own failure is, so code that catches a failed fetch catches this too.
 */
export class ServerUnreachable extends TypeError {}

const CLOSE_TRY_AGAIN_LATER = 1013;
// Close codes of a server going away: going away, no close frame at all, restarting.
const CLOSE_SERVER_AWAY = new Set([1001, 1006, 1012]);

function describeDetail(status, detail) {
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const field = (d.loc || []).filter((p) => p !== "body").join(".");
        return field && !String(d.msg).startsWith(field) ? `${field}: ${d.msg}` : d.msg;
      })
      .join("; ");
  }
  return typeof detail === "string" ? detail : `HTTP ${status}`;
}

async function request(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ServerUnreachable(error.message);
  }
  if (!response.ok) {
    let detail;
    try {
      detail = (await response.json()).detail;
    } catch {
      detail = undefined;
    }
    throw new ApiError(response.status, detail);
  }
  return response.status === 204 ? null : response.json();
}

export const api = {
  createSession: (config) => request("POST", "/api/sessions", config),
  getSession: (id) => request("GET", `/api/sessions/${id}`),
  data: (id) => request("GET", `/api/sessions/${id}/data`),
  model: (id) => request("GET", `/api/sessions/${id}/model`),
  loadModel: (id, document) => request("PUT", `/api/sessions/${id}/model`, document),
  deleteSession: (id) => request("DELETE", `/api/sessions/${id}`),
  updateSession: (id, changes) => request("PATCH", `/api/sessions/${id}`, changes),
  restartLesson: (id) => request("POST", `/api/sessions/${id}/lesson/restart`),
  lessons: () => request("GET", "/api/lessons"),
  sweep: (body) => request("POST", "/api/sweeps", body),
  lesson: (id) => request("GET", `/api/lessons/${encodeURIComponent(id)}`),
  /** Fire-and-forget delete that survives page unload. */
  dropSession(id) {
    fetch(`/api/sessions/${id}`, { method: "DELETE", keepalive: true }).catch(() => {});
  },
};

export const Connection = Object.freeze({
  CONNECTING: "connecting",
  OPEN: "open",
  LOST: "lost",
  CLOSED: "closed",
});

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

export class StreamClient {
  /**
   * @param {object} hooks
   *   sessionConfig(): the config to create a session with (from the URL state)
   *   onSession(session, origin): the session in use ({id, config, state}) and where it came
   *     from (see start())
   *   onOpen({interrupted}): the socket is open (send stream settings here); the server may
   *     still refuse the stream, so the connection counts as OPEN only at its first message.
   *     `interrupted`: this session's stream was live before and was lost (the page's play
   *     state is the server's no longer: a new socket starts paused)
   *   onMessage(message): any JSON message except frame headers
   *   onFrame(header, bytes): a frame header and its grids (Uint8Array)
   *   onConnection(status, detail): Connection.* with, when LOST, {retryInMs} and {error}:
   *     an ApiError, a StreamRefused (server at its stream limits), a ServerUnreachable or null
   *     (connection lost otherwise); when OPEN, {hello, interrupted}: the stream's hello and
   *     whether it takes up this session's stream again after losing it
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.sessionId = null;
    this.socket = null;
    this.pendingHeader = null;
    this.retryMs = FIRST_RETRY_MS;
    this.retryTimer = null;
    this.stopped = false;
    this.interrupted = false; // the session's stream was live, then lost: taken up on reconnect
  }

  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Connect to the session `resumeId` (one this page made before a reload) if the server still
   * has it, else to a new one. onSession(session, origin) says which: "new", "resumed",
   * "replaced" (the session to resume was gone) or, on a later reconnect, "recreated".
   */
  async start(resumeId = null) {
    this.stopped = false;
    this.sessionId = resumeId;
    this.resuming = resumeId !== null;
    this.interrupted = false;
    await this.#reconnect();
  }

  /** Send one command; returns false when the socket is not open. */
  send(message) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Drop the session and start again from the current settings. */
  async restart() {
    const old = this.sessionId;
    this.#closeSocket();
    if (old) api.dropSession(old);
    this.sessionId = null;
    await this.start();
  }

  /** Close the stream; `keepSession`: leave the session on the server for a reload to resume. */
  stop({ keepSession = false } = {}) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.#closeSocket();
    if (this.sessionId && !keepSession) api.dropSession(this.sessionId);
  }

  async #createSession(origin) {
    const session = await api.createSession(this.hooks.sessionConfig());
    this.sessionId = session.id;
    this.resuming = false;
    this.interrupted = false; // a new run: there is nothing to take up
    this.hooks.onSession(session, origin);
  }

  /** The session we hold, if the server still has it; else a new one from the settings. */
  async #findSession() {
    let session;
    try {
      session = await api.getSession(this.sessionId);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      // The server forgot the session (restarted or expired): rebuild it from the settings.
      await this.#createSession(this.resuming ? "replaced" : "recreated");
      return;
    }
    if (this.resuming) {
      this.resuming = false;
      this.hooks.onSession(session, "resumed");
    }
  }

  #open() {
    if (this.stopped) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${window.location.host}/api/sessions/${this.sessionId}/stream`;
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.pendingHeader = null;
    // A refused stream is accepted and closed at once (1013): the connection is established,
    // and the backoff reset, only once the server speaks (its `hello`).
    let established = false;
    socket.onopen = () => {
      if (socket === this.socket) this.hooks.onOpen({ interrupted: this.interrupted });
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      const message = typeof event.data === "string" ? JSON.parse(event.data) : null;
      if (!established) {
        established = true;
        this.retryMs = FIRST_RETRY_MS;
        const interrupted = this.interrupted;
        this.interrupted = false;
        const hello = message?.type === "hello" ? message : null;
        this.hooks.onConnection(Connection.OPEN, { hello, interrupted });
      }
      if (message) this.#receive(message);
      else this.#receiveGrids(event.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket || this.stopped) return;
      this.socket = null;
      if (established) this.interrupted = true;
      this.#scheduleRetry(closeError(event));
    };
  }

  #receive(message) {
    if (message.type === "frame") this.pendingHeader = message;
    else this.hooks.onMessage(message);
  }

  #receiveGrids(data) {
    const header = this.pendingHeader;
    this.pendingHeader = null;
    if (header) this.hooks.onFrame(header, new Uint8Array(data));
  }

  #scheduleRetry(error) {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.hooks.onConnection(Connection.LOST, { retryInMs: delay, error });
    this.retryTimer = setTimeout(() => this.#reconnect(), delay);
  }

  async #reconnect() {
    if (this.stopped) return;
    this.hooks.onConnection(Connection.CONNECTING, {});
    try {
      if (this.sessionId === null) await this.#createSession("new");
      else await this.#findSession();
    } catch (error) {
      this.#scheduleRetry(error);
      return;
    }
    this.#open();
  }

  #closeSocket() {
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
  }
}

/** What a socket's close says about the server (see onConnection's `error`). */
function closeError(event) {
  if (event.code === CLOSE_TRY_AGAIN_LATER) return new StreamRefused(event.code, event.reason);
  if (CLOSE_SERVER_AWAY.has(event.code)) return new ServerUnreachable(`stream closed (${event.code})`);
  return null;
}
