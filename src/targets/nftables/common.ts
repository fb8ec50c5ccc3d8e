// What every Junction ruleset shares.

export const TABLE_NAME = "junction";

/** First rules of every base chain: replies of allowed flows pass, broken ones do not, IPv6 neighbour discovery works. */
export const STATEFUL: readonly string[] = [
  "ct state established,related accept",
  "ct state invalid drop",
  "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept",
];
