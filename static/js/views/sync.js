// The views of locks, semaphores, events, conditions and barriers (issue 12: being built).

// object type → view class, merged into the stage's VIEWS
export const VIEWS = {};
