/** natix's version (package.json's), as the services report it, and the release uname shows. */
export const NATIX_VERSION = "0.1.0";
export const KERNEL_RELEASE = `${NATIX_VERSION}-natix`;
