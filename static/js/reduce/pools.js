// Pools of workers: tasks waiting, in each worker, results back (issue 12: being built).

export const POOLS = {};
