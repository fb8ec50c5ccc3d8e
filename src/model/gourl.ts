// Go's net/url.Parse, as far as whether it refuses a text and with which error (net/url/url.go Parse,
// parse, getScheme, parseAuthority, parseHost, validOptionalPort, unescape): Envoy Gateway checks a
// rate limit Redis URL with it (validation ValidateRedisURL).

const CTL = /[\x00-\x1f\x7f]/;
const HOST_OK = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]$/;

const goQuote = (s: string) => JSON.stringify(s);

/** unescape's error for `s` in `mode`, if any: a "%" without two hex digits, a host character Go escapes. */
function unescapeError(s: string, mode: "host" | "path" | "fragment" | "user"): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%") {
      const esc = s.slice(i, i + 3);
      if (esc.length < 3 || !/^%[0-9A-Fa-f]{2}$/.test(esc)) return `invalid URL escape ${goQuote(esc)}`;
      // In a host, %-escapes are only for non-ASCII bytes (or "%25").
      if (mode === "host" && parseInt(s[i + 1], 16) < 8 && esc !== "%25") return `invalid URL escape ${goQuote(esc)}`;
      i += 2;
    } else if (mode === "host" && c.charCodeAt(0) < 0x80 && !HOST_OK.test(c)) {
      return `invalid character ${goQuote(c)} in host name`;
    }
  }
  return undefined;
}

const validOptionalPort = (port: string) => port === "" || /^:[0-9]*$/.test(port);

function hostError(host: string): string | undefined {
  if (host.startsWith("[")) {
    const i = host.lastIndexOf("]");
    if (i < 0) return "missing ']' in host";
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
  } else {
    const i = host.lastIndexOf(":");
    if (i >= 0 && !validOptionalPort(host.slice(i))) return `invalid port ${goQuote(host.slice(i))} after host`;
  }
  return unescapeError(host, "host");
}

/** url.Parse(raw)'s error text (`parse "RAW": ...`), or undefined when Go parses it. */
export function goUrlParseError(raw: string): string | undefined {
  const hash = raw.indexOf("#");
  const u = hash < 0 ? raw : raw.slice(0, hash), frag = hash < 0 ? "" : raw.slice(hash + 1);
  const err = parseError(u);
  if (err) return `parse ${goQuote(u)}: ${err}`;
  const fragErr = frag ? unescapeError(frag, "fragment") : undefined;
  return fragErr ? `parse ${goQuote(raw)}: ${fragErr}` : undefined;
}

function parseError(raw: string): string | undefined {
  if (CTL.test(raw)) return "net/url: invalid control character in URL";
  if (raw === "*") return undefined;
  // getScheme: letters, then letters, digits, "+-." up to ":" (a ":" first: no scheme).
  let scheme = "", rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) { if (i === 0) break; continue; }
    if (c === ":") {
      if (i === 0) return "missing protocol scheme";
      scheme = raw.slice(0, i); rest = raw.slice(i + 1);
    }
    break;
  }
  rest = rest.endsWith("?") && rest.split("?").length === 2 ? rest.slice(0, -1) : rest.split("?")[0];
  if (!rest.startsWith("/")) {
    if (scheme) return undefined;
    if (rest.split("/")[0].includes(":")) return "first path segment in URL cannot contain colon";
  }
  if ((scheme || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    const slash = authority.indexOf("/");
    rest = slash >= 0 ? authority.slice(slash) : "";
    if (slash >= 0) authority = authority.slice(0, slash);
    const at = authority.lastIndexOf("@");
    const hostErr = hostError(at < 0 ? authority : authority.slice(at + 1));
    if (hostErr) return hostErr;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return "net/url: invalid userinfo";
      for (const part of userinfo.includes(":") ? [userinfo.slice(0, userinfo.indexOf(":")), userinfo.slice(userinfo.indexOf(":") + 1)] : [userinfo]) {
        const e = unescapeError(part, "user");
        if (e) return e;
      }
    }
  }
  return unescapeError(rest, "path");
}
