/**
 * natix/kernel — kernel-core's public face: the syscall table, errno, the wire frame, the
 * kernel itself and the server runtime that servers are written against.
 */
export { Kernel, ROUTING_MODES, type KernelOptions, type ProcessInfo, type RoutingMode, type KernelEvents, type RouteTable } from "./kernel.js";
export { type Route, type Router } from "./deliver.js";
export { deliver, deliverBatch, type Delivery, type RemoteServers } from "./deliver.js";
export { SYSCALL_TABLE, SYS, STRUCT_SIZES, syscallByNr, syscallByName, hasFlag } from "./syscalls/table.js";
export type { SyscallDef, ArgSpec, SyscallFlag } from "./syscalls/types.js";
export { E, strerror, errnoName, allErrnos } from "./errno.js";
export {
  encodeRequest,
  decodeRequest,
  encodeReply,
  decodeReply,
  ABI_VERSION,
  FRAME_MAGIC,
  FRAME_TYPE,
  type SyscallRequest,
  type SyscallReply,
} from "./abi/frame.js";
export { encodeRouted, decodeRouted, type Caller } from "./abi/routed.js";
export { LIMITS, DEFAULT_DEADLINE_MS } from "./abi/limits.js";
export { SUBJECTS, serviceName } from "./abi/subjects.js";
export { SyscallContext } from "./server-runtime.js";
export { createDispatcher, type ServerDefinition, type SyscallHandler, type Dispatcher } from "./server-runtime.js";
export { Registry, type Registration } from "./registry.js";
export type { KernelModule, ModuleSyscall, ModuleKernelApi } from "./module-api.js";
export { KernelLog, formatKmsg, type KmsgRecord } from "./kmsg.js";
