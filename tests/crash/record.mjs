// The crash tests' self-checking records are the chaos suite's (services/chaos/records.ts);
// natix programs in this directory import them from here.
export { RECORD_SIZE, record, parseRecords } from "../../build/services/chaos/records.js";
