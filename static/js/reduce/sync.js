// Locks, semaphores, events, conditions and barriers (issue 12: being built).

export const SYNC = {};
