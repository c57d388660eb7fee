/** natix's version, as services and uname report it. */
export const NATIX_VERSION = "0.1.0";
