// shared_memory: SharedMemory blocks and ShareableLists (issue 12: being built).

export const BLOCKS = {};
