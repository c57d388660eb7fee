export { default } from "natix/sh";
