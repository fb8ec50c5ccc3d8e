// The njs module of the nginx target: small and the same for every configuration. The route
// table (jx_routes, loaded with js_preload_object) is data; `route` walks the entries of the
// location's key in the order Junction wrote them (the engine's precedence) and redirects to the
// named location of the first entry whose conditions all hold, 404 when none does. Matching
// reads the request as the engine does: the raw path and query of the request line, a header's
// values joined with "," (as Envoy reads a repeated header), the first value of a query parameter.
// The CORS filter's policies are data in the same table (keys "cN", chosen by $jx_cors): the
// js_set variables below answer a preflight and give the CORS response headers as the engine's
// src/engine/gateway/cors.ts does (the request's origin echoed, never "*").

export const NJS_FILE = "junction.js";
export const TABLE_FILE = "junction-routes.json";

export const NJS_MODULE = String.raw`// Junction's route chooser for nginx (njs). Generated; the routes are in ${TABLE_FILE}.
function full(pattern, value) {
    return new RegExp(pattern).test(value);
}

function same(type, want, value) {
    return type === 'E' ? value === want : full(want, value);
}

function headerValues(r, name) {
    var raw = r.rawHeadersIn, out = [];
    for (var i = 0; i < raw.length; i++) {
        if (raw[i][0].toLowerCase() === name) out.push(raw[i][1]);
    }
    return out;
}

function headerMatches(r, h) {
    var values = headerValues(r, h[0]);
    return values.length > 0 && same(h[1], h[2], values.join(','));
}

function decode(s) {
    try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; }
}

function queryOf(uri) {
    var q = {}, at = uri.indexOf('?');
    if (at < 0) return q;
    var parts = uri.slice(at + 1).split('&');
    for (var i = 0; i < parts.length; i++) {
        if (!parts[i]) continue;
        var eq = parts[i].indexOf('='), k = decode(eq < 0 ? parts[i] : parts[i].slice(0, eq));
        if (!Object.prototype.hasOwnProperty.call(q, k)) q[k] = eq < 0 ? '' : decode(parts[i].slice(eq + 1));
    }
    return q;
}

function grpcMatches(g, path) {
    var m = /^\/([^\/]*)\/([\s\S]*)$/.exec(path);
    if (!m) return false;
    if (g[0] === 'E' && g[1] === null && m[1] === '') return false;
    return (g[1] === null || same(g[0], g[1], m[1])) && (g[2] === null || same(g[0], g[2], m[2]));
}

function matches(r, e, req) {
    if (e.m !== undefined && r.method !== e.m) return false;
    if (e.p !== undefined && !full(e.p, req.path)) return false;
    if (e.g !== undefined && !grpcMatches(e.g, req.path)) return false;
    var i;
    for (i = 0; e.h && i < e.h.length; i++) {
        if (!headerMatches(r, e.h[i])) return false;
    }
    for (i = 0; e.q && i < e.q.length; i++) {
        var v = req.query()[e.q[i][0]];
        if (v === undefined || !same(e.q[i][1], e.q[i][2], v)) return false;
    }
    return true;
}

function pick(choices) {
    var total = 0, i;
    for (i = 0; i < choices.length; i++) total += choices[i][0];
    var x = Math.random() * total;
    for (i = 0; i < choices.length - 1; i++) {
        if (x < choices[i][0]) return choices[i][1];
        x -= choices[i][0];
    }
    return choices[choices.length - 1][1];
}

function header(r, name) {
    var v = headerValues(r, name);
    return v.length ? v.join(',') : undefined;
}

function originAllowed(c, origin) {
    var m = /^([a-z][a-z0-9+.-]*):\/\/([^\/:]+)(:\d+)?$/i.exec(origin);
    for (var i = 0; i < c.o.length; i++) {
        var allowed = c.o[i];
        if (allowed === '*' || allowed === origin) return true;
        var a = /^([a-z][a-z0-9+.-]*):\/\/(\*\.[^\/:]+|\*)(:\d+)?$/i.exec(allowed);
        if (!a || !m || a[1].toLowerCase() !== m[1].toLowerCase() || (a[3] || '') !== (m[3] || '')) continue;
        if (a[2] === '*') return true;
        var host = m[2].toLowerCase(), suffix = a[2].slice(1).toLowerCase();
        if (host.length > suffix.length && host.slice(-suffix.length) === suffix) return true;
    }
    return false;
}

/** The location's CORS policy when the request's origin is allowed, else null. */
function cors(r) {
    var c = jx_routes[r.variables.jx_cors], origin = header(r, 'origin');
    return c && origin !== undefined && originAllowed(c, origin) ? { c: c, origin: origin } : null;
}

// Arrays of the preloaded table have no methods in njs 0.7: walked by index.
function has(list, x) {
    for (var i = 0; i < list.length; i++) if (list[i] === x) return true;
    return false;
}

function joined(list) {
    var out = '';
    for (var i = 0; i < list.length; i++) out += (i ? ', ' : '') + list[i];
    return out;
}

/** Ours, or (when the filter sets none) what the backend sent: its own header is hidden. */
function orUpstream(r, value, name) {
    return value !== '' ? value : (r.variables['upstream_http_' + name] || '');
}

function corsPreflight(r) {
    var c = jx_routes[r.variables.jx_cors];
    return c && r.method === 'OPTIONS' && header(r, 'origin') !== undefined && header(r, 'access-control-request-method') !== undefined ? '1' : '';
}

function corsAllowOrigin(r) {
    var x = cors(r);
    return orUpstream(r, x ? x.origin : '', 'access_control_allow_origin');
}

function corsAllowCredentials(r) {
    var x = cors(r);
    return orUpstream(r, x && x.c.c ? 'true' : '', 'access_control_allow_credentials');
}

function corsExposeHeaders(r) {
    var x = cors(r);
    return orUpstream(r, x ? joined(x.c.e) : '', 'access_control_expose_headers');
}

function corsAllowMethods(r) {
    var x = cors(r);
    if (!x) return '';
    return has(x.c.m, '*') ? header(r, 'access-control-request-method') : joined(x.c.m);
}

function corsAllowHeaders(r) {
    var x = cors(r);
    if (!x) return '';
    return has(x.c.h, '*') ? header(r, 'access-control-request-headers') || '' : joined(x.c.h);
}

function corsMaxAge(r) {
    var x = cors(r);
    return x ? String(x.c.a) : '';
}

/** "1" (HTTP/1) or "2" (HTTP/2) when a request header's name holds "_" (Envoy Gateway's REJECT_REQUEST), else "". */
function underscored(r) {
    var raw = r.rawHeadersIn;
    for (var i = 0; i < raw.length; i++) {
        if (raw[i][0].indexOf('_') >= 0) return r.httpVersion === '2.0' ? '2' : '1';
    }
    return '';
}

function route(r) {
    var uri = r.variables.request_uri, at = uri.indexOf('?'), query;
    var req = { path: at < 0 ? uri : uri.slice(0, at), query: function () { return query || (query = queryOf(uri)); } };
    var list = jx_routes[r.variables.jx_key];
    for (var i = 0; i < list.length; i++) {
        if (matches(r, list[i], req)) {
            r.internalRedirect(list[i].w ? pick(list[i].w) : list[i].to);
            return;
        }
    }
    r.return(404);
}

export default { route, underscored, corsPreflight, corsAllowOrigin, corsAllowCredentials, corsExposeHeaders, corsAllowMethods, corsAllowHeaders, corsMaxAge };
`;
