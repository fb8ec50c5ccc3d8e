// Talking to `junction serve`: JSON GETs (with the bearer token, when the page was opened with
// #token=...), and the event stream read with fetch (EventSource cannot send the token).

const token = (() => {
  const m = /token=([^&]+)/.exec(location.hash);
  if (m) { sessionStorage.setItem("junction-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  return sessionStorage.getItem("junction-token");
})();

const headers = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

export class ApiError extends Error {}

export async function get<T = any>(path: string, params: Record<string, string | string[] | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : v ? [v] : []) q.append(k, x);
  const res = await fetch(`${path}${q.size ? `?${q}` : ""}`, { headers: headers() });
  const body = await res.json();
  if (!res.ok) throw new ApiError(body.error ?? `HTTP ${res.status}`);
  return body as T;
}

/** Calls `on(event, data)` for each server-sent event; reconnects after a second when the stream ends. */
export async function subscribe(on: (event: string, data: any) => void, onState: (up: boolean) => void): Promise<void> {
  for (;;) {
    try {
      const res = await fetch("/api/v1/events", { headers: headers() });
      if (!res.ok || !res.body) throw new Error(String(res.status));
      onState(true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) on(event, JSON.parse(data));
        }
      }
    } catch { /* reconnect below */ }
    onState(false);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
