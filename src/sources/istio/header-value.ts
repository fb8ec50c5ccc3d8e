// istiod's checks of a VirtualService's header operations (pkg/config/validation: validateHTTPRoute and
// validateHTTPRouteDestinations call them for the route's and each destination's `headers`):
// ValidateHTTPHeaderWithAuthorityOperationName (a request's set/add), ValidateHTTPHeaderOperationName
// (a request's remove, every response operation) and ValidateHTTPHeaderValue (header_value_validator.go
// validateHeaderValue, a port of Envoy's router/header_parser.cc: `%` starts a %VAR% or %VAR(...)%
// expression, `%%` is a literal `%`).

/** isInternalHeader / isAuthorityHeader. */
export const isInternalHeader = (name: string) => name.startsWith(":") || name.toLowerCase() === "host";
export const isAuthorityHeader = (name: string) => name.toLowerCase() === ":authority" || name.toLowerCase() === "host";

/** A request's set/add name; undefined when istiod admits it (the authority is checked with the rewrite: validateAuthorityRewrite). */
export function requestSetNameProblem(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  return isInternalHeader(name) && !isAuthorityHeader(name) ? `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix` : undefined;
}

/** A request's remove, or any response operation's name. */
export function operationNameProblem(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (name.toLowerCase() === "host") return `invalid header ${JSON.stringify(name)}: cannot set Host header`;
  return name.startsWith(":") ? `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix` : undefined;
}

type State = "literal" | "name" | "array" | "string-start" | "string" | "delimiter" | "args-end" | "var-end";

/** ValidateHTTPHeaderValue: no control characters (but tab), and the %VAR% syntax of validateHeaderValue. */
export function headerValueProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/^[^\u0000-\u0008\u000A-\u001F\u007F]*$/.test(value)) return `header value configuration ${value} is invalid`;
  let state: State = "literal";
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos];
    const space = ch === " ";
    switch (state) {
      case "literal":
        if (ch !== "%") break;
        if (pos + 1 >= value.length) return "header value configuration: invalid header configuration. Un-escaped %";
        if (value[pos + 1] === "%") { pos++; break; }
        state = "name";
        break;
      case "name":
        if (ch === "%") state = "literal";
        else if (ch === "(") state = "array";
        break;
      case "array":
        if (ch === "[") state = "string-start";
        else if (!space) state = "string";
        break;
      case "delimiter":
        if (ch === ",") state = "string-start";
        else if (ch === "]") state = "args-end";
        else if (!space) return "header value configuration: invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case "string-start":
        if (ch === "\"") state = "string";
        else if (!space) return "header value configuration: invalid header configuration. Expecting '\"'";
        break;
      case "string":
        if (ch === "\\") {
          if (pos + 1 >= value.length) return "header value configuration: invalid header configuration. Un-terminated backslash in JSON string";
          pos++;
        } else if (ch === ")") state = "var-end";
        else if (ch === "\"") state = "delimiter";
        break;
      case "args-end":
        if (ch === ")") state = "var-end";
        else if (!space) return "header value configuration: invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'";
        break;
      case "var-end":
        if (ch === "%") state = "literal";
        else if (!space) return "header value configuration: invalid header configuration. Expecting '%' or whitespace after";
        break;
    }
  }
  return state === "literal" ? undefined : `header value configuration: invalid header configuration. Un-terminated variable expression '${value}'`;
}
