// Gateway API regular expressions are RE2 (as Envoy and most implementations read them); RE2's
// leading inline flags, as in "(?i)/api.*", become JavaScript RegExp flags.

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/** The expression matching the whole of a string; throws when the source is not valid. */
export function fullMatchRegex(source: string): RegExp {
  const m = INLINE_FLAGS.exec(source);
  const flags = m ? [...new Set(m[1])].join("") : "";
  return new RegExp(`^(?:${m ? source.slice(m[0].length) : source})$`, flags);
}
